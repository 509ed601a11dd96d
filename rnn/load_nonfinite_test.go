package rnn_test

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// TestLoadRefusesNonFiniteWeights: a NaN or an infinity in any weight is
// refused by default, naming the tensor and the element, and loads with
// AllowNonFinite (the old loaders took them silently).
func TestLoadRefusesNonFiniteWeights(t *testing.T) {
	for _, c := range []struct {
		tensor string
		index  int
		value  float32
		want   string
		nanOut bool // tanh(+Inf) is 1: an infinite bias may give finite outputs
	}{
		{"weight_hh_l0", 7, float32(math.NaN()), `tensor "weight_hh_l0" holds NaN at index [1 3]`, true},
		{"bias_ih_l0_reverse", 2, float32(math.Inf(1)), `tensor "bias_ih_l0_reverse" holds +Inf at index [2]`, false},
	} {
		t.Run(c.tensor, func(t *testing.T) {
			path := rewrite(t, "rnn_bidir_tanh", nil, func(ts map[string]weights.Tensor) {
				w := ts[c.tensor]
				w.Data[c.index] = c.value
			})
			_, err := rnn.Load(path)
			require.ErrorIs(t, err, rnn.ErrNonFinite)
			require.ErrorIs(t, err, rnn.ErrFormat)
			require.ErrorContains(t, err, c.want)

			n, err := rnn.Load(path, rnn.AllowNonFinite())
			require.NoError(t, err)
			ys, err := n.Forward(kernel.NewMatrix(2, n.Config().Input))
			require.NoError(t, err)
			require.Equal(t, c.nanOut, hasNonFinite(ys.Data))
		})
	}
}

func hasNonFinite(xs []float32) bool {
	for _, v := range xs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return true
		}
	}
	return false
}
