package onnx

import "fmt"

// OptionalValue is a parsed OptionalProto: none (Has false), a tensor
// (Tensor), or a sequence of tensors (IsSequence, Sequence).
type OptionalValue struct {
	Has        bool
	IsSequence bool
	Tensor     *Tensor
	Sequence   []*Tensor
}

// ReadOptionalFile reads and parses a serialized OptionalProto file (the
// input_*.pb and output_*.pb of ONNX's test data sets for values that are
// optionals); see ParseOptional. The path must name a regular file, as
// for ReadFile.
func ReadOptionalFile(path string) (OptionalValue, error) { return readWith(path, ParseOptional) }

// The OptionalProto elem_type values this package reads.
const (
	optElemUndefined = 0
	optElemTensor    = 1
	optElemSequence  = 3
)

// ParseOptional decodes a serialized OptionalProto holding nothing, a
// tensor (as ParseTensor decodes it) or a sequence of tensors (as
// ParseSequence does). An optional of a sparse tensor, a map or an
// optional is refused with ErrUnsupported; malformed bytes, an elem_type
// that does not match the value, or two values give ErrFormat.
func ParseOptional(b []byte) (OptionalValue, error) {
	var v OptionalValue
	var name string
	elem := int32(optElemUndefined)
	const msg = "optional"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			name, err = f.str(msg, "name")
		case 2:
			elem, err = f.int32(msg, "elem_type")
		case 3, 5:
			if v.Has {
				return fmt.Errorf("%w: an optional with two values", ErrFormat)
			}
			var vb []byte
			if vb, err = f.bytes(msg, "value"); err != nil {
				return err
			}
			v.Has = true
			if f.num == 3 {
				v.Tensor, err = ParseTensor(vb)
			} else {
				v.IsSequence = true
				v.Sequence, err = ParseSequence(vb)
			}
		case 4, 6, 7:
			err = fmt.Errorf("%w: an optional whose value is not a dense tensor or a sequence (field %d)", ErrUnsupported, f.num)
		}
		return err
	})
	if err == nil {
		switch {
		case elem != optElemUndefined && elem != optElemTensor && elem != optElemSequence:
			err = fmt.Errorf("%w: optional elem_type %d (want 1, a tensor, or 3, a sequence)", ErrUnsupported, elem)
		case v.Has && (elem == optElemTensor) == v.IsSequence, v.Has && elem == optElemUndefined:
			err = fmt.Errorf("%w: optional elem_type %d does not match its value", ErrFormat, elem)
		}
	}
	if err != nil {
		return OptionalValue{}, fmt.Errorf("optional %q: %w", name, err)
	}
	return v, nil
}
