package onnx_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simdcore/simdcore/onnx"
)

// fuzzBytes hands out the fuzzer's bytes as small choices; past the end
// every choice is 0.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	v := f.b[0]
	f.b = f.b[1:]
	return v
}

// pick returns a choice in [0, n).
func (f *fuzzBytes) pick(n int) int { return int(f.byte()) % n }

// fuzzInts are the integers FuzzNode draws: sizes, axes, indices, counts,
// and the extremes that overflow careless arithmetic.
var fuzzInts = []int64{0, 1, 2, 3, -1, -2, -3, 4, 5, 7, 8, 16, 1 << 20, 1 << 40, math.MaxInt64, math.MinInt64}

// fuzzFloats are the float values it draws.
var fuzzFloats = []float32{0, 1, -1, 2, 0.5, -0.25, 3, -7, 1e30, -1e30, 1e-40,
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}

func (f *fuzzBytes) int() int64 {
	if v := f.byte(); v < 200 {
		return int64(v%12) - 3
	}
	return fuzzInts[f.pick(len(fuzzInts))]
}

func (f *fuzzBytes) float() float32 { return fuzzFloats[f.pick(len(fuzzFloats))] }

// fuzzAttr is an attribute some operator reads, with the kind of value it
// takes: 'i' an int, 'I' ints, 'f' a float, 'F' floats, 's' a string (from
// strs).
type fuzzAttr struct {
	name string
	kind byte
	strs []string
}

var fuzzAttrs = []fuzzAttr{
	{"axis", 'i', nil}, {"axes", 'I', nil}, {"keepdims", 'i', nil}, {"k", 'i', nil}, {"largest", 'i', nil},
	{"sorted", 'i', nil}, {"group", 'i', nil}, {"exclusive", 'i', nil}, {"reverse", 'i', nil},
	{"detect_negative", 'i', nil}, {"detect_positive", 'i', nil}, {"fmod", 'i', nil}, {"batch_dims", 'i', nil},
	{"blocksize", 'i', nil}, {"noop_with_empty_axes", 'i', nil}, {"select_last_index", 'i', nil},
	{"ceil_mode", 'i', nil}, {"count_include_pad", 'i', nil}, {"transA", 'i', nil}, {"transB", 'i', nil},
	{"upper", 'i', nil}, {"to", 'i', nil}, {"num_groups", 'i', nil}, {"depth", 'i', nil},
	{"onesided", 'i', nil}, {"inverse", 'i', nil}, {"periodic", 'i', nil}, {"size", 'i', nil},
	{"batch_axis", 'i', nil}, {"time_axis", 'i', nil}, {"dtype", 'i', nil}, {"output_datatype", 'i', nil},
	{"perm", 'I', nil}, {"pads", 'I', nil}, {"strides", 'I', nil}, {"kernel_shape", 'I', nil},
	{"dilations", 'I', nil}, {"output_shape", 'I', nil}, {"output_padding", 'I', nil}, {"split", 'I', nil},
	{"starts", 'I', nil}, {"ends", 'I', nil}, {"shape", 'I', nil},
	{"alpha", 'f', nil}, {"beta", 'f', nil}, {"epsilon", 'f', nil}, {"gamma", 'f', nil},
	{"cubic_coeff_a", 'f', nil}, {"extrapolation_value", 'f', nil}, {"value", 'f', nil},
	{"lambd", 'f', nil}, {"bias", 'f', nil}, {"opset", 'i', nil}, {"channels_last", 'i', nil},
	{"approximate", 's', []string{"none", "tanh", "?"}},
	{"transBatchA", 'i', nil}, {"transBatchB", 'i', nil}, {"K", 'i', nil}, {"N", 'i', nil},
	{"bits", 'i', nil}, {"block_size", 'i', nil}, {"accuracy_level", 'i', nil},
	{"num_heads", 'i', nil}, {"unidirectional", 'i', nil}, {"qkv_hidden_sizes", 'I', nil},
	{"mask_filter_value", 'f', nil}, {"scale", 'f', nil}, {"do_rotary", 'i', nil},
	{"past_present_share_buffer", 'i', nil},
	{"auto_pad", 's', []string{"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "?"}},
	{"mode", 's', []string{"constant", "reflect", "edge", "wrap", "nearest", "linear", "cubic", "DCR", "CRD", "?"}},
	{"coordinate_transformation_mode", 's', []string{"half_pixel", "pytorch_half_pixel", "align_corners",
		"asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize", "?"}},
	{"nearest_mode", 's', []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "?"}},
	{"reduction", 's', []string{"none", "add", "mul", "max", "min", "?"}},
	{"equation", 's', []string{"ij,jk->ik", "bij,bjk->bik", "i,j->ij", "ii->i", "ij->", "...ij,...jk", "ij,ij->ij",
		"a...,...a->...", "ab,bc,cd->ad", "i", "->", "ij->k", "iij", "ij,jk,->", "...,...->..."}},
	{"direction", 's', []string{"forward", "reverse", "bidirectional", "?"}},
	{"activation", 's', []string{"Relu", "Tanh", "Sigmoid", "Silu", "LeakyRelu", "Clip", "HardSigmoid", "?"}},
	{"activation_params", 'F', nil},
}

// seqOps are the operators whose first input is a sequence: FuzzNode gives
// them one, SplitToSequence of the first input, most of the time.
var seqOps = map[string]bool{"SequenceInsert": true, "SequenceErase": true, "SequenceAt": true,
	"SequenceLength": true, "ConcatFromSequence": true, "Identity": true,
	"Optional": true, "OptionalHasElement": true, "OptionalGetElement": true}

// optOps are the operators that take an optional first: FuzzNode gives
// them one some of the time, holding the first input (or the sequence
// made of it) or an empty optional of a FLOAT [2] tensor.
var optOps = map[string]bool{"Identity": true, "Optional": true, "OptionalHasElement": true,
	"OptionalGetElement": true}

// fuzzTypes are the input types FuzzNode gives.
var fuzzTypes = []onnx.DataType{onnx.Float, onnx.Int64, onnx.Int32, onnx.Bool, onnx.Int8, onnx.Uint8, onnx.Float16}

// fuzzWrap keeps v within type dt's values: a bit for BOOL, wrapped for
// the narrower integer types.
func fuzzWrap(dt onnx.DataType, v int64) int64 {
	switch dt {
	case onnx.Bool:
		return v & 1
	case onnx.Int32:
		return int64(int32(v))
	case onnx.Int8:
		return int64(int8(v))
	case onnx.Uint8:
		return int64(uint8(v))
	}
	return v
}

// fuzzOps are the operators FuzzNode plans: the default domain's, and
// the com.microsoft ones as "com.microsoft:" and the name.
func fuzzOps() []string {
	names := onnx.Operators()
	for _, n := range onnx.MicrosoftOperators() {
		names = append(names, msDomainPrefix+n)
	}
	return names
}

const msDomainPrefix = "com.microsoft:"

// quantizedSeeds are FuzzNode inputs for the com.microsoft operator at
// index op: quantized operands (UINT8 graph inputs X and Y of shape
// [2, 3] or [1, 2, 3], a BOOL condition, a [3, 2] UINT8 initializer W,
// one-value initializers: FLOAT scales 1 and 0.5, UINT8 zero points 0 and
// 2) in the orders of the QLinear lookups and pools (X, scale, zero
// point, scale, zero point), QGemm (X, scale, zero point, W, scale, zero
// point, no C, scale, zero point), QLinearConcat (scale, zero point, X,
// scale, zero point; axis 0) and QLinearWhere (condition, X, scale, zero
// point, Y, scale, zero point, scale, zero point), with the attributes
// axis 0, opset 8 and kernel_shape [1].
func quantizedSeeds(op byte) [][]byte {
	attr := func(name string) byte {
		for k, a := range fuzzAttrs {
			if a.name == name {
				return byte(k)
			}
		}
		panic("no fuzz attribute " + name)
	}
	u8 := []byte{1, 5, 0, 0, 3}  // 0
	u8b := []byte{1, 5, 0, 0, 5} // 2
	f1 := []byte{1, 0, 0, 0, 1}  // 1
	f2 := []byte{1, 0, 0, 0, 4}  // 0.5
	x2 := []byte{1, 5, 2, 2, 3, 1}
	x3 := []byte{1, 5, 3, 1, 2, 3, 1}
	cond := []byte{1, 3, 2, 2, 3, 1}
	w := []byte{1, 5, 2, 3, 2, 0, 3, 4, 5, 6, 7, 8}
	// axis 0 (byte 3), opset 8 (byte 11), kernel_shape [1] (one value, byte 4)
	attrs := []byte{3, attr("axis"), 3, attr("opset"), 11, attr("kernel_shape"), 1, 4}
	vals := []byte{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}
	node := func(n byte, ins ...[]byte) []byte {
		return slices.Concat([]byte{op, 8, n}, slices.Concat(ins...), attrs, []byte{0}, vals)
	}
	return [][]byte{
		node(5, x2, f1, u8, f2, u8b),
		node(5, x3, f1, u8, f2, u8b),
		node(9, x2, f1, u8, w, f2, u8b, []byte{0}, f2, u8b),
		node(5, f1, u8, x3, f2, u8b),
		node(9, cond, x2, f1, u8, x2, f2, u8b, f1, u8),
	}
}

// fillFuzzInputs sets s's graph inputs from in: floats, booleans (0 or
// 1), and other integers through wrap (the value the data type holds),
// until in runs out (then zeros).
func fillFuzzInputs(s *onnx.Session, in *fuzzBytes, wrap func(onnx.DataType, int64) int64) {
	for _, name := range s.InputNames() {
		x := s.Input(name)
		for j := range x.Float {
			x.Float[j] = in.float()
		}
		for j := range x.Int {
			if x.DType == onnx.Bool {
				x.Int[j] = int64(in.byte() & 1)
			} else {
				x.Int[j] = wrap(x.DType, in.int())
			}
		}
	}
}

// requireHalves fails t unless every FLOAT16 output of s holds halves.
func requireHalves(t *testing.T, s *onnx.Session, op string) {
	for _, name := range s.OutputNames() {
		if y := s.Output(name); y.DType == onnx.Float16 {
			for i, v := range y.Float {
				if float64(v) != float16Round(v) && v == v {
					t.Fatalf("%s: FLOAT16 output %s[%d] = %g is not a half", op, name, i, v)
				}
			}
		}
	}
}

// FuzzNode plans and runs one node of any registered operator (of the
// default domain, or com.microsoft's in a model importing it), built from
// the fuzzer's bytes: the operator, the opset, up to four inputs (FLOAT,
// INT64, INT32, BOOL, INT8, UINT8 or FLOAT16, rank 0 to 5, dims 0 to 6,
// each an initializer, known while planning, or a graph input) with values
// drawn from small integers, extremes and special floats, and up to six
// attributes of the names operators read with fuzzed values; the sequence
// operators get a sequence first (SplitToSequence of the first input),
// and the optional operators often an optional (of the first input, or
// empty).
// NewSession and Run must return nil or an error wrapping a sentinel,
// never panic, and finish quickly (the element budget is 2^16, so no
// honest plan or run of one node takes a second), and FLOAT16 outputs
// must hold halves.
func FuzzNode(f *testing.F) {
	names := fuzzOps()
	for i := range names {
		// opset 14; two float inputs of shape [2, 3], the first an
		// initializer; no attributes; one output; the second input's values.
		f.Add([]byte{byte(i), 8, 2, 1, 0, 2, 2, 3, 0, 1, 2, 3, 4, 5, 6, 1, 0, 2, 2, 3, 1, 0, 0, 1, 2, 3, 4, 5, 6})
		if optOps[names[i]] {
			// the same at opset 18, where the optional operators exist
			f.Add([]byte{byte(i), 12, 2, 1, 0, 2, 2, 3, 0, 1, 2, 3, 4, 5, 6, 1, 0, 2, 2, 3, 1, 0, 0, 1, 2, 3, 4, 5, 6})
		}
		if strings.HasPrefix(names[i], msDomainPrefix) {
			for _, seed := range quantizedSeeds(byte(i)) {
				f.Add(seed)
			}
			for _, seed := range contribSeeds(byte(i), strings.TrimPrefix(names[i], msDomainPrefix)) {
				f.Add(seed)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{b: data}
		op := names[in.pick(len(names))]
		opset := int64(6 + in.pick(17))
		var spec graphSpec
		var ins []string
		maxIn := 5
		if strings.HasPrefix(op, msDomainPrefix) {
			maxIn = 10 // the QLinear operators take up to nine
		}
		nIn := in.pick(maxIn)
		for i := range nIn {
			name := fmt.Sprint("in", i)
			if in.pick(8) == 0 {
				ins = append(ins, "") // an omitted optional input
				continue
			}
			ins = append(ins, name)
			dt := fuzzTypes[in.pick(len(fuzzTypes))]
			rank := in.pick(6)
			dims := make([]int64, rank)
			n := 1
			for d := range dims {
				dims[d] = int64(in.pick(7))
				n *= int(dims[d])
			}
			if in.pick(2) == 0 {
				switch dt {
				case onnx.Float:
					v := make([]float32, n)
					for j := range v {
						v[j] = in.float()
					}
					spec.inits = append(spec.inits, floatTensor(name, dims, v...))
				case onnx.Float16:
					v := make([]int64, n)
					for j := range v {
						v[j] = int64(halfBits(float32(float16Round(in.float()))))
					}
					spec.inits = append(spec.inits, intTensor(name, dt, dims, v...))
				default:
					v := make([]int64, n)
					for j := range v {
						v[j] = fuzzWrap(dt, in.int())
					}
					spec.inits = append(spec.inits, intTensor(name, dt, dims, v...))
				}
			} else {
				spec.inputs = append(spec.inputs, valueInfo(name, dt, dims...))
			}
		}
		var attrs []pb
		seen := map[string]bool{}
		for range in.pick(7) {
			a := fuzzAttrs[in.pick(len(fuzzAttrs))]
			if seen[a.name] {
				continue
			}
			seen[a.name] = true
			switch a.kind {
			case 'i':
				attrs = append(attrs, attrInt(a.name, in.int()))
			case 'I':
				vs := make([]int64, in.pick(7))
				for j := range vs {
					vs[j] = in.int()
				}
				attrs = append(attrs, attrInts(a.name, vs...))
			case 'f':
				attrs = append(attrs, attrF(a.name, in.float()))
			case 'F':
				vs := make([]float32, in.pick(4))
				for j := range vs {
					vs[j] = in.float()
				}
				attrs = append(attrs, attrFs(a.name, vs...))
			case 's':
				attrs = append(attrs, attrStr(a.name, a.strs[in.pick(len(a.strs))]))
			}
		}
		nOut := 1 + in.pick(3)
		var outs []string
		for i := range nOut {
			outs = append(outs, fmt.Sprint("out", i))
			spec.outputs = append(spec.outputs, pb{}.str(1, outs[i]))
		}
		if seqOps[op] && len(ins) > 0 && ins[0] != "" && in.pick(4) != 0 {
			// The sequence operators read a sequence first: in0's
			// slices.
			spec.nodes = append(spec.nodes, node("SplitToSequence", []string{ins[0]}, []string{"seq0"}, attrInt("axis", in.int())))
			ins[0] = "seq0"
		}
		if optOps[op] && len(ins) > 0 && ins[0] != "" && in.pick(3) != 0 {
			if in.pick(2) == 0 {
				spec.nodes = append(spec.nodes, node("Optional", []string{ins[0]}, []string{"opt0"}))
			} else {
				spec.nodes = append(spec.nodes, node("Optional", nil, []string{"opt0"}, attrType("type", tensorType(onnx.Float, 2))))
			}
			ins[0] = "opt0"
		}
		var m *onnx.Model
		var err error
		if name, ok := strings.CutPrefix(op, msDomainPrefix); ok {
			spec.nodes = append(spec.nodes, node(name, ins, outs, attrs...).str(7, "com.microsoft"))
			m, err = onnx.Parse(msModel(opset, graph("g", spec)))
		} else {
			spec.nodes = append(spec.nodes, node(op, ins, outs, attrs...))
			m, err = onnx.Parse(model(opset, graph("g", spec)))
		}
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("%s: Parse error wraps no sentinel: %v", op, err)
			}
			return
		}
		start := time.Now()
		s, err := onnx.NewSession(m, nil, &onnx.Options{MaxElements: 1 << 16})
		if err == nil {
			// Graph inputs hold their zero values, and then the fuzzer's.
			fillFuzzInputs(s, in, fuzzWrap)
			err = s.Run()
		}
		if err == nil {
			requireHalves(t, s, op)
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("%s (opset %d): error wraps no sentinel: %v", op, opset, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s (opset %d): planning and running one node took %v", op, opset, d)
		}
	})
}
