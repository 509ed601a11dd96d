package kerneltest

import (
	"math"
	"math/big"

	"github.com/simdcore/simdcore/kernel"
)

// Hostile matrix views: sizes and strides chosen so that the span
// (Rows-1)·Stride + Cols overflows an int, or lands just past Data. Every
// kernel and model must refuse them before any assembly runs. The kernel
// fuzzers and the reliability suite draw their views from HostileView.

// hostileInts are the values HostileView draws sizes and strides from:
// extremes of int, powers of two whose products wrap to small numbers, and
// small values, so that a product computed in int overflows to something
// that passes a naive length check.
var hostileInts = []int{
	0, 1, 2, 3, 4, 7, 8, 9, -1, -2,
	math.MaxInt, math.MaxInt - 1, math.MinInt, math.MaxInt/2 + 1, math.MaxInt / 3,
	1 << 32, 1<<32 + 1, 1 << 31, 1 << 62, 1 << 61, 1 << 33, (1 << 63) / 3 * 2,
}

// HostileView builds a view from raw bytes: Rows, Cols and Stride from
// raw[0:3] (a byte with its top bit set is a small value, 0..8, any other
// one of the hostile values), Data of raw[3]%32 elements. want says
// whether the view is well formed, computed in exact arithmetic.
func HostileView(raw []byte) (m kernel.Matrix, want bool) {
	get := func(i int) int {
		if i >= len(raw) {
			return 0
		}
		b := raw[i]
		if b&0x80 != 0 {
			return int(b & 0x7f % 9) // a small value
		}
		return hostileInts[int(b)%len(hostileInts)]
	}
	n := 0
	if len(raw) > 3 {
		n = int(raw[3] % 32)
	}
	m = kernel.Matrix{Rows: get(0), Cols: get(1), Stride: get(2), Data: make([]float32, n)}
	return m, ExactValid(m)
}

// ExactValid is Matrix.Valid in big-integer arithmetic: the reference for
// the overflow-checked one.
func ExactValid(m kernel.Matrix) bool {
	if m.Rows < 0 || m.Cols < 0 || m.Stride < m.Cols {
		return false
	}
	if m.Rows == 0 || m.Cols == 0 {
		return true
	}
	span := new(big.Int).Mul(big.NewInt(int64(m.Rows-1)), big.NewInt(int64(m.Stride)))
	span.Add(span, big.NewInt(int64(m.Cols)))
	return span.Cmp(big.NewInt(int64(len(m.Data)))) <= 0
}
