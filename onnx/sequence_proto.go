package onnx

import "fmt"

// ReadSequenceFile reads and parses a serialized SequenceProto file (the
// input_*.pb and output_*.pb of ONNX's test data sets for values that are
// sequences); see ParseSequence. The path must name a regular file, as for
// ReadFile.
func ReadSequenceFile(path string) ([]*Tensor, error) { return readWith(path, ParseSequence) }

// The SequenceProto elem_type values this package reads.
const (
	seqElemUndefined = 0
	seqElemTensor    = 1
)

// ParseSequence decodes a serialized SequenceProto of tensors into its
// elements, in order (each as ParseTensor decodes it). A sequence of
// sparse tensors, sequences, maps or optionals is refused with
// ErrUnsupported; malformed bytes give ErrFormat.
func ParseSequence(b []byte) ([]*Tensor, error) {
	var ts []*Tensor
	var name string
	elem := int32(seqElemUndefined)
	const msg = "sequence"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			name, err = f.str(msg, "name")
		case 2:
			elem, err = f.int32(msg, "elem_type")
		case 3:
			var tb []byte
			if tb, err = f.bytes(msg, "tensor_values"); err == nil {
				var t *Tensor
				if t, err = ParseTensor(tb); err == nil {
					ts = append(ts, t)
				}
			}
		case 4, 5, 6, 7:
			err = fmt.Errorf("%w: a sequence whose elements are not dense tensors (field %d)", ErrUnsupported, f.num)
		}
		return err
	})
	if err == nil && elem != seqElemTensor && (elem != seqElemUndefined || len(ts) > 0) {
		err = fmt.Errorf("%w: sequence elem_type %d (want 1, tensors)", ErrUnsupported, elem)
	}
	if err != nil {
		return nil, fmt.Errorf("sequence %q: %w", name, err)
	}
	return ts, nil
}
