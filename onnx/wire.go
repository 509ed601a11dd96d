package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field: its number and wire type, and its
// value (u for varint, fixed32 and fixed64; b for length-delimited).
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64
	b   []byte
}

// fields iterates over the fields of one message, calling f for each. It
// skips groups (as protobuf requires of fields it does not know) and stops
// at the first error, which wraps ErrFormat when the bytes are malformed.
func fields(b []byte, msg string, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %s: bad field tag: %v", ErrFormat, msg, protowire.ParseError(n))
		}
		b = b[n:]
		fd := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			fd.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			fd.u = uint64(v)
		case protowire.Fixed64Type:
			fd.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			fd.b, n = protowire.ConsumeBytes(b)
		default: // groups (deprecated) and reserved wire types: skip or refuse
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("%w: %s: field %d: %v", ErrFormat, msg, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if n < 0 {
			return fmt.Errorf("%w: %s: field %d: %v", ErrFormat, msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(fd); err != nil {
			return err
		}
	}
	return nil
}

func (f field) wrongType(msg, name string) error {
	return fmt.Errorf("%w: %s: field %s (%d) has wire type %d", ErrFormat, msg, name, f.num, f.typ)
}

func (f field) str(msg, name string) (string, error) {
	if f.typ != protowire.BytesType {
		return "", f.wrongType(msg, name)
	}
	return string(f.b), nil
}

func (f field) bytes(msg, name string) ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, f.wrongType(msg, name)
	}
	return f.b, nil
}

func (f field) varint(msg, name string) (uint64, error) {
	if f.typ != protowire.VarintType {
		return 0, f.wrongType(msg, name)
	}
	return f.u, nil
}

func (f field) int64(msg, name string) (int64, error) {
	u, err := f.varint(msg, name)
	return int64(u), err
}

// int32 decodes an int32 or enum field: negative values are sign-extended
// to 64 bits on the wire, and a value outside int32 is malformed.
func (f field) int32(msg, name string) (int32, error) {
	u, err := f.varint(msg, name)
	if err != nil {
		return 0, err
	}
	v := int64(u)
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %s: field %s: %d is outside int32", ErrFormat, msg, name, v)
	}
	return int32(v), nil
}

// appendVarints appends a repeated varint field, packed or not.
func (f field) appendVarints(dst []uint64, msg, name string) ([]uint64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, f.u), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: %s: packed field %s: %v", ErrFormat, msg, name, protowire.ParseError(n))
			}
			dst = append(dst, v)
			b = b[n:]
		}
		return dst, nil
	}
	return nil, f.wrongType(msg, name)
}

// appendFixed appends a repeated fixed-size field (float: size 4, double:
// size 8), packed or not, each value widened to 64 bits.
func (f field) appendFixed(dst []uint64, size int, msg, name string) ([]uint64, error) {
	want := protowire.Type(protowire.Fixed32Type)
	if size == 8 {
		want = protowire.Fixed64Type
	}
	switch f.typ {
	case want:
		return append(dst, f.u), nil
	case protowire.BytesType:
		if len(f.b)%size != 0 {
			return nil, fmt.Errorf("%w: %s: packed field %s: %d bytes is not a multiple of %d", ErrFormat, msg, name, len(f.b), size)
		}
		for b := f.b; len(b) > 0; b = b[size:] {
			if size == 4 {
				v, _ := protowire.ConsumeFixed32(b)
				dst = append(dst, uint64(v))
			} else {
				v, _ := protowire.ConsumeFixed64(b)
				dst = append(dst, v)
			}
		}
		return dst, nil
	}
	return nil, f.wrongType(msg, name)
}
