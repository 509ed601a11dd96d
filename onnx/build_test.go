package onnx_test

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/simdcore/simdcore/onnx"
)

// pb builds protobuf messages for tests: the ONNX messages below are
// written field by field, so that tests can make any model, well-formed or
// not.
type pb []byte

func (b pb) varint(num protowire.Number, v uint64) pb {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func (b pb) bytes(num protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (b pb) str(num protowire.Number, s string) pb { return b.bytes(num, []byte(s)) }

func (b pb) fixed32(num protowire.Number, v uint32) pb {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

// floatTensor is a TensorProto of FLOAT values in float_data (packed).
func floatTensor(name string, dims []int64, vals ...float32) pb {
	var b pb
	for _, d := range dims {
		b = b.varint(1, uint64(d))
	}
	b = b.varint(2, uint64(onnx.Float))
	var packed []byte
	for _, v := range vals {
		packed = protowire.AppendFixed32(packed, math.Float32bits(v))
	}
	b = b.bytes(4, packed)
	return b.str(8, name)
}

// intTensor is a TensorProto of type dt (INT64 or BOOL) in the typed field.
func intTensor(name string, dt onnx.DataType, dims []int64, vals ...int64) pb {
	var b pb
	for _, d := range dims {
		b = b.varint(1, uint64(d))
	}
	b = b.varint(2, uint64(dt))
	field := protowire.Number(7) // int64_data
	if dt != onnx.Int64 {
		field = 5 // int32_data
	}
	var packed []byte
	for _, v := range vals {
		packed = protowire.AppendVarint(packed, uint64(v))
	}
	b = b.bytes(field, packed)
	return b.str(8, name)
}

func attrInt(name string, v int64) pb {
	return pb{}.str(1, name).varint(20, 2).varint(3, uint64(v))
}

func attrInts(name string, vs ...int64) pb {
	b := pb{}.str(1, name).varint(20, 7)
	for _, v := range vs {
		b = b.varint(8, uint64(v))
	}
	return b
}

func attrGraph(name string, g pb) pb {
	return pb{}.str(1, name).varint(20, 5).bytes(6, g)
}

func attrTensor(name string, t pb) pb {
	return pb{}.str(1, name).varint(20, 4).bytes(5, t)
}

func node(op string, ins, outs []string, attrs ...pb) pb {
	var b pb
	for _, in := range ins {
		b = b.str(1, in)
	}
	for _, o := range outs {
		b = b.str(2, o)
	}
	b = b.str(3, op+"_node").str(4, op)
	for _, a := range attrs {
		b = b.bytes(5, a)
	}
	return b
}

// valueInfo declares a tensor; a negative dim is symbolic ("n").
func valueInfo(name string, dt onnx.DataType, dims ...int64) pb {
	var shape pb
	for _, d := range dims {
		if d < 0 {
			shape = shape.bytes(1, pb{}.str(2, "n"))
		} else {
			shape = shape.bytes(1, pb{}.varint(1, uint64(d)))
		}
	}
	tt := pb{}.varint(1, uint64(dt)).bytes(2, shape)
	return pb{}.str(1, name).bytes(2, pb{}.bytes(1, tt))
}

type graphSpec struct {
	nodes, inits, inputs, outputs []pb
}

func graph(name string, s graphSpec) pb {
	var b pb
	for _, n := range s.nodes {
		b = b.bytes(1, n)
	}
	b = b.str(2, name)
	for _, t := range s.inits {
		b = b.bytes(5, t)
	}
	for _, v := range s.inputs {
		b = b.bytes(11, v)
	}
	for _, v := range s.outputs {
		b = b.bytes(12, v)
	}
	return b
}

func model(opset int64, g pb) pb {
	return pb{}.varint(1, 8).str(2, "simdcore-test").bytes(7, g).bytes(8, pb{}.str(1, "").varint(2, uint64(opset)))
}
