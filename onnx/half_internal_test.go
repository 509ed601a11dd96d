package onnx

import (
	"math"
	"math/rand"
	"testing"
)

// halfFromFloat64 is an independent reference: v rounded to binary16 by
// searching the ordered half values (from the exact conversion
// halfToFloat), ties to the even bit pattern.
func halfFromFloat64(v float64) float32 {
	if math.IsNaN(v) {
		return float32(v)
	}
	if v < 0 || v == 0 && math.Signbit(v) {
		return -halfFromFloat64(-v)
	}
	if v >= 65520 { // halfway between 65504 and 2^16: ties to even (2^16, Inf)
		return float32(math.Inf(1))
	}
	lo, hi := uint16(0), uint16(0x7bff)
	for lo < hi { // the largest half <= v
		mid := (lo + hi + 1) / 2
		if float64(halfToFloat(mid)) <= v {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	below := float64(halfToFloat(lo))
	if below == v {
		return float32(v)
	}
	above := float64(halfToFloat(lo + 1)) // 0x7c00 is +Inf, only past 65504
	if lo == 0x7bff {
		above = 65536
	}
	switch d1, d2 := v-below, above-v; {
	case d1 < d2, d1 == d2 && lo%2 == 0:
		return float32(below)
	case lo+1 == 0x7c00:
		return float32(math.Inf(1))
	}
	return float32(above)
}

// TestRoundHalf checks roundHalf against the reference on every half,
// the midpoints between neighbours and their float32 neighbours, the
// overflow threshold, subnormals, and random float32s.
func TestRoundHalf(t *testing.T) {
	check := func(f float32) {
		t.Helper()
		got, want := roundHalf(f), halfFromFloat64(float64(f))
		if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
			t.Fatalf("roundHalf(%g [%#x]) = %g [%#x], want %g", f, math.Float32bits(f), got, math.Float32bits(got), want)
		}
	}
	for h := 0; h < 0x7c00; h++ {
		a := halfToFloat(uint16(h))
		for _, s := range []float32{1, -1} {
			check(s * a)
			check(s * math.Nextafter32(a, 0))
			check(s * math.Nextafter32(a, float32(math.Inf(1))))
			if h < 0x7bff {
				mid := float32((float64(a) + float64(halfToFloat(uint16(h+1)))) / 2)
				check(s * mid)
				check(s * math.Nextafter32(mid, 0))
				check(s * math.Nextafter32(mid, float32(math.Inf(1))))
			}
		}
	}
	for _, f := range []float32{65519.998, 65520, 65536, 1e30, math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30, math.SmallestNonzeroFloat32} {
		check(f)
	}
	rng := rand.New(rand.NewSource(1))
	for range 200000 {
		check(math.Float32frombits(rng.Uint32()))
	}
	if v := roundHalf(-1e-30); !math.Signbit(float64(v)) || v != 0 {
		t.Fatalf("roundHalf(-1e-30) = %g, want -0", v)
	}
}

// TestRoundHalfNaN: a NaN rounds to a half NaN, quiet, of its sign and
// the leading bits of its payload (sign | 0x7e00 | mantissa>>13 in
// binary16): what ONNX Runtime 1.31's Cast from FLOAT to FLOAT16 gives
// on amd64 for each of these float32 bit patterns, whose halves are
// listed beside them. A float32 NaN whose payload is in the bits that
// binary16 drops is no half; kept, 0x7f800001 would read as +Inf
// once its mantissa is truncated to half's.
func TestRoundHalfNaN(t *testing.T) {
	for _, c := range []struct {
		f uint32
		h uint16
	}{
		{0x7fc00000, 0x7e00}, {0x7fc00001, 0x7e00}, {0x7f800001, 0x7e00}, {0xffc12345, 0xfe09},
		{0x7fa00000, 0x7f00}, {0xff800001, 0xfe00}, {0x7f802000, 0x7e01}, {0x7fffffff, 0x7fff},
	} {
		got, want := math.Float32bits(roundHalf(math.Float32frombits(c.f))), math.Float32bits(halfToFloat(c.h))
		if got != want {
			t.Errorf("roundHalf(%#x) = %#x, want %#x (half %#x)", c.f, got, want, c.h)
		}
	}
	rng := rand.New(rand.NewSource(2))
	for range 100000 {
		b := rng.Uint32() | 0x7f800000
		if b&0x7fffff == 0 {
			continue // ±Inf
		}
		h := uint16(b>>16&0x8000 | 0x7e00 | b&0x7fffff>>13)
		if got, want := math.Float32bits(roundHalf(math.Float32frombits(b))), math.Float32bits(halfToFloat(h)); got != want {
			t.Fatalf("roundHalf(%#x) = %#x, want %#x (half %#x)", b, got, want, h)
		}
	}
}
