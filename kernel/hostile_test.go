package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// Hostile matrix views (kerneltest.HostileView): every kernel must refuse
// them (Matrix.Valid false, a panic naming the kernel and the sizes)
// before any assembly runs.

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
		require.False(t, kerneltest.ExactValid(m))
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
		require.True(t, kerneltest.ExactValid(m))
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

// checkHostileLengths calls the slice kernel s with operands of different
// lengths drawn from raw (up to 69 elements each) and requires the panic
// of a length mismatch, naming the kernel and both lengths, before any
// assembly runs. A kernel of one slice cannot be given mismatched ones.
// The vector and activation fuzzers switch to this on inputs whose length
// is 3 modulo 4 (bytes that make no whole float32 otherwise).
func checkHostileLengths(t *testing.T, s kernel.Spec, raw []byte) {
	t.Helper()
	n := [3]int{}
	for i := range n {
		if i < len(raw) {
			n[i] = int(raw[i]) % 70
		}
	}
	if n[1] == n[0] {
		n[1]++
	}
	x, y, z := make([]float32, n[0]), make([]float32, n[1]), make([]float32, n[2])
	var call func()
	var a, b string
	switch s.Class {
	case kernel.ClassDot:
		call, a, b = func() { s.Dot(x, y) }, "x", "y"
	case kernel.ClassAxpy:
		call, a, b = func() { s.Axpy(1, x, y) }, "x", "y"
	case kernel.ClassBinary:
		call, a, b = func() { s.Binary(x, y, z) }, "a", "dst"
	case kernel.ClassUnary, kernel.ClassRow:
		call, a, b = func() { s.Unary(x, y) }, "src", "dst"
	default:
		return
	}
	la, lb := n[1], n[0]
	if s.Class == kernel.ClassDot || s.Class == kernel.ClassAxpy {
		la, lb = n[0], n[1]
	}
	require.PanicsWithValue(t, fmt.Sprintf("kernel.%s: len(%s)=%d != len(%s)=%d", s.Name, a, la, b, lb), call, "%s lengths %v", s.Name, n)
}
