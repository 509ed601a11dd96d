package onnx_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/simdcore/simdcore/onnx"
)

// FuzzLoop plans and runs one Loop or Scan built from the fuzzer's bytes:
// a trip count absent, constant (the extremes included) or an input, a
// condition absent, constant or an input, zero to two carried values of
// fuzzed types and shapes (or a sequence of a tensor's slices), and a body whose inputs and outputs may be too
// few or too many and whose outputs keep, grow or retype the carried
// values, end the loop or never, and add scan outputs. NewSession and Run
// must return nil or an error wrapping a sentinel, never panic, and end
// quickly: the element budget is 2^16 and MaxIterations 2^12.
func FuzzLoop(f *testing.F) {
	f.Add([]byte{1, 1, 4, 1, 1, 0, 1, 2, 0, 0, 0, 1})
	f.Add([]byte{0, 2, 2, 2, 0, 1, 3, 1, 2, 1, 1, 0, 2, 3})
	f.Add([]byte{1, 1, 200, 13, 2, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 1, 1, 1, 2, 0, 3, 1, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{b: data}
		scan := in.pick(4) == 0
		opset := int64(11 + in.pick(7))
		var spec graphSpec
		var ins []string
		if !scan {
			switch in.pick(3) { // the trip count
			case 0:
				ins = append(ins, "")
			case 1:
				spec.inits = append(spec.inits, intTensor("M", onnx.Int64, nil, in.int()))
				ins = append(ins, "M")
			default:
				spec.inputs = append(spec.inputs, valueInfo("M", onnx.Int64))
				ins = append(ins, "M")
			}
			switch in.pick(3) { // the condition
			case 0:
				ins = append(ins, "")
			case 1:
				spec.inits = append(spec.inits, intTensor("cond", onnx.Bool, nil, int64(in.pick(2))))
				ins = append(ins, "cond")
			default:
				spec.inputs = append(spec.inputs, valueInfo("cond", onnx.Bool))
				ins = append(ins, "cond")
			}
		}
		n := in.pick(3)
		var body graphSpec
		if !scan {
			body.inputs = []pb{valueInfo("i", onnx.Int64), valueInfo("c", onnx.Bool)}
		}
		var carriedOut []pb
		for k := range n {
			dt := []onnx.DataType{onnx.Float, onnx.Int64}[in.pick(2)]
			dims := make([]int64, in.pick(3))
			for d := range dims {
				dims[d] = int64(in.pick(4))
			}
			name := fmt.Sprint("x", k)
			spec.inputs = append(spec.inputs, valueInfo(name, dt, dims...))
			bin, bout := fmt.Sprint("b", k), fmt.Sprint("bo", k)
			if in.pick(3) == 0 && len(dims) > 0 {
				// A carried sequence: x's slices, to which the body
				// appends, from which it erases, or which it passes on.
				sq := fmt.Sprint("sq", k)
				spec.nodes = append(spec.nodes, node("SplitToSequence", []string{name}, []string{sq}))
				ins = append(ins, sq)
				body.inputs = append(body.inputs, seqInfo(bin, len(dims)))
				switch in.pick(4) {
				case 0:
					body.nodes = append(body.nodes, node("Identity", []string{bin}, []string{bout}))
				case 1:
					body.nodes = append(body.nodes, node("SequenceAt", []string{bin, "i"}, []string{fmt.Sprint("e", k)}),
						node("SequenceInsert", []string{bin, fmt.Sprint("e", k)}, []string{bout}))
				case 2:
					body.nodes = append(body.nodes, node("SequenceErase", []string{bin}, []string{bout}))
				default:
					body.nodes = append(body.nodes, node("ConcatFromSequence", []string{bin}, []string{bout}, attrInt("axis", 0)))
				}
				carriedOut = append(carriedOut, pb{}.str(1, bout))
				continue
			}
			ins = append(ins, name)
			declared := dt
			if in.pick(6) == 0 {
				declared = onnx.Bool // a body input of the wrong type
			}
			body.inputs = append(body.inputs, valueInfo(bin, declared))
			switch in.pick(5) {
			case 0:
				body.nodes = append(body.nodes, node("Identity", []string{bin}, []string{bout}))
			case 1:
				body.nodes = append(body.nodes, node("Add", []string{bin, bin}, []string{bout}))
			case 2: // grows every iteration
				body.nodes = append(body.nodes, node("Concat", []string{bin, bin}, []string{bout}, attrInt("axis", 0)))
			case 3: // retyped
				body.nodes = append(body.nodes, node("Cast", []string{bin}, []string{bout}, attrInt("to", int64(onnx.Int32))))
			default: // another carried value's place
				body.nodes = append(body.nodes, node("Identity", []string{fmt.Sprint("b", in.pick(n))}, []string{bout}))
			}
			carriedOut = append(carriedOut, pb{}.str(1, bout))
		}
		if scan {
			dims := []int64{int64(in.pick(4)), int64(in.pick(3))}
			spec.inputs = append(spec.inputs, valueInfo("xs", onnx.Float, dims...))
			ins = append(ins, "xs")
			body.inputs = append(body.inputs, valueInfo("slice", onnx.Float))
		}
		if in.pick(6) == 0 {
			body.inputs = body.inputs[:len(body.inputs)-1] // one input too few
		}
		if !scan {
			switch in.pick(4) { // the condition out
			case 0:
				body.nodes = append(body.nodes, node("Identity", []string{"c"}, []string{"c_out"}))
			case 1:
				body.nodes = append(body.nodes, node("Less", []string{"i", "lim"}, []string{"c_out"}))
				body.inits = append(body.inits, intTensor("lim", onnx.Int64, nil, in.int()))
			case 2:
				body.nodes = append(body.nodes, node("Constant", nil, []string{"c_out"}, attrTensor("value", intTensor("", onnx.Bool, nil, int64(in.pick(2))))))
			default: // not a BOOL
				body.nodes = append(body.nodes, node("Cast", []string{"i"}, []string{"c_out"}, attrInt("to", int64(onnx.Float))))
			}
			body.outputs = append(body.outputs, pb{}.str(1, "c_out"))
		}
		body.outputs = append(body.outputs, carriedOut...)
		for k := range in.pick(3) {
			so := fmt.Sprint("s", k)
			src := "i"
			if scan {
				src = "slice"
			}
			body.nodes = append(body.nodes, node("Identity", []string{src}, []string{so}))
			body.outputs = append(body.outputs, pb{}.str(1, so))
		}
		nOut := len(body.outputs) - 1
		if scan {
			nOut++
		}
		nOut += in.pick(3) - 1
		var outs []string
		for k := range max(nOut, 1) {
			outs = append(outs, fmt.Sprint("out", k))
			spec.outputs = append(spec.outputs, pb{}.str(1, outs[k]))
		}
		op, attrs := "Loop", []pb{attrGraph("body", graph("body", body))}
		if scan {
			op = "Scan"
			attrs = append(attrs, attrInt("num_scan_inputs", 1), attrInts("scan_input_directions", int64(in.pick(2))))
		}
		spec.nodes = append(spec.nodes, node(op, ins, outs, attrs...))
		m, err := onnx.Parse(model(opset, graph("g", spec)))
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("Parse error wraps no sentinel: %v", err)
			}
			return
		}
		start := time.Now()
		s, err := onnx.NewSession(m, nil, &onnx.Options{MaxElements: 1 << 16, MaxIterations: 1 << 12})
		if err == nil {
			fillFuzzInputs(s, in, func(_ onnx.DataType, v int64) int64 { return v })
			err = s.Run()
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("%s (opset %d): error wraps no sentinel: %v", op, opset, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s (opset %d): planning and running took %v", op, opset, d)
		}
	})
}
