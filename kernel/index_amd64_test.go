//go:build !purego && !noasm

package kernel_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/asm"
	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestIndexKernels holds the search half of Argmax on amd64 to its loop,
// on its own (so that "not found" and a NaN among other values are
// covered too, which Argmax never asks for), for every length 0..300 and
// some longer, with the slice against a guard page at either end.
func TestIndexKernels(t *testing.T) {
	nan := float32(math.NaN())
	want := func(x []float32, v float32) int {
		for i, e := range x {
			if e == v || v != v && e != e {
				return i
			}
		}
		return -1
	}
	kernels := map[string]struct {
		level kernel.Level
		fn    func([]float32, float32) int
	}{"avx512": {kernel.AVX512, asm.IndexAVX512}, "avx2": {kernel.AVX2, asm.IndexAVX2}}
	r := rand.New(rand.NewPCG(17, 17))
	for name, k := range kernels {
		if !kernel.Supported(k.level) {
			continue
		}
		for _, n := range append(kerneltest.Lengths(), 1000, 4099) {
			end, start := kerneltest.Guarded(t, n)
			for _, buf := range [][]float32{end, start} {
				for i := range buf {
					buf[i] = float32(r.IntN(50)) - 25
				}
				for trial := range 6 {
					var v float32
					switch trial {
					case 0: // absent
						v = 100
					case 1: // present somewhere, maybe more than once
						v = float32(r.IntN(50)) - 25
					case 2: // -0 matches +0
						v = float32(math.Copysign(0, -1))
					case 3: // NaN, absent
						v = nan
					case 4, 5: // NaN, present once; then a NaN v against a NaN
						if n > 0 {
							buf[r.IntN(n)] = nan
						}
						v = []float32{nan, 3}[trial-4]
					}
					var got int
					kerneltest.NoFault(t, name, func() { got = k.fn(buf, v) })
					if w := want(buf, v); got != w {
						t.Fatalf("%s n=%d v=%v: %d, want %d", name, n, v, got, w)
					}
				}
			}
		}
	}
}
