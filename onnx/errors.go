package onnx

import "errors"

// The sentinel errors. Every error that Parse, ParseTensor, NewSession and
// Run return wraps one of them (test with errors.Is), together with what it
// concerns: the node, tensor, attribute or field, and the values at fault.
var (
	// ErrFormat: the bytes are not a well-formed ONNX protobuf message, or
	// they contradict themselves (a tensor whose data does not fill its
	// dims, a node input that nothing defines, a cycle in the graph).
	ErrFormat = errors.New("onnx: malformed model")

	// ErrUnsupported: a well-formed model asks for something this package
	// does not do: an operator, an opset version, a data type, an attribute
	// value, or tensor data stored outside the file (external data).
	ErrUnsupported = errors.New("onnx: unsupported")

	// ErrLimit: the file exceeds a limit set against hostile input (nesting
	// depth of subgraphs and types, number of elements of a tensor).
	ErrLimit = errors.New("onnx: limit exceeded")

	// ErrShape: shapes or data types do not agree: an input of the wrong
	// shape, operands that do not broadcast, an index out of range.
	ErrShape = errors.New("onnx: shape mismatch")
)

// ErrInput: Run met input values the graph cannot compute on: an index out
// of range, an integer division by zero.
var ErrInput = errors.New("onnx: invalid input values")

// ErrValueDependent: a shape, axis or other planning-time quantity depends on
// the values of a graph input rather than only on the input shapes. Such
// errors also wrap ErrUnsupported; fixing that input's value while planning
// (Options.Fixed) lifts them.
var ErrValueDependent = errors.New("depends on input values, not only on shapes")
