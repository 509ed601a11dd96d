package nn_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestGELUTanhFixturesNeedTanh: the gelu_tanh fixtures (torch layers with
// activation F.gelu(approximate="tanh"), which TestEncoderTorch and
// TestDecoderTorch match) tell the two GELUs apart: the same weights with
// the exact GELU miss torch's outputs by more than three times the
// tolerance (1e-5 of the largest output), so matching them proves the
// tanh form runs.
func TestGELUTanhFixturesNeedTanh(t *testing.T) {
	const name = "enc_gelu_tanh"
	e, err := nn.LoadEncoder(filepath.Join(torchtest.Dir, name+".safetensors"), "")
	require.NoError(t, err)
	require.Equal(t, nn.GELUTanh, e.Layers[0].FF.Activation)
	x, want := fixtureMatrix(t, name, "input"), fixtureMatrix(t, name, "output")
	for _, l := range e.Layers {
		l.FF.Activation = nn.GELU
	}
	y, err := e.Forward(kernel.Matrix{}, x, nn.Mask{})
	require.NoError(t, err)
	require.Greater(t, maxAbsDiff(y.Data, want.Data), 3e-5*maxAbs(want.Data))

	const dname = "dec_gelu_tanh"
	dec, err := nn.LoadDecoder(filepath.Join(torchtest.Dir, dname+".safetensors"), "")
	require.NoError(t, err)
	require.Equal(t, nn.GELUTanh, dec.Layers[1].FF.Activation)
	for _, l := range dec.Layers {
		l.FF.Activation = nn.GELU
	}
	y, err = dec.Forward(kernel.Matrix{}, fixtureMatrix(t, dname, "input"), fixtureMatrix(t, dname, "memory"), nn.Mask{}, nn.Mask{})
	require.NoError(t, err)
	want = fixtureMatrix(t, dname, "output")
	require.Greater(t, maxAbsDiff(y.Data, want.Data), 3e-5*maxAbs(want.Data))
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func maxAbs(a []float32) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}
