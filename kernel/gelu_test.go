package kernel_test

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// GELU, GELUTanh, SiLU and ReLU evaluate the same float32 steps at every
// SIMD level, so their results are those steps' (kernel.SIMDSteps; ReLU:
// the generic level's) bit for bit, NaN payloads included; the generic
// level of the first three evaluates in float64 and is held to the bound
// (the table's suites hold every level to its bound; these tests to what
// the doc comments add).

// geluInputs returns n inputs: random bit patterns (every class, NaNs with
// payloads and signs included) with every 4th drawn from [−16, 8].
func geluInputs(seed uint64, n int) []float32 {
	r := kerneltest.Rand(seed)
	src := make([]float32, n)
	for i := range src {
		if i%4 == 0 {
			src[i] = -16 + 24*r.Float32()
		} else {
			src[i] = math.Float32frombits(r.Uint32())
		}
	}
	return src
}

// TestGELULevelsBitIdentical checks every SIMD level against the float32
// steps (ReLU: every level against the generic one), bit for bit, on
// lengths that exercise the main loops and the tails.
func TestGELULevelsBitIdentical(t *testing.T) {
	src := geluInputs(12, 1<<14+13)
	for _, name := range []string{"GELU", "GELUTanh", "ReLU", "SiLU"} {
		f := mustSpec(t, name).Unary
		want := make([]float32, len(src))
		steps, hasSteps := kernel.SIMDSteps[name]
		if hasSteps {
			for i, x := range src {
				want[i] = steps(x)
			}
		} else {
			restore, err := kernel.SetLevel(kernel.Generic)
			require.NoError(t, err)
			f(want, src)
			restore()
		}
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			if hasSteps && l == kernel.Generic {
				return
			}
			for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 31, 33, 100, len(src)} {
				got := make([]float32, n)
				f(got, src[:n])
				require.Equal(t, bits(want[:n]), bits(got), "%s at %s, n=%d", name, l, n)
			}
		})
	}
}

// TestGELUSign checks that every GELU and GELUTanh result has the sign
// of x (−0 for −0 and for the negative tail that underflows).
func TestGELUSign(t *testing.T) {
	src := geluInputs(13, 1<<14)
	for _, name := range []string{"GELU", "GELUTanh"} {
		f := mustSpec(t, name).Unary
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			got := make([]float32, len(src))
			f(got, src)
			for i, x := range src {
				if x == x {
					require.Equal(t, math.Signbit(float64(x)), math.Signbit(float64(got[i])),
						"%s(%g) = %g at %s", name, x, got[i], l)
				}
			}
		})
	}
}

// TestReLUBits checks ReLU bit for bit against x < 0 ? +0 : x, so that
// NaN payloads (signalling ones too) and −0 are kept at every level.
func TestReLUBits(t *testing.T) {
	src := geluInputs(14, 1<<12)
	src = append(src, math.Float32frombits(0x7f800001), math.Float32frombits(0xff800001),
		math.Float32frombits(0x7fc12345), math.Float32frombits(0xffc12345), negZ, 0)
	want := make([]uint32, len(src))
	for i, x := range src {
		if x < 0 {
			x = 0
		}
		want[i] = math.Float32bits(x)
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		got := make([]float32, len(src))
		kernel.ReLU(got, src)
		require.Equal(t, want, bits(got), "ReLU at %s", l)
	})
}
