package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// TestUnaryNeighbours checks, at every level, that an element's result
// does not depend on the elements computed beside it. SIMD kernels decide
// per block of lanes whether a fast path is safe (every |x| small enough
// for a normal 2^n, say), and one special value must not steer a
// neighbour onto the wrong path: a NaN (quiet or signalling) beside a
// large value was such a bug once. Every pair (a, b) of interesting
// values fills a block, a in one half and b in the other, so each lane of
// one vector meets b in the same lane of the next, and each result is
// compared bit for bit with the kernel's result on that element alone.
func TestUnaryNeighbours(t *testing.T) {
	vals := append([]float32(nil), kerneltest.Specials...)
	for _, v := range []float32{86.5, 87, 87.5, 88, 88.7, 89, 100, 103.9, 104, 105, 1e30} {
		vals = append(vals, v, -v)
	}
	for _, b := range []uint32{0x7f800001, 0xff800001, 0x7fa5a5a5, 0x7fc00000, 0xffc00000, 0x7fffffff} {
		vals = append(vals, math.Float32frombits(b)) // signalling and quiet NaNs
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, f := range specsWhere(isActivation) {
			alone := make(map[uint32]uint32, len(vals))
			one := make([]float32, 1)
			for _, v := range vals {
				f.Unary(one, []float32{v})
				alone[math.Float32bits(v)] = math.Float32bits(one[0])
			}
			for _, half := range []int{4, 8, 16} { // one vector of NEON, AVX2, AVX-512
				src := make([]float32, 4*half)
				dst := make([]float32, len(src))
				for _, a := range vals {
					for _, b := range vals {
						for i := range src {
							if (i/half)%2 == 0 {
								src[i] = a
							} else {
								src[i] = b
							}
						}
						f.Unary(dst, src)
						for i, x := range src {
							got, want := math.Float32bits(dst[i]), alone[math.Float32bits(x)]
							if got != want && !(dst[i] != dst[i] && math.Float32frombits(want) != math.Float32frombits(want)) {
								t.Fatalf("%s beside %s: %s(%g) = %#08x, alone %#08x", fmt.Sprint(a), fmt.Sprint(b), f.Name, x, got, want)
							}
						}
					}
				}
			}
		}
	})
}
