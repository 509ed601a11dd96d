package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// packTransposedRef is packTransposed's loop: column p of the cols rows
// of src (row stride stride) becomes row p of dst (row stride w), zero
// past cols.
func packTransposedRef(dst []float32, w int, src []float32, stride, cols, kc int) {
	for p := 0; p < kc; p++ {
		for j := 0; j < w; j++ {
			if j < cols {
				dst[p*w+j] = src[j*stride+p]
			} else {
				dst[p*w+j] = 0
			}
		}
	}
}

// randomBits returns n float32 of random bits: NaNs with payloads,
// infinities, subnormals and signed zeros among them, so that a move
// that is not a plain copy (one through an arithmetic unit) changes some.
func randomBits(seed uint64, n int) []float32 {
	r := kerneltest.Rand(seed)
	x := make([]float32, n)
	for i := range x {
		x[i] = math.Float32frombits(r.Uint32())
	}
	return x
}

// checkPackTransposed runs packTransposed on src (cols rows, row stride
// stride, kc columns) into a banded dst of row stride w whose elements
// outside the transpose hold a sentinel, and compares every bit of dst
// and of its guard bands with the reference.
func checkPackTransposed(t *testing.T, what string, src []float32, w, stride, cols, kc, off int) {
	t.Helper()
	n := kc * w
	d := kerneltest.NewBanded(n, off)
	dst := d.S()
	want := make([]float32, n)
	for i := range dst {
		dst[i] = math.Float32frombits(0x7f812345)
		want[i] = dst[i]
	}
	srcCopy := append([]float32(nil), src...)
	kernel.PackTransposed(dst, w, src, stride, cols, kc)
	packTransposedRef(want, w, src, stride, cols, kc)
	for i := range want {
		if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: dst[%d] (row %d, column %d) = %#08x, want %#08x", what, i, i/w, i%w, math.Float32bits(dst[i]), math.Float32bits(want[i]))
		}
	}
	d.Check(t, what)
	for i := range src {
		if math.Float32bits(src[i]) != math.Float32bits(srcCopy[i]) {
			t.Fatalf("%s: src[%d] changed", what, i)
		}
	}
}

// TestPackTransposed checks Gemm's transposing pack at every level, bit
// for bit against its loop: every row count from 1 to 40 (one and two
// blocks of 16 rows and partial ones), columns 0..70 and longer runs
// (whole 16-column blocks and every remainder), output strides equal to
// and wider than the rows, padded source rows, at every alignment of
// dst, with random bit patterns (NaN payloads included).
func TestPackTransposed(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		seed := uint64(1)
		for cols := 1; cols <= 40; cols++ {
			kcs := []int{0, 1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 70, 192, 300}
			if cols <= 16 || cols == 32 {
				kcs = nil
				for kc := 0; kc <= 70; kc++ {
					kcs = append(kcs, kc)
				}
				kcs = append(kcs, 128, 192, 257, 300)
			}
			for _, kc := range kcs {
				for _, pad := range []int{0, 3} {
					stride := kc + pad
					src := randomBits(seed, max(0, (cols-1)*stride+kc))
					seed++
					for _, w := range []int{cols, cols + 1, 32} {
						if w < cols {
							continue
						}
						off := int(seed % kerneltest.MaxOffset)
						checkPackTransposed(t, fmt.Sprintf("cols=%d kc=%d stride=%d w=%d off=%d", cols, kc, stride, w, off), src, w, stride, cols, kc, off)
					}
				}
			}
		}
	})
}

// TestPackTransposedGuarded runs the pack with src ending right at an
// unmapped page and starting right after one, and with dst likewise,
// dst as wide as the rows of src or wider (Gemm's 14-row and 32-column
// panels): a read or write of one element outside either faults.
func TestPackTransposedGuarded(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		var shapes [][3]int // cols, kc, w
		for cols := 1; cols <= 33; cols++ {
			for _, kc := range []int{16, 37} {
				shapes = append(shapes, [3]int{cols, kc, cols})
				for _, w := range []int{14, 32} {
					if cols < w {
						shapes = append(shapes, [3]int{cols, kc, w})
					}
				}
			}
		}
		shapes = append(shapes, [3]int{14, 192, 14}, [3]int{32, 192, 32}, [3]int{16, 15, 16})
		for _, s := range shapes {
			cols, kc, w := s[0], s[1], s[2]
			n := (cols-1)*kc + kc
			m := kc * w
			se, ss := kerneltest.Guarded(t, n)
			de, ds := kerneltest.Guarded(t, m)
			copy(se, randomBits(uint64(cols*kc), n))
			copy(ss, se)
			want := make([]float32, m)
			packTransposedRef(want, w, se, kc, cols, kc)
			for _, c := range [][2][]float32{{se, de}, {ss, ds}, {se, ds}, {ss, de}} {
				src, dst := c[0], c[1]
				what := fmt.Sprintf("cols=%d kc=%d w=%d", cols, kc, w)
				kerneltest.NoFault(t, what, func() {
					kernel.PackTransposed(dst, w, src, kc, cols, kc)
				})
				for i := range want {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s guarded: dst[%d] = %#08x, want %#08x", what, i, math.Float32bits(dst[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	})
}

// FuzzPackTransposed decodes a shape from the fuzzer's bytes and checks
// the pack at every level against its loop.
func FuzzPackTransposed(f *testing.F) {
	f.Add([]byte{14, 100, 0, 3, 0})
	f.Add([]byte{32, 192, 0, 0, 5})
	f.Add([]byte{1, 16, 3, 7, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) < 5 {
			return
		}
		cols := 1 + int(raw[0])%40
		kc := int(raw[1]) + int(raw[4]&1)<<8
		w := cols + int(raw[2])%20
		stride := kc + int(raw[3])%20
		src := randomBits(uint64(len(raw))<<32|uint64(raw[0])<<8|uint64(raw[1]), max(0, (cols-1)*stride+kc))
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			checkPackTransposed(t, fmt.Sprintf("fuzz cols=%d kc=%d w=%d stride=%d", cols, kc, w, stride), src, w, stride, cols, kc, int(raw[4]>>1)%kerneltest.MaxOffset)
		})
	})
}

// BenchmarkPackTransposed times Gemm's transposing pack at every level
// on the panels it packs: 14 rows of a NoTrans a (the AVX-512 tile's
// height) and 32 columns of a Trans b (its width), kc = 192 columns,
// from rows 256 elements apart. MB/s counts the elements written.
func BenchmarkPackTransposed(b *testing.B) {
	for _, s := range [][2]int{{14, 14}, {32, 32}, {4, 14}} {
		cols, w := s[0], s[1]
		const kc, stride = 192, 256
		src := randomBits(1, (cols-1)*stride+kc)
		dst := make([]float32, kc*w)
		for _, l := range kernel.Available() {
			restore, _ := kernel.SetLevel(l)
			b.Run(fmt.Sprintf("rows=%d/w=%d/kc=%d/level=%v", cols, w, kc, l), func(b *testing.B) {
				b.SetBytes(int64(4 * kc * w))
				for i := 0; i < b.N; i++ {
					kernel.PackTransposed(dst, w, src, stride, cols, kc)
				}
			})
			restore()
		}
	}
}
