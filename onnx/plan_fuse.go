package onnx

import (
	"math"
	"slices"

	"github.com/simdcore/simdcore/kernel"
)

// fusedPatterns returns nodes with the chains that torch.onnx.export
// writes for nn.LayerNorm and GELU below opset 17 and 20, and for SiLU,
// replaced by one LayerNormalization, Gelu or SiLU node each, which run on
// the fused kernels (kernel.LayerNorm, kernel.GELU, kernel.GELUTanh,
// kernel.SiLU) instead of up to nine elementwise passes over the tensor.
// SiLU is not an ONNX operator: fusedOps holds it, for fused nodes only.
// The chains, as torch 1.13 writes them (either operand order of Add and
// Mul is accepted):
//
//	layer norm:  m = ReduceMean(x, axes=[-k..-1]); d = Sub(x, m);
//	             v = ReduceMean(Pow(d, 2), same axes); s = Sqrt(Add(v, eps));
//	             y = Add(Mul(Div(d, s), weight), bias)        (bias optional)
//	GELU:        y = Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)
//	GELU, tanh:  y = Mul(Mul(x, Add(Tanh(Mul(√(2/π), Add(x, Mul(0.044715,
//	             Mul(x, Mul(x, x)))))), 1)), 0.5)
//	SiLU:        y = Mul(x, Sigmoid(x))                  (F.silu, nn.SiLU)
//
// with the constants exactly those float32 values (2, 1, 0.5 and eps of
// rank 0 or one element). A chain is fused only when no value inside it
// is read by anything else (another node, a subgraph, the graph's
// outputs). The fused node keeps the nodes it replaces (Node.fusedFrom):
// when it cannot be planned for the shapes and types at hand (a weight
// that broadcasts past the normalised dimensions, FLOAT16 data, whose
// every value is rounded to half: plan_half.go), planGraph
// plans those instead, so fusing never refuses a model that runs without
// it. The fused kernels compute the same functions in float64 or within
// their ULP bounds, so the results stay within the tolerance of the
// unfused float32 chain (ACCURACY.md). nodes itself is not modified.
func fusedPatterns(g *Graph, nodes []*Node) []*Node {
	f := &fuser{nodes: nodes, producer: map[string]int{}, reads: map[string]int{}, readers: map[string][]int{},
		inits: map[string]*Tensor{}, gone: map[int]bool{}}
	for _, t := range g.Initializers {
		f.inits[t.Name] = t
	}
	for _, o := range g.Outputs {
		f.reads[o.Name] += 2 // a graph output is never inside a chain
	}
	for i, n := range nodes {
		for _, o := range n.Outputs {
			f.producer[o] = i
		}
		reads := nodeReads(n)
		for j, in := range reads {
			f.reads[in]++
			if j < len(n.Inputs) && !slices.Contains(f.readers[in], i) {
				f.readers[in] = append(f.readers[in], i)
			}
			if j >= len(n.Inputs) {
				f.reads[in]++ // read by a subgraph: kept
			}
		}
	}
	var out []*Node
	at := map[int]bool{} // where out holds a fused node
	for i, n := range nodes {
		var fused *Node
		switch {
		case n.Domain != "":
		case n.OpType == "ReduceMean":
			fused = f.layerNorm(i)
		case n.OpType == "Div" || n.OpType == "Mul":
			fused = f.gelu(i)
		case n.OpType == "Sigmoid":
			fused = f.silu(i)
		}
		if fused == nil {
			continue
		}
		if out == nil {
			out = slices.Clone(nodes)
		}
		out[f.last] = fused
		at[f.last] = true
	}
	if out == nil {
		return nodes
	}
	kept := out[:0:0]
	for i, n := range out {
		if !f.gone[i] || at[i] {
			kept = append(kept, n)
		}
	}
	return kept
}

// fuseChains turns fusedPatterns on; the tests turn it off to plan the
// chains as written.
var fuseChains = true

// fusedOps are the operators only fused nodes name, outside ONNX's.
var fusedOps = map[string]opBuilder{
	"SiLU": floatUnary(kernel.SiLU),
}

// fuser matches chains in one graph's nodes.
type fuser struct {
	nodes    []*Node
	producer map[string]int     // value → the node that defines it
	reads    map[string]int     // value → how many times it is read
	readers  map[string][]int   // value → the nodes whose inputs name it
	inits    map[string]*Tensor // the graph's initializers by name
	gone     map[int]bool       // nodes replaced by a fused node
	chain    []int              // the chain being matched, in order
	last     int                // where the fused node goes: the chain's last node
}

// next returns the node that reads v, when exactly one read of v exists
// and it is by a node of the default domain of type op with n inputs.
func (f *fuser) next(v, op string, n int) (int, *Node, bool) {
	if v == "" || f.reads[v] != 1 || len(f.readers[v]) != 1 {
		return 0, nil, false
	}
	i := f.readers[v][0]
	m := f.nodes[i]
	if f.gone[i] || m.Domain != "" || m.OpType != op || len(m.Inputs) != n || len(m.Outputs) != 1 || m.Outputs[0] == "" {
		return 0, nil, false
	}
	return i, m, true
}

// scalar reports the value of v when it is a FLOAT constant (a Constant
// node's or an initializer) of rank 0, or of one element and rank ≤ maxRank.
func (f *fuser) scalar(v string, maxRank int) (float32, bool) {
	var t *Tensor
	if i, ok := f.producer[v]; ok {
		n := f.nodes[i]
		if n.OpType != "Constant" || n.Domain != "" || len(n.Attributes) != 1 {
			return 0, false
		}
		switch a := n.Attributes[0]; {
		case a.Name == "value" && a.Type == AttrTensor:
			t = a.T
		case a.Name == "value_float" && a.Type == AttrFloat:
			return a.F, true
		}
	} else {
		t = f.inits[v]
	}
	if t == nil || t.DType != Float || len(t.Float) != 1 || len(t.Dims) > maxRank {
		return 0, false
	}
	return t.Float[0], true
}

// withConst matches node m as a binary op of x and a scalar constant equal
// to want (in either order when commutes).
func (f *fuser) withConst(m *Node, x string, want float32, commutes bool) bool {
	if len(m.Inputs) != 2 {
		return false
	}
	if m.Inputs[0] == x {
		c, ok := f.scalar(m.Inputs[1], 0)
		return ok && c == want
	}
	if commutes && m.Inputs[1] == x {
		c, ok := f.scalar(m.Inputs[0], 0)
		return ok && c == want
	}
	return false
}

// other returns m's input that is not x, for a binary m that reads x once.
func other(m *Node, x string) string {
	if m.Inputs[0] == x {
		return m.Inputs[1]
	}
	return m.Inputs[0]
}

// trailingAxes returns k when axes is {-k, …, -1} (in any order).
func trailingAxes(axes []int64) int {
	s := slices.Clone(axes)
	slices.Sort(s)
	for i, a := range s {
		if a != int64(i-len(s)) {
			return 0
		}
	}
	return len(s)
}

// reduceMeanAxes returns k for a ReduceMean over the last k axes with
// keepdims (the attribute form, opset < 18).
func reduceMeanAxes(n *Node) int {
	if len(n.Inputs) != 1 || len(n.Outputs) != 1 {
		return 0
	}
	if kd := n.Attr("keepdims"); kd != nil && (kd.Type != AttrInt || kd.I != 1) {
		return 0
	}
	a := n.Attr("axes")
	if a == nil || a.Type != AttrInts || len(a.Ints) == 0 {
		return 0
	}
	return trailingAxes(a.Ints)
}

// layerNorm matches the layer-norm chain from the ReduceMean at i.
func (f *fuser) layerNorm(i int) *Node {
	r1 := f.nodes[i]
	k := reduceMeanAxes(r1)
	if k == 0 || f.gone[i] {
		return nil
	}
	x := r1.Inputs[0]
	f.chain = append(f.chain[:0], i)
	is, sub, ok := f.next(r1.Outputs[0], "Sub", 2)
	if !ok || sub.Inputs[0] != x || sub.Inputs[1] != r1.Outputs[0] {
		return nil
	}
	d := sub.Outputs[0]
	if f.reads[d] != 2 {
		return nil
	}
	// d is read by the Pow and by the Div: find both.
	ip, pow, idiv, div := -1, (*Node)(nil), -1, (*Node)(nil)
	for _, j := range f.readers[d] {
		m := f.nodes[j]
		if f.gone[j] || m.Domain != "" {
			continue
		}
		switch {
		case m.OpType == "Pow" && len(m.Inputs) == 2 && m.Inputs[0] == d && len(m.Outputs) == 1:
			if c, ok := f.scalar(m.Inputs[1], 1); ok && c == 2 {
				ip, pow = j, m
			}
		case m.OpType == "Div" && len(m.Inputs) == 2 && m.Inputs[0] == d && len(m.Outputs) == 1:
			idiv, div = j, m
		}
	}
	if pow == nil || div == nil {
		return nil
	}
	ir2, r2, ok := f.next(pow.Outputs[0], "ReduceMean", 1)
	if !ok || reduceMeanAxes(r2) != k || !slices.Equal(r2.Attr("axes").Ints, r1.Attr("axes").Ints) {
		return nil
	}
	iadd, add, ok := f.next(r2.Outputs[0], "Add", 2)
	if !ok {
		return nil
	}
	eps, ok := f.scalar(other(add, r2.Outputs[0]), 1)
	if !ok || !(eps >= 0) {
		return nil
	}
	isq, sq, ok := f.next(add.Outputs[0], "Sqrt", 1)
	if !ok || f.reads[sq.Outputs[0]] != 1 || div.Inputs[1] != sq.Outputs[0] {
		return nil
	}
	imul, mul, ok := f.next(div.Outputs[0], "Mul", 2)
	if !ok {
		return nil
	}
	f.chain = append(f.chain, is, ip, ir2, iadd, isq, idiv, imul)
	inputs := []string{x, other(mul, div.Outputs[0])}
	y := mul.Outputs[0]
	if ib, bias, ok := f.next(y, "Add", 2); ok {
		f.chain = append(f.chain, ib)
		inputs = append(inputs, other(bias, y))
		y = bias.Outputs[0]
	}
	return f.fuse(&Node{
		Name:    r1.Name,
		OpType:  "LayerNormalization",
		Inputs:  inputs,
		Outputs: []string{y},
		Attributes: []*Attribute{
			{Name: "axis", Type: AttrInt, I: int64(-k)},
			{Name: "epsilon", Type: AttrFloat, F: eps},
		},
	})
}

// The float32 constants of torch's GELU chains.
var (
	sqrt2f      = float32(math.Sqrt2)
	sqrt2OverPi = float32(math.Sqrt(2 / math.Pi))
)

// gelu matches either GELU chain from its first node at i: the Div of the
// erf form or the x·x Mul of the tanh form.
func (f *fuser) gelu(i int) *Node {
	first := f.nodes[i]
	if f.gone[i] || len(first.Inputs) != 2 || len(first.Outputs) != 1 {
		return nil
	}
	x := first.Inputs[0]
	f.chain = append(f.chain[:0], i)
	var inner, approximate string
	switch {
	case first.OpType == "Div" && f.withConst(first, x, sqrt2f, false):
		ie, erf, ok := f.next(first.Outputs[0], "Erf", 1)
		if !ok {
			return nil
		}
		f.chain = append(f.chain, ie)
		inner, approximate = erf.Outputs[0], "none"
	case first.OpType == "Mul" && first.Inputs[1] == x:
		// x³ = Mul(x, Mul(x, x)); u = √(2/π)·(x + 0.044715·x³); Tanh(u)
		sq := first.Outputs[0]
		if f.reads[sq] != 1 {
			return nil
		}
		icube, cube, ok := f.next(sq, "Mul", 2)
		if !ok || other(cube, sq) != x {
			return nil
		}
		ic, cmul, ok := f.next(cube.Outputs[0], "Mul", 2)
		if !ok || !f.withConst(cmul, cube.Outputs[0], 0.044715, true) {
			return nil
		}
		ia, add, ok := f.next(cmul.Outputs[0], "Add", 2)
		if !ok || other(add, cmul.Outputs[0]) != x {
			return nil
		}
		is, smul, ok := f.next(add.Outputs[0], "Mul", 2)
		if !ok || !f.withConst(smul, add.Outputs[0], sqrt2OverPi, true) {
			return nil
		}
		it, tanh, ok := f.next(smul.Outputs[0], "Tanh", 1)
		if !ok {
			return nil
		}
		f.chain = append(f.chain, icube, ic, ia, is, it)
		inner, approximate = tanh.Outputs[0], "tanh"
	default:
		return nil
	}
	// Both forms end in Mul(Mul(x, Add(inner, 1)), 0.5).
	ia, add, ok := f.next(inner, "Add", 2)
	if !ok || !f.withConst(add, inner, 1, true) {
		return nil
	}
	im, mul, ok := f.next(add.Outputs[0], "Mul", 2)
	if !ok || other(mul, add.Outputs[0]) != x {
		return nil
	}
	ih, half, ok := f.next(mul.Outputs[0], "Mul", 2)
	if !ok || !f.withConst(half, mul.Outputs[0], 0.5, true) {
		return nil
	}
	f.chain = append(f.chain, ia, im, ih)
	return f.fuse(&Node{
		Name:       first.Name,
		OpType:     "Gelu",
		Inputs:     []string{x},
		Outputs:    half.Outputs,
		Attributes: []*Attribute{{Name: "approximate", Type: AttrString, S: []byte(approximate)}},
	})
}

// silu matches Mul(x, Sigmoid(x)) from the Sigmoid at i.
func (f *fuser) silu(i int) *Node {
	sig := f.nodes[i]
	if f.gone[i] || len(sig.Inputs) != 1 || len(sig.Outputs) != 1 || sig.Inputs[0] == "" {
		return nil
	}
	x := sig.Inputs[0]
	im, mul, ok := f.next(sig.Outputs[0], "Mul", 2)
	if !ok || other(mul, sig.Outputs[0]) != x {
		return nil
	}
	f.chain = append(f.chain[:0], i, im)
	return f.fuse(&Node{Name: sig.Name, OpType: "SiLU", Inputs: []string{x}, Outputs: mul.Outputs})
}

// fuse completes the fused node n from f.chain: it records the nodes n
// replaces and the values they read that n does not (constants), so that
// the topological order still puts those first for the fallback.
func (f *fuser) fuse(n *Node) *Node {
	inside := map[string]bool{}
	for _, j := range f.chain {
		n.fusedFrom = append(n.fusedFrom, f.nodes[j])
		for _, o := range f.nodes[j].Outputs {
			inside[o] = true
		}
	}
	for _, m := range n.fusedFrom {
		for _, in := range m.Inputs {
			if !inside[in] && !slices.Contains(n.Inputs, in) && !slices.Contains(n.fusedReads, in) {
				n.fusedReads = append(n.fusedReads, in)
			}
		}
	}
	f.last = slices.Max(f.chain)
	for _, j := range f.chain {
		f.gone[j] = true
	}
	n.Name += " (fused " + n.OpType + ")"
	return n
}
