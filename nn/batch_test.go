package nn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestForwardBatch: two sequences stacked, each with its own key padding
// mask, give torch's output for the first and Forward's for the second
// (the first's rows reversed), through the stack and one layer.
func TestForwardBatch(t *testing.T) {
	const name = "enc_pre_gelu"
	e, err := nn.LoadEncoder(filepath.Join(torchtest.Dir, name+".safetensors"), "")
	require.NoError(t, err)
	x := fixtureMatrix(t, name, "input")
	T, d := x.Rows, x.Cols
	src := kernel.NewMatrix(2*T, d)
	for i := range T {
		copy(src.Row(i), x.Row(i))
		copy(src.Row(2*T-1-i), x.Row(i))
	}
	keep := append(keep(t, name, "key_pad"), make([]bool, T)...)
	for i := T; i < 2*T; i++ {
		keep[i] = true
	}
	m := nn.Mask{Causal: true, KeepKeys: keep}
	y, err := e.ForwardBatch(kernel.Matrix{}, src, 2, m)
	require.NoError(t, err)
	torchtest.RequireClose(t, "sequence 0", y.Slice(0, T, 0, d).Data[:T*d], fixtureMatrix(t, name, "output_causal_pad").Data)
	second := src.Slice(T, 2*T, 0, d)
	want, err := e.Forward(kernel.Matrix{}, kernel.MatrixFrom(T, d, second.Data[:T*d]), nn.Mask{Causal: true})
	require.NoError(t, err)
	torchtest.RequireClose(t, "sequence 1", y.Data[T*d:], want.Data)

	l := e.Layers[0]
	yl, err := l.ForwardBatch(kernel.Matrix{}, src, 2, m)
	require.NoError(t, err)
	wl, err := l.Forward(kernel.Matrix{}, kernel.MatrixFrom(T, d, src.Data[:T*d]), nn.Mask{Causal: true, KeepKeys: keep[:T]})
	require.NoError(t, err)
	torchtest.RequireClose(t, "layer, sequence 0", yl.Data[:T*d], wl.Data)

	_, err = e.ForwardBatch(kernel.Matrix{}, src, 3, nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
	_, err = e.ForwardBatch(kernel.Matrix{}, src, 2, nn.Mask{KeepKeys: keep[:T]})
	require.ErrorIs(t, err, nn.ErrShape)
	_, err = l.ForwardBatch(kernel.Matrix{}, src, 0, nn.Mask{})
	require.ErrorIs(t, err, nn.ErrShape)
}
