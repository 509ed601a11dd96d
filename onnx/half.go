package onnx

import "math"

// FLOAT16 values are held as float32s whose values are representable in
// IEEE 754 binary16 (see plan_half.go). roundHalf rounds to one.

// roundHalf returns f rounded to the nearest binary16 value, ties to even:
// beyond the largest half (65504, up to the rounding threshold 65520) to
// ±Inf, to subnormal halves (multiples of 2^-24) below 2^-14, keeping
// the sign of zero; ±Inf are returned as they are, and a NaN as the
// quiet half NaN of its sign and the leading bits of its payload (the
// ten high bits of its mantissa, the quiet bit set), as ONNX Runtime's
// Cast to FLOAT16 gives it on amd64 (F16C's VCVTPS2PH).
func roundHalf(f float32) float32 {
	b := math.Float32bits(f)
	exp := b >> 23 & 0xff
	switch {
	case exp == 0xff && b&0x7fffff != 0: // NaN
		return math.Float32frombits(b&^0x1fff | 0x400000)
	case exp == 0xff: // ±Inf
		return f
	case exp >= 127-14: // a normal half or beyond: keep 10 mantissa bits
		b += 0xfff + (b >> 13 & 1)
		b &^= 0x1fff
		if b>>23&0xff >= 127+16 {
			return math.Float32frombits(b&0x80000000 | 0x7f800000)
		}
		return math.Float32frombits(b)
	}
	// below 2^-14: a multiple of 2^-24 (exact in float64, and in float32)
	r := float32(math.RoundToEven(float64(f)*(1<<24)) / (1 << 24))
	if r == 0 {
		return math.Float32frombits(b & 0x80000000) // ±0 with f's sign
	}
	return r
}

// roundHalfSlice rounds every element of s to half in place.
func roundHalfSlice(s []float32) {
	for i, v := range s {
		s[i] = roundHalf(v)
	}
}
