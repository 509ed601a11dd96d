package onnx

import "fmt"

// DataType is an ONNX element type, with the numbering of TensorProto.DataType.
type DataType int32

// The ONNX element types.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dtypeNames = map[DataType]string{
	Undefined: "UNDEFINED", Float: "FLOAT", Uint8: "UINT8", Int8: "INT8",
	Uint16: "UINT16", Int16: "INT16", Int32: "INT32", Int64: "INT64",
	String: "STRING", Bool: "BOOL", Float16: "FLOAT16", Double: "DOUBLE",
	Uint32: "UINT32", Uint64: "UINT64", Complex64: "COMPLEX64",
	Complex128: "COMPLEX128", BFloat16: "BFLOAT16",
	17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ",
	21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
}

// String returns the ONNX name of the type (FLOAT, INT64, …).
func (t DataType) String() string {
	if s, ok := dtypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("DataType(%d)", int32(t))
}

// storage says which slice of a Tensor holds values of type t.
type storage int

const (
	storeNone    storage = iota
	storeFloat           // Tensor.Float: FLOAT, FLOAT16, BFLOAT16
	storeInt             // Tensor.Int: the integer types and BOOL
	storeDouble          // Tensor.Double: DOUBLE
	storeStrings         // Tensor.Strings: STRING
)

func (t DataType) storage() storage {
	switch t {
	case Float, Float16, BFloat16:
		return storeFloat
	case Uint8, Int8, Uint16, Int16, Int32, Int64, Uint32, Uint64, Bool:
		return storeInt
	case Double:
		return storeDouble
	case String:
		return storeStrings
	}
	return storeNone
}

// rawSize is the size in bytes of one element in raw_data, 0 if raw_data
// cannot hold the type.
func (t DataType) rawSize() int {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Uint64, Double:
		return 8
	}
	return 0
}
