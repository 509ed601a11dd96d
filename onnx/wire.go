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

// appendFixed32 appends a repeated float (fixed32) field, packed or not.
func (f field) appendFixed32(dst []uint32, msg, name string) ([]uint32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, uint32(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("%w: %s: packed field %s: %d bytes is not a multiple of 4", ErrFormat, msg, name, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, v)
		}
		return dst, nil
	}
	return nil, f.wrongType(msg, name)
}

// appendFixed64 appends a repeated double (fixed64) field, packed or not.
func (f field) appendFixed64(dst []uint64, msg, name string) ([]uint64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, f.u), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("%w: %s: packed field %s: %d bytes is not a multiple of 8", ErrFormat, msg, name, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[8:] {
			v, _ := protowire.ConsumeFixed64(b)
			dst = append(dst, v)
		}
		return dst, nil
	}
	return nil, f.wrongType(msg, name)
}
