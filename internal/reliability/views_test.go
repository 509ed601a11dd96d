package reliability

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// panicOf runs fn and returns what it panicked with, or nil.
func panicOf(fn func()) (r any) {
	defer func() { r = recover() }()
	fn()
	return nil
}

// checkHostileView holds the public entry points to the view rules for m,
// given as operand which (0..3): Valid agrees with exact arithmetic; a
// malformed view makes Gemv and Gemm panic with a message naming the
// kernel and the operand, and SelfAttention return ErrShape; a well-formed
// one never makes them panic with anything else.
func checkHostileView(t *testing.T, m kernel.Matrix, which int) {
	t.Helper()
	want := kerneltest.ExactValid(m)
	desc := fmt.Sprintf("%d×%d stride %d len %d", m.Rows, m.Cols, m.Stride, len(m.Data))
	require.Equal(t, want, m.Valid(), "Valid(%s)", desc)
	if want {
		return // well formed: the kernels' own tests compute with such views
	}
	malformed := func(fn, name string) string {
		return fmt.Sprintf("kernel.%s: malformed matrix %s: %s", fn, name, fmt.Sprintf("%d×%d stride %d len(data)=%d", m.Rows, m.Cols, m.Stride, len(m.Data)))
	}
	x := make([]float32, 3)
	require.Equal(t, malformed("Gemv", "a"), panicOf(func() { kernel.Gemv(x, m, x) }), desc)
	ops := []kernel.Matrix{kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3)}
	ops[which%3] = m
	require.Equal(t, malformed("Gemm", []string{"a", "b", "c"}[which%3]),
		panicOf(func() { kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, ops[0], ops[1], 0, ops[2]) }), desc)

	qkv := []kernel.Matrix{kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3), kernel.NewMatrix(3, 3)}
	qkv[which%4] = m
	var err error
	require.Nil(t, panicOf(func() { err = attn.SelfAttention(qkv[0], qkv[1], qkv[2], qkv[3], attn.Options{}) }), desc)
	require.ErrorIs(t, err, attn.ErrShape, desc)
}

// TestHostileViewsSweep tries every combination of hostile rows, columns
// and strides (kerneltest.HostileView's values, and small ones) with a few
// data lengths, in every operand position.
func TestHostileViewsSweep(t *testing.T) {
	bytes := []byte{0x80, 0x81, 0x83, 0x88} // small: 0, 1, 3, 8
	for i := range 22 {
		bytes = append(bytes, byte(i)) // each hostile value
	}
	n := 0
	for _, r := range bytes {
		for _, c := range bytes {
			for _, s := range bytes {
				for _, d := range []byte{0, 1, 9, 31} {
					m, _ := kerneltest.HostileView([]byte{r, c, s, d})
					checkHostileView(t, m, n%4)
					n++
				}
			}
		}
	}
	t.Logf("%d views", n)
}

// FuzzHostileViews draws views from raw bytes (kerneltest.HostileView) and
// holds Gemv, Gemm and SelfAttention to the view rules.
func FuzzHostileViews(f *testing.F) {
	f.Add([]byte{0x83, 0x83, 10, 1}, uint8(0)) // 3×3, stride MaxInt, one element
	f.Add([]byte{16, 0x81, 15, 1}, uint8(1))   // 2³²+1 rows of stride 2³²: the span wraps to 0
	f.Add([]byte{0x85, 0x82, 0x82, 9}, uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		m, _ := kerneltest.HostileView(raw)
		checkHostileView(t, m, int(which))
	})
}

// TestHandModifiedNet: a zero Net, and nets whose weights were replaced
// with views of the wrong shape or malformed ones, return an error from
// every method that runs them, never a panic.
func TestHandModifiedNet(t *testing.T) {
	good := func() *rnn.Net { return mustNet(rnn.Config{Input: 3, Hidden: 4, Output: 2}, 1) }
	nets := map[string]*rnn.Net{"zero": {}}
	n := good()
	n.Cells[0].Whh = kernel.NewMatrix(4, 5)
	nets["Whh 4×5"] = n
	n = good()
	n.Cells[0].Wih = kernel.Matrix{Rows: 4, Cols: 3, Stride: math.MaxInt, Data: make([]float32, 3)}
	nets["Wih malformed"] = n
	n = good()
	n.Cells = nil
	nets["no cells"] = n
	n = good()
	n.By = n.By[:1]
	nets["short head bias"] = n
	xs := kernel.NewMatrix(2, 3)
	for name, n := range nets {
		var err error
		require.Nil(t, panicOf(func() { _, err = n.Forward(xs) }), name)
		require.Error(t, err, name)
		require.Nil(t, panicOf(func() { _, err = n.Last(xs) }), name)
		require.Error(t, err, name)
		require.Nil(t, panicOf(func() { _, err = n.ForwardBatch([]kernel.Matrix{xs, xs}) }), name)
		require.Error(t, err, name)
	}
}
