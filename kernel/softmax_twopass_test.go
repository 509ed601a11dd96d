package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestSoftmaxTwoPassFallbacks drives the two-pass algorithm off its fast
// path: an element far above the first 16 (so pass 1 stops) at every
// position of the first few blocks and near the end, in and out of
// place; NaN and +Inf past the first 16; first elements that are all
// -Inf, NaN or beyond ±2^15; values right at the stopping threshold.
func TestSoftmaxTwoPassFallbacks(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(12)
		for _, n := range []int{17, 40, 64, 65, 130, 300, 1000} {
			positions := []int{16, 17, 31, 32, 33, 63, 64, 65, 100, n - 3, n - 1}
			for _, pos := range positions {
				if pos < 16 || pos >= n {
					continue
				}
				for _, jump := range []float32{45, 47, 60, 200, 1e5, 3e38} {
					x := make([]float32, n)
					softmaxRow(r, x, 5, n%2 == 0)
					x[pos] = 5 + jump
					checkSoftmaxFamily(t, fmt.Sprintf("n=%d pos=%d jump=%g", n, pos, jump), x)
				}
				for _, bad := range []float32{nan, inf, -inf} {
					x := make([]float32, n)
					softmaxRow(r, x, 5, false)
					x[pos] = bad
					checkSoftmaxFamily(t, fmt.Sprintf("n=%d pos=%d bad=%v", n, pos, bad), x)
				}
			}
			// The first 16 give no usable scaling.
			for _, first := range []float32{-inf, nan, 40000, -40000} {
				x := make([]float32, n)
				softmaxRow(r, x, 5, true)
				for i := range 16 {
					x[i] = first
				}
				checkSoftmaxFamily(t, fmt.Sprintf("n=%d first16=%v", n, first), x)
			}
			// Large offsets, inside ±2^15: the reduction stays exact.
			for _, off := range []float32{-32000, -300, 300, 32000} {
				x := make([]float32, n)
				softmaxRow(r, x, 20, true)
				for i := range x {
					x[i] += off
				}
				checkSoftmaxFamily(t, fmt.Sprintf("n=%d offset=%g", n, off), x)
			}
		}
	})
}

// TestSoftmaxOneEntry: a row with one entry that is not -Inf gives exactly
// 1 (Softmax), 0 (LogSoftmax) and that entry (LogSumExp), wherever the
// entry is and whatever its value.
func TestSoftmaxOneEntry(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(13)
		for _, n := range []int{1, 5, 16, 33, 200} {
			for range 50 {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(math.Inf(-1))
				}
				pos := r.IntN(n)
				x[pos] = 60 * (2*r.Float32() - 1)
				got := make([]float32, n)
				kernel.Softmax(got, x)
				require.Equal(t, float32(1), got[pos], "n=%d x=%v", n, x[pos])
				require.Equal(t, n-1, countZeros(got), "n=%d", n)
				kernel.LogSoftmax(got, x)
				require.Equal(t, float32(0), got[pos], "n=%d x=%v", n, x[pos])
				require.Equal(t, x[pos], kernel.LogSumExp(x), "n=%d", n)
			}
		}
	})
}

func countZeros(x []float32) int {
	n := 0
	for _, v := range x {
		if v == 0 {
			n++
		}
	}
	return n
}
