package onnx

import "fmt"

// The value declarations: ValueInfoProto and TypeProto (tensors with their
// shapes; sequences, maps and optionals, parsed so that they can be named).

func parseValueInfo(b []byte) (ValueInfo, error) {
	var v ValueInfo
	const msg = "value_info"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			v.Name, err = f.str(msg, "name")
		case 2:
			var b []byte
			if b, err = f.bytes(msg, "type"); err == nil {
				v.Type, err = parseType(b, 0)
			}
		}
		return err
	})
	if err != nil {
		return v, fmt.Errorf("value %q: %w", v.Name, err)
	}
	return v, nil
}

func parseType(b []byte, depth int) (Type, error) {
	var t Type
	if depth > maxDepth {
		return t, fmt.Errorf("%w: types nested deeper than %d", ErrLimit, maxDepth)
	}
	const msg = "type"
	err := fields(b, msg, func(f field) error {
		var err error
		var sub []byte
		switch f.num {
		case 1, 4, 5, 8, 9:
			if sub, err = f.bytes(msg, fmt.Sprint("field ", f.num)); err != nil {
				return err
			}
		}
		switch f.num {
		case 1, 8: // tensor_type, sparse_tensor_type
			t.Kind = KindTensor
			if f.num == 8 {
				t.Kind = KindSparseTensor
			}
			err = parseTensorType(sub, &t)
		case 4, 9: // sequence_type, optional_type: elem_type = 1
			t.Kind = KindSequence
			if f.num == 9 {
				t.Kind = KindOptional
			}
			err = fields(sub, msg, func(f field) error {
				if f.num != 1 {
					return nil
				}
				b, err := f.bytes(msg, "elem_type")
				if err != nil {
					return err
				}
				e, err := parseType(b, depth+1)
				t.Elem = &e
				return err
			})
		case 5: // map_type: key_type = 1, value_type = 2
			t.Kind = KindMap
			err = fields(sub, msg, func(f field) error {
				switch f.num {
				case 1:
					k, err := f.int32(msg, "key_type")
					t.KeyType = DataType(k)
					return err
				case 2:
					b, err := f.bytes(msg, "value_type")
					if err != nil {
						return err
					}
					e, err := parseType(b, depth+1)
					t.Elem = &e
					return err
				}
				return nil
			})
		}
		return err
	})
	return t, err
}

// parseTensorType reads TypeProto.Tensor: elem_type = 1, shape = 2, whose
// dims (field 1) are Dimension{dim_value = 1, dim_param = 2}.
func parseTensorType(b []byte, t *Type) error {
	const msg = "tensor type"
	return fields(b, msg, func(f field) error {
		switch f.num {
		case 1:
			e, err := f.int32(msg, "elem_type")
			t.ElemType = DataType(e)
			return err
		case 2:
			sb, err := f.bytes(msg, "shape")
			if err != nil {
				return err
			}
			t.HasShape = true
			t.Shape = t.Shape[:0]
			return fields(sb, "shape", func(f field) error {
				if f.num != 1 {
					return nil
				}
				db, err := f.bytes("shape", "dim")
				if err != nil {
					return err
				}
				var d Dim
				err = fields(db, "dim", func(f field) error {
					var err error
					switch f.num {
					case 1:
						d.Value, err = f.int64("dim", "dim_value")
						d.Known = true
					case 2:
						d.Param, err = f.str("dim", "dim_param")
					}
					return err
				})
				t.Shape = append(t.Shape, d)
				return err
			})
		}
		return nil
	})
}
