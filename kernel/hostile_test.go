package kernel_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// Hostile matrix views: sizes and strides chosen so that the span
// (Rows-1)·Stride + Cols overflows an int, or lands just past Data. Every
// kernel must refuse them (Matrix.Valid false, a panic naming the kernel
// and the sizes) before any assembly runs.

// hostileInts are the values hostileView draws sizes and strides from:
// extremes of int, powers of two whose products wrap to small numbers, and
// small values, so that a product computed in int overflows to something
// that passes a naive length check.
var hostileInts = []int{
	0, 1, 2, 3, 4, 7, 8, 9, -1, -2,
	math.MaxInt, math.MaxInt - 1, math.MinInt, math.MaxInt/2 + 1, math.MaxInt / 3,
	1 << 32, 1<<32 + 1, 1 << 31, 1 << 62, 1 << 61, 1 << 33, (1 << 63) / 3 * 2,
}

// hostileView builds a view from raw bytes: Rows, Cols and Stride from
// hostileInts (or small values), Data of at most 31 elements. want says
// whether the view is well formed, computed in exact arithmetic.
func hostileView(raw []byte) (m kernel.Matrix, want bool) {
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
	return m, exactValid(m)
}

// exactValid is Matrix.Valid in big-integer arithmetic: the reference for
// the overflow-checked one.
func exactValid(m kernel.Matrix) bool {
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

// malformedMsg is the panic of kernel fn for operand name.
func malformedMsg(fn, name string, m kernel.Matrix) string {
	return fmt.Sprintf("kernel.%s: malformed matrix %s: %d×%d stride %d len(data)=%d", fn, name, m.Rows, m.Cols, m.Stride, len(m.Data))
}

// checkHostileGemv holds every gemv-family kernel to the view rules on a:
// a malformed view panics with the malformed-matrix message whatever the
// vector lengths; a well-formed one small enough to allocate for is
// computed and checked as usual.
func checkHostileGemv(t *testing.T, a kernel.Matrix, want bool) {
	t.Helper()
	require.Equal(t, want, a.Valid(), "Valid(%d×%d stride %d len %d)", a.Rows, a.Cols, a.Stride, len(a.Data))
	for _, op := range gemvOps() {
		if !want {
			require.PanicsWithValue(t, malformedMsg(op.Name, "a", a), func() {
				op.run(make([]float32, 3), a, make([]float32, 3))
			}, "%v", op)
			continue
		}
		if a.Rows > 1<<10 || a.Cols > 1<<10 {
			continue // valid only because it is empty: too large to allocate vectors for
		}
		nx, ndst := op.lens(a.Rows, a.Cols)
		checkGemvOp(t, "hostile", op, make([]float32, ndst), a, make([]float32, nx))
	}
}

// checkHostileGemm gives Gemm the view m as operand which (0 a, 1 b, 2 c),
// with well-formed 3×3 matrices for the others, and requires the
// malformed-matrix panic for a malformed m. (Shapes are checked after the
// views, so the shapes need not agree.)
func checkHostileGemm(t *testing.T, m kernel.Matrix, which int) {
	t.Helper()
	ops := []kernel.Matrix{kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3)}
	ops[which] = m
	name := []string{"a", "b", "c"}[which]
	require.PanicsWithValue(t, malformedMsg("Gemm", name, m), func() {
		gemm(kernel.NoTrans, kernel.NoTrans, 1, ops[0], ops[1], 0, ops[2])
	})
}

func TestHostileViews(t *testing.T) {
	overflow := []kernel.Matrix{
		{Rows: 3, Cols: 3, Stride: math.MaxInt, Data: make([]float32, 1)}, // the view
		{Rows: 3, Cols: 3, Stride: math.MaxInt, Data: make([]float32, 9)},
		{Rows: 1<<32 + 1, Cols: 1, Stride: 1 << 32, Data: make([]float32, 1)}, // (Rows-1)·Stride = 2⁶⁴ wraps to 0
		{Rows: 2, Cols: 4, Stride: math.MaxInt, Data: make([]float32, 4)},     // Stride + Cols wraps negative
		{Rows: math.MaxInt, Cols: 1, Stride: 1, Data: make([]float32, 4)},
		{Rows: 5, Cols: 2, Stride: 2, Data: make([]float32, 9)}, // one element short
		{Rows: 1, Cols: 4, Stride: 4, Data: make([]float32, 3)},
	}
	for _, m := range overflow {
		require.False(t, exactValid(m))
		checkHostileGemv(t, m, false)
		for which := range 3 {
			checkHostileGemm(t, m, which)
		}
	}
	// Well formed, at the edge: the last row ends exactly at len(Data),
	// or the view is empty however large its other size.
	for _, m := range []kernel.Matrix{
		{Rows: 5, Cols: 2, Stride: 2, Data: make([]float32, 10)},
		{Rows: 1, Cols: 3, Stride: math.MaxInt, Data: make([]float32, 3)},
		{Rows: 0, Cols: 3, Stride: math.MaxInt},
		{Rows: math.MaxInt, Cols: 0, Stride: 0},
	} {
		require.True(t, exactValid(m))
		checkHostileGemv(t, m, true)
	}
}

func TestNewMatrixOverflow(t *testing.T) {
	for _, s := range [][2]int{{1 << 32, 1 << 32}, {math.MaxInt, 2}, {-1, 0}, {0, -1}, {1 << 62, 4}} {
		require.PanicsWithValue(t, fmt.Sprintf("kernel.NewMatrix: size %d×%d is negative or overflows int", s[0], s[1]), func() {
			kernel.NewMatrix(s[0], s[1])
		})
	}
	// 2³²·2³² wraps to 0 = len(nil): a wrapping check would accept it.
	require.Panics(t, func() { kernel.MatrixFrom(1<<32, 1<<32, nil) })
	require.Panics(t, func() { kernel.MatrixFrom(1<<62, 4, nil) })
	require.Equal(t, 0, len(kernel.NewMatrix(math.MaxInt, 0).Data))
	m := kernel.MatrixFrom(2, 3, make([]float32, 6))
	require.True(t, m.Valid())
}
