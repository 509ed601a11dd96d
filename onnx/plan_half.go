package onnx

import (
	"slices"
	"unsafe"
)

// FLOAT16 values flow through a session as float32s holding half values,
// in Tensor.Float as FLOAT's do. A node that reads FLOAT16 is planned the
// way ONNX Runtime's CPU provider runs the operators it has no half kernel
// for: its FLOAT16 inputs are read as FLOAT (views of the same buffers, so
// nothing is converted at run time), the operator's FLOAT builder plans
// it, and its FLOAT outputs become FLOAT16, rounded to half once after the
// node has run (roundHalf: to nearest even, beyond 65504 to ±Inf,
// subnormals kept, NaN quieted). Every operator that takes FLOAT thus takes FLOAT16,
// computing in float32. Unlike ONNX Runtime, which keeps a value in
// float32 between two nodes that both run in float32 (it removes the
// Casts it inserted between them), every FLOAT16 value here is a half, as
// the graph's types say; the two differ by the roundings in between.
//
// Types stay distinct where ONNX requires them to match: a node that
// reads both FLOAT16 and FLOAT is refused, except at the inputs whose type
// is independent of the data's (halfTypes).

// halfNotPlanned lists the operators that read FLOAT16 without this
// wrapping: Cast and CastLike convert it themselves; the control-flow and
// sequence operators pass tensors through with their types to subgraphs
// and sequences; Shape and Size read no values.
var halfNotPlanned = map[string]bool{
	"Cast": true, "CastLike": true, "If": true, "Loop": true, "Scan": true,
	"Shape": true, "Size": true,
}

// halfRefused lists the operators whose FLOAT inputs may not be FLOAT16 in
// ONNX (DynamicQuantizeLinear's x, Range's T) or in ONNX Runtime's
// com.microsoft domain (the quantized operators' scales,
// DynamicQuantizeMatMul's A and bias).
var halfRefused = map[string]bool{
	"DynamicQuantizeLinear": true, "Range": true, "DynamicQuantizeLSTM": true, "DynamicQuantizeMatMul": true, "QGemm": true,
	"QLinearAdd": true, "QLinearMul": true, "QLinearConcat": true, "QLinearWhere": true,
	"QLinearSigmoid": true, "QLinearLeakyRelu": true, "QLinearGlobalAveragePool": true,
	"QLinearAveragePool": true, "QLinearSoftmax": true, "MatMulInteger": true, "ConvInteger": true,
	"QLinearMatMul": true, "QLinearConv": true,
}

// halfTyped says how an operator's float types relate when its inputs
// are not all of one: the inputs before shared (all of them when shared
// is negative) have one type, T; the others have types of their own; an
// output takes the type of input follows(i) (-1: T).
type halfTyped struct {
	shared  int
	follows func(out int) int
}

// halfTypes returns the operator's typing: Resize's and Upsample's roi and
// scales, GridSample's grid, Pow's exponent (opset 12: T1), Dropout's
// ratio, BatchNormalization's scale, bias, mean and variance (opset 15:
// T1, T2; its running statistics take the mean's type) and all of
// OneHot's inputs (its output takes the values' type) have types
// independent of the data's. Every other operator's float inputs and
// outputs share one type.
func halfTypes(op string, opset int64) halfTyped {
	first := func(int) int { return 0 }
	switch {
	case op == "Resize" || op == "Upsample" || op == "GridSample" || op == "Dropout" || op == "Pow" && opset >= 12:
		return halfTyped{1, first}
	case op == "BatchNormalization" && opset >= 15:
		return halfTyped{1, func(i int) int { return min(i, 1) * 3 }}
	case op == "OneHot":
		return halfTyped{0, func(int) int { return 2 }}
	}
	return halfTyped{-1, func(int) int { return -1 }}
}

// halfCopies lists the operators whose float outputs are copies of their
// float inputs' elements (or exact functions of one, Relu, Neg, Abs): their
// FLOAT16 outputs are halves already and are not rounded again.
var halfCopies = map[string]bool{
	"Identity": true, "Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true,
	"Transpose": true, "Concat": true, "Split": true, "Slice": true, "Gather": true,
	"GatherElements": true, "GatherND": true, "Expand": true, "Tile": true, "DepthToSpace": true,
	"SpaceToDepth": true, "ReverseSequence": true, "Where": true, "Compress": true,
	"Dropout": true,
	"MaxPool": true, "GlobalMaxPool": true, "ReduceMax": true, "ReduceMin": true, "Max": true,
	"Min": true, "TopK": true, "Relu": true, "Neg": true, "Abs": true,
}

// halfOutput reports whether float output i of a node planned from
// FLOAT16 inputs is FLOAT16: an output that takes an input's type
// (halfTypes) when that input is, and otherwise all but the statistics of
// the layer norms (FLOAT, their stash type) and an output whose type an
// attribute names (EyeLike's dtype, MelWeightMatrix's output_datatype).
func halfOutput(n *Node, i int, in []*value, ty halfTyped) bool {
	if j := ty.follows(i); j >= 0 {
		return j < len(in) && in[j] != nil && in[j].t != nil && in[j].t.DType == Float16
	}
	switch n.OpType {
	case "LayerNormalization", "SimplifiedLayerNormalization":
		return i == 0
	case "SkipLayerNormalization", "SkipSimplifiedLayerNormalization":
		return i == 0 || i == 3
	case "EyeLike":
		return n.Attr("dtype") == nil
	case "MelWeightMatrix":
		return false
	}
	return true
}

// halfInputs reports whether the node reads a FLOAT16 tensor that the
// wrapper plans (see halfNotPlanned).
func halfInputs(c *nodeCtx, seqs bool) bool {
	if seqs || halfNotPlanned[c.node.OpType] {
		return false
	}
	for _, v := range c.in {
		if v != nil && v.t != nil && v.t.DType == Float16 {
			return true
		}
	}
	return false
}

// buildHalf plans a node with FLOAT16 inputs through its FLOAT builder
// (see the top of this file) and returns its run, which rounds the
// FLOAT16 outputs; outputs known while planning are rounded by the
// caller's run, or here when the builder computed them itself.
func buildHalf(c *nodeCtx, build func(*nodeCtx) (func() error, error)) (func() error, error) {
	n := c.node
	if halfRefused[n.OpType] {
		return nil, c.unsupported("FLOAT16 inputs")
	}
	if n.fusedFrom != nil {
		// A chain fused by plan_fuse.go (SiLU's takes any float type)
		// would round once where its nodes round each: planGraph plans
		// the nodes instead.
		return nil, c.unsupported("a fused chain of FLOAT16 values")
	}
	ty := halfTypes(n.OpType, c.opset)
	orig := slices.Clone(c.in)
	var shared DataType // the float type of the inputs before ty.shared
	sharedAt := 0       // the first of them
	for i, v := range c.in {
		if v == nil || v.t == nil {
			continue
		}
		if dt := v.t.DType; (dt == Float || dt == Float16) && (ty.shared < 0 || i < ty.shared) {
			if shared != Undefined && dt != shared {
				return nil, c.unsupported("input %d (%q) is %v where input %d is %v: ONNX requires one type", i, n.Inputs[i], dt, sharedAt, shared)
			}
			if shared == Undefined {
				shared, sharedAt = dt, i
			}
		}
		if v.t.DType == Float16 {
			c.in[i] = &value{t: c.p.floatView(v.t), known: v.known}
		}
	}
	run, err := build(c)
	c.in = orig
	if err != nil || c.err != nil {
		return run, err
	}
	var round [][]float32
	for i, o := range c.out {
		if o == nil || o.t == nil || o.t.DType != Float || !halfOutput(n, i, orig, ty) {
			continue
		}
		t := *o.t
		t.DType = Float16
		c.out[i] = &value{t: &t, known: o.known}
		if !halfCopies[n.OpType] && !sharesInput(t.Float, orig) {
			round = append(round, t.Float)
		}
	}
	if len(round) == 0 {
		return run, nil
	}
	if run == nil { // computed while planning
		for _, s := range round {
			roundHalfSlice(s)
		}
		return nil, nil
	}
	return func() error {
		if err := run(); err != nil {
			return err
		}
		for _, s := range round {
			roundHalfSlice(s)
		}
		return nil
	}, nil
}

// sharesInput reports whether s overlaps the float buffer of one of the
// inputs (an alias such as Reshape's, which must not be written).
func sharesInput(s []float32, in []*value) bool {
	if len(s) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	hi := lo + uintptr(len(s))*4
	for _, v := range in {
		if v == nil || v.t == nil || len(v.t.Float) == 0 {
			continue
		}
		a := uintptr(unsafe.Pointer(unsafe.SliceData(v.t.Float)))
		if a < hi && lo < a+uintptr(len(v.t.Float))*4 {
			return true
		}
	}
	return false
}

// floatView returns t (FLOAT16) as a FLOAT tensor over the same buffer.
// The view of one of the root graph's initializers is the Model's (shared
// by its Sessions, as packShare keys packed weights by tensor) and counts
// as an initializer.
func (p *planner) floatView(t *Tensor) *Tensor {
	root := p
	for root.parent != nil {
		root = root.parent
	}
	if root.weights[t] && root.packs != nil {
		v := root.packs.floatView(t)
		root.weights[v] = true
		return v
	}
	return &Tensor{Name: t.Name, DType: Float, Dims: t.Dims, Float: t.Float}
}

// floatView returns the Model's FLOAT view of its FLOAT16 initializer t.
func (s *packShare) floatView(t *Tensor) *Tensor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.views[t]; v != nil {
		return v
	}
	if s.views == nil {
		s.views = map[*Tensor]*Tensor{}
	}
	v := &Tensor{Name: t.Name, DType: Float, Dims: t.Dims, Float: t.Float}
	s.views[t] = v
	return v
}
