package onnx

import (
	"math"
	"math/bits"
)

// The fold budget. NewSession runs every node whose inputs are all known
// (folds it); the element budget bounds what such a node allocates but
// not what it computes: a few hundred bytes of ONNX can ask for a hundred
// products of two 4096×4096 constants, or a Loop of 2^20 iterations over
// 2^20 elements, minutes or hours of NewSession. So each node's work is
// estimated (nodeWork: multiply-adds for products and convolutions, a
// Loop's or Scan's iterations times its body's work, elements read and
// written otherwise) and the nodes folded take theirs from one budget per
// session; a node beyond what is left is planned as if its inputs were
// not known, and runs at Run, with the same values (its kernel is the
// one folding would have run). Nodes of at most foldFree work, such as
// shape arithmetic, always fold, so that what depends on their values
// still plans.

// maxFoldWork is the fold budget of a model without weights: 2^28
// multiply-adds or elements, a fraction of a second, some 340 times what
// the largest committed fixture folds (Silero VAD v5: 788,498). To it
// foldPerWeight is added per element of the tensors the file holds
// (initializers and attributes, subgraphs' too), so that the ordinary
// folding of exports (weights transposed, reshaped, cast or dequantized
// while planning, a few elements of work per weight each) folds entirely
// however big the model: that work is proportional to the file's own
// size, like parsing it.
const (
	maxFoldWork   = 1 << 28
	foldPerWeight = 16
	foldFree      = 1 << 10
)

// foldBudget returns the fold budget of a model whose root graph is g.
func foldBudget(g *Graph) int64 {
	return satAdd(maxFoldWork, satMul(graphWeights(g, 0), foldPerWeight))
}

// graphWeights counts the elements of the tensors g holds, its
// subgraphs' included (depth bounds the recursion as planning does).
func graphWeights(g *Graph, depth int) int64 {
	var n int64
	if g == nil || depth > maxDepth {
		return 0
	}
	for _, t := range g.Initializers {
		n = satAdd(n, storedElems(t))
	}
	for _, nd := range g.Nodes {
		for _, a := range nd.Attributes {
			if a.T != nil {
				n = satAdd(n, storedElems(a.T))
			}
			for _, t := range a.Tensors {
				n = satAdd(n, storedElems(t))
			}
			n = satAdd(n, graphWeights(a.G, depth+1))
			for _, sg := range a.Graphs {
				n = satAdd(n, graphWeights(sg, depth+1))
			}
		}
	}
	return n
}

// fold reports whether a node whose inputs are all known and whose work
// is estimated at w may run while planning, and takes w from the plan's
// fold budget if so.
func (l *loopLimits) fold(w int64) bool {
	if w <= foldFree {
		return true
	}
	if w > l.foldWork {
		return false
	}
	l.foldWork -= w
	return true
}

// nodeWork estimates the work of one run of a planned node: its builder's
// estimate (c.work: Loop, Scan, Einsum) when it made one, the multiply-adds of
// the operators that multiply matrices or convolve, and otherwise the
// elements its inputs and outputs hold (elementwise operators, copies,
// reductions, normalizations, gathers: a few operations per element).
// It is an upper bound up to a small factor, never below the true work
// by more than that.
func nodeWork(c *nodeCtx) int64 {
	var elems int64
	for _, vs := range [][]*value{c.in, c.out} {
		for _, v := range vs {
			elems = satAdd(elems, valueElems(v))
		}
	}
	in0, out0 := c.input(0), outTensor(c, 0)
	if in0 == nil || out0 == nil {
		return max(c.work, elems)
	}
	out := int64(out0.Len())
	w := c.work
	switch c.node.OpType {
	case "MatMul", "MatMulInteger", "QLinearMatMul", "MatMulNBits", "FusedMatMul":
		// out[..., m, n] = Σ_k a[..., m, k]·b[..., k, n]; FusedMatMul may
		// transpose a.
		k := lastDim(in0.Dims, 1)
		if c.node.OpType == "FusedMatMul" {
			k = max(k, lastDim(in0.Dims, 2))
		}
		w = satMul(out, k)
	case "Gemm", "QGemm":
		// a is m×k or k×m, out m×n.
		if len(out0.Dims) > 0 && out0.Dims[0] > 0 {
			w = satMul(out, int64(in0.Len()/out0.Dims[0]))
		}
	case "Conv", "ConvInteger", "QLinearConv":
		// Each output element sums C/group × kernel products: w's elements
		// over its M output channels.
		wi := 1
		if c.node.OpType == "QLinearConv" {
			wi = 3
		}
		w = satMul(out, perFirst(c.input(wi)))
	case "ConvTranspose":
		// Each input element adds into M/group × kernel outputs.
		w = satMul(int64(in0.Len()), perFirst(c.input(1)))
	case "MaxPool", "AveragePool", "QLinearAveragePool":
		k := int64(1)
		if a := c.node.Attr("kernel_shape"); a != nil {
			for _, d := range a.Ints {
				k = satMul(k, max(d, 1))
			}
		}
		w = satMul(out, k)
	case "LRN":
		size := int64(1)
		if a := c.node.Attr("size"); a != nil {
			size = max(a.I, 1)
		}
		w = satMul(out, size)
	case "RNN", "GRU", "LSTM", "DynamicQuantizeLSTM":
		// Every time step of every batch row multiplies by W and R.
		rows := int64(0)
		if d := lastDim(in0.Dims, 1); d > 0 {
			rows = int64(in0.Len()) / d
		}
		w = satMul(rows, satAdd(tensorElems(c.input(1)), tensorElems(c.input(2))))
	case "Attention":
		// input [B, S, D] times weights [D, 3D], then scores and their
		// products with the values over S plus the past's positions.
		t := lastDim(in0.Dims, 2)
		if past := c.input(4); past != nil && len(in0.Dims) == 3 && in0.Dims[0]*in0.Dims[2] > 0 {
			t += int64(past.Len() / (2 * in0.Dims[0] * in0.Dims[2]))
		}
		w = satMul(int64(in0.Len()), satAdd(lastDim(dimsOf(c.input(1)), 1), satMul(2, t)))
	case "DFT", "STFT":
		// A product by the transform's matrix: each output value sums at
		// most the signal's length times its components.
		var longest int64
		for _, d := range in0.Dims {
			longest = max(longest, int64(d))
		}
		w = satMul(out, satMul(longest, 2))
	case "Det":
		w = satMul(int64(in0.Len()), lastDim(in0.Dims, 1))
	case "TopK":
		w = satMul(int64(in0.Len()), int64(bits.Len64(uint64(in0.Len()))))
	}
	return max(w, elems)
}

// storedElems counts the values a parsed tensor holds (not what its
// dims declare).
func storedElems(t *Tensor) int64 {
	return int64(len(t.Float) + len(t.Int) + len(t.Double) + len(t.Strings))
}

// outTensor returns output i's tensor, nil if the node has none there.
func outTensor(c *nodeCtx, i int) *Tensor {
	if i >= len(c.out) || c.out[i] == nil {
		return nil
	}
	return c.out[i].t
}

// valueElems counts a value's elements, a sequence's in all.
func valueElems(v *value) int64 {
	switch {
	case v == nil:
		return 0
	case v.t != nil:
		return int64(v.t.Len())
	case v.seq != nil:
		var n int64
		for _, t := range v.seq.ts {
			n = satAdd(n, storedElems(t))
		}
		return n
	}
	return 0
}

func tensorElems(t *Tensor) int64 {
	if t == nil {
		return 0
	}
	return int64(t.Len())
}

func dimsOf(t *Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Dims
}

// lastDim returns the i-th dimension from the end (1: the last), 1 when
// there are fewer.
func lastDim(dims []int, i int) int64 {
	if len(dims) < i {
		return 1
	}
	return int64(dims[len(dims)-i])
}

// perFirst returns t's elements per index of its first dimension.
func perFirst(t *Tensor) int64 {
	if t == nil || len(t.Dims) == 0 || t.Dims[0] <= 0 {
		return 1
	}
	return int64(t.Len() / t.Dims[0])
}

// satAdd and satMul add and multiply non-negative counts, saturating at
// math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
