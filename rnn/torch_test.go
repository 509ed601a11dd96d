package rnn

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestTorchParity loads torch.nn.RNN weights, written by
// bench/peers/torch_rnn.py --fixtures, onto a Net by their names and
// compares Forward's output and every layer's final state (h_n) with
// PyTorch's to 1e-5 relative.
func TestTorchParity(t *testing.T) {
	raw, err := os.ReadFile("../testdata/rnn_torch.json")
	require.NoError(t, err)
	var fx struct {
		Cases []struct {
			Name                     string
			Input, Hidden, Layers, T int
			Bidirectional, Bias      bool
			Nonlinearity             string
			Weights                  map[string][]float32
			X, Output                []float32
			HN                       []float32 `json:"h_n"`
		}
	}
	require.NoError(t, json.Unmarshal(raw, &fx))
	require.NotEmpty(t, fx.Cases)
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := Config{Input: c.Input, Hidden: c.Hidden, Layers: c.Layers, Bidirectional: c.Bidirectional, Bias: BiasPair}
			if !c.Bias {
				cfg.Bias = BiasNone
			}
			if c.Nonlinearity == "relu" {
				cfg.Activation = ReLU
			}
			n, err := New(cfg, 0)
			require.NoError(t, err)
			ps := n.Params()
			require.Len(t, c.Weights, len(ps))
			for _, p := range ps {
				w, ok := c.Weights[p.Name]
				require.True(t, ok, "torch has no %s", p.Name)
				require.Len(t, w, len(p.Data), p.Name)
				copy(p.Data, w)
			}
			near := func(what string, got, want []float32) {
				require.Len(t, got, len(want), what)
				for i := range want {
					require.InDelta(t, want[i], got[i], 1e-5*(1+math.Abs(float64(want[i]))), "%s[%d]", what, i)
				}
			}
			xs := kernel.MatrixFrom(c.T, c.Input, c.X)
			y, err := n.Forward(xs)
			require.NoError(t, err)
			near("output", y.Data, c.Output)
			tr, err := n.Trace(xs)
			require.NoError(t, err)
			H := c.Hidden
			var hn []float32
			for _, l := range tr.Layers {
				hn = append(hn, l.Row(c.T - 1)[:H]...)
				if c.Bidirectional {
					hn = append(hn, l.Row(0)[H:]...)
				}
			}
			near("h_n", hn, c.HN)
			last, err := n.Last(xs)
			require.NoError(t, err)
			near("Last", last, c.HN[len(c.HN)-n.Config().Width():])
		})
	}
}
