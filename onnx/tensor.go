package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
)

// maxTensorElements bounds the element count a tensor's dims may declare.
// The data must still be present in the file (a tensor's values are checked
// against the bytes that hold them before anything is allocated), so this
// only refuses shapes whose element count overflows the arithmetic.
const maxTensorElements = 1 << 40

// ReadTensorFile reads and parses a serialized TensorProto file (the
// input_*.pb and output_*.pb files of ONNX's test data sets); see ParseTensor.
// The path must name a regular file, as for ReadFile.
func ReadTensorFile(path string) (*Tensor, error) { return readWith(path, ParseTensor) }

// tensorFields collects a TensorProto's fields before they are checked
// against each other: the fields may come in any order.
type tensorFields struct {
	dims     []uint64
	raw      []byte
	hasRaw   bool
	floats   []uint64 // float_data (32 bits each)
	int32s   []uint64 // int32_data
	int64s   []uint64 // int64_data
	uint64s  []uint64 // uint64_data
	doubles  []uint64 // double_data
	strings  [][]byte // string_data
	external string   // the location of external data, if any
	isExt    bool
	segment  bool
}

// ParseTensor decodes a serialized TensorProto into a Tensor (see Tensor for
// where each type's values go). Values come from raw_data (little-endian) or
// from the typed field of the type, and their count must match the dims.
// Tensors stored in external files, segmented tensors and types Tensor cannot
// hold are refused with ErrUnsupported; malformed ones with ErrFormat.
func ParseTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	var tf tensorFields
	const msg = "tensor"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			tf.dims, err = f.appendVarints(tf.dims, msg, "dims")
		case 2:
			var d int32
			d, err = f.int32(msg, "data_type")
			t.DType = DataType(d)
		case 3:
			tf.segment = true
		case 4:
			tf.floats, err = f.appendFixed(tf.floats, 4, msg, "float_data")
		case 5:
			tf.int32s, err = f.appendVarints(tf.int32s, msg, "int32_data")
		case 6:
			var s []byte
			if s, err = f.bytes(msg, "string_data"); err == nil {
				tf.strings = append(tf.strings, s)
			}
		case 7:
			tf.int64s, err = f.appendVarints(tf.int64s, msg, "int64_data")
		case 8:
			t.Name, err = f.str(msg, "name")
		case 9:
			tf.raw, err = f.bytes(msg, "raw_data")
			tf.hasRaw = true
		case 10:
			tf.doubles, err = f.appendFixed(tf.doubles, 8, msg, "double_data")
		case 11:
			tf.uint64s, err = f.appendVarints(tf.uint64s, msg, "uint64_data")
		case 13:
			tf.isExt = true
			var sb []byte
			if sb, err = f.bytes(msg, "external_data"); err == nil {
				var p StringPair
				if p, err = parseStringPair(sb); err == nil && p.Key == "location" {
					tf.external = p.Value
				}
			}
		case 14:
			var loc uint64
			loc, err = f.varint(msg, "data_location")
			if loc != 0 {
				tf.isExt = true
			}
		}
		return err
	})
	if err == nil {
		err = t.fill(&tf)
	}
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return t, nil
}

func (t *Tensor) fill(tf *tensorFields) error {
	if tf.isExt {
		return fmt.Errorf("%w: data stored in an external file (location %q)", ErrUnsupported, tf.external)
	}
	if tf.segment {
		return fmt.Errorf("%w: segmented tensor", ErrUnsupported)
	}
	n := uint64(1)
	t.Dims = make([]int, len(tf.dims))
	for i, d := range tf.dims {
		if int64(d) < 0 {
			return fmt.Errorf("%w: dims %v: negative dimension", ErrFormat, int64s(tf.dims))
		}
		if d != 0 && n > maxTensorElements/d {
			return fmt.Errorf("%w: dims %v: more than 2^40 elements", ErrLimit, int64s(tf.dims))
		}
		n *= d
		t.Dims[i] = int(d)
	}
	st := t.DType.storage()
	if st == storeNone {
		return fmt.Errorf("%w: data type %v", ErrUnsupported, t.DType)
	}
	count := int(n)
	if tf.hasRaw {
		if st == storeStrings {
			return fmt.Errorf("%w: STRING tensor with raw_data", ErrFormat)
		}
		size := t.DType.rawSize()
		if uint64(len(tf.raw)) != n*uint64(size) {
			return fmt.Errorf("%w: raw_data holds %d bytes, dims %v of %v need %d", ErrFormat, len(tf.raw), t.Dims, t.DType, n*uint64(size))
		}
		return t.fromRaw(tf.raw, count)
	}
	have, field := 0, ""
	switch t.DType {
	case Float:
		have, field = len(tf.floats), "float_data"
	case Int32, Int16, Int8, Uint16, Uint8, Bool, Float16, BFloat16:
		have, field = len(tf.int32s), "int32_data"
	case Int64:
		have, field = len(tf.int64s), "int64_data"
	case Uint32, Uint64:
		have, field = len(tf.uint64s), "uint64_data"
	case Double:
		have, field = len(tf.doubles), "double_data"
	case String:
		have, field = len(tf.strings), "string_data"
	}
	if have != count {
		return fmt.Errorf("%w: %s holds %d values, dims %v need %d", ErrFormat, field, have, t.Dims, count)
	}
	return t.fromTyped(tf, field)
}

func int64s(u []uint64) []int64 {
	v := make([]int64, len(u))
	for i, x := range u {
		v[i] = int64(x)
	}
	return v
}

// fromRaw converts count little-endian values of t.DType; len(raw) is
// count times the element size.
func (t *Tensor) fromRaw(raw []byte, count int) error {
	switch t.DType {
	case Float:
		t.Float = make([]float32, count)
		for i := range t.Float {
			t.Float[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case Float16:
		t.Float = make([]float32, count)
		for i := range t.Float {
			t.Float[i] = halfToFloat(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case BFloat16:
		t.Float = make([]float32, count)
		for i := range t.Float {
			t.Float[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	case Double:
		t.Double = make([]float64, count)
		for i := range t.Double {
			t.Double[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	default:
		t.Int = make([]int64, count)
		for i := range t.Int {
			switch t.DType {
			case Int8:
				t.Int[i] = int64(int8(raw[i]))
			case Uint8:
				t.Int[i] = int64(raw[i])
			case Bool:
				t.Int[i] = int64(min(raw[i], 1))
			case Int16:
				t.Int[i] = int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
			case Uint16:
				t.Int[i] = int64(binary.LittleEndian.Uint16(raw[2*i:]))
			case Int32:
				t.Int[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			case Uint32:
				t.Int[i] = int64(binary.LittleEndian.Uint32(raw[4*i:]))
			case Int64:
				t.Int[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			case Uint64:
				u := binary.LittleEndian.Uint64(raw[8*i:])
				if u > math.MaxInt64 {
					return fmt.Errorf("%w: UINT64 value %d above 2^63-1", ErrUnsupported, u)
				}
				t.Int[i] = int64(u)
			}
		}
	}
	return nil
}

// fromTyped converts the typed field (its length already checked).
func (t *Tensor) fromTyped(tf *tensorFields, field string) error {
	switch t.DType {
	case Float:
		t.Float = make([]float32, len(tf.floats))
		for i, u := range tf.floats {
			t.Float[i] = math.Float32frombits(uint32(u))
		}
	case Float16, BFloat16:
		t.Float = make([]float32, len(tf.int32s))
		for i, u := range tf.int32s {
			if u > math.MaxUint16 {
				return fmt.Errorf("%w: %s: %v bits %#x do not fit 16 bits", ErrFormat, field, t.DType, u)
			}
			if t.DType == Float16 {
				t.Float[i] = halfToFloat(uint16(u))
			} else {
				t.Float[i] = math.Float32frombits(uint32(u) << 16)
			}
		}
	case Double:
		t.Double = make([]float64, len(tf.doubles))
		for i, u := range tf.doubles {
			t.Double[i] = math.Float64frombits(u)
		}
	case String:
		t.Strings = tf.strings
	default:
		src := tf.int32s
		switch t.DType {
		case Int64:
			src = tf.int64s
		case Uint32, Uint64:
			src = tf.uint64s
		}
		lo, hi := intRange(t.DType)
		t.Int = make([]int64, len(src))
		for i, u := range src {
			v := int64(u)
			if t.DType == Int32 || t.DType == Int16 || t.DType == Int8 {
				v = int64(int32(u)) // int32_data is sign-extended on the wire
			}
			if t.DType == Uint64 && u > math.MaxInt64 {
				return fmt.Errorf("%w: UINT64 value %d above 2^63-1", ErrUnsupported, u)
			}
			if v < lo || v > hi {
				return fmt.Errorf("%w: %s: %d is outside %v", ErrFormat, field, v, t.DType)
			}
			t.Int[i] = v
		}
	}
	return nil
}

// intRange is the range of values an integer type (or BOOL) holds.
func intRange(t DataType) (lo, hi int64) {
	switch t {
	case Bool:
		return 0, 1
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Uint8:
		return 0, math.MaxUint8
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Uint16:
		return 0, math.MaxUint16
	case Int32:
		return math.MinInt32, math.MaxInt32
	case Uint32:
		return 0, math.MaxUint32
	}
	return math.MinInt64, math.MaxInt64
}

// halfToFloat converts IEEE 754 binary16 bits to float32, exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// subnormal: mant·2^-24, exact in float32
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
