package rnn_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// quantTorchTol is the accuracy ACCURACY.md states for quantized
// recurrent networks on the torch fixtures: every output within 1e-2
// (absolute) of PyTorch's float model.
const quantTorchTol = 1e-2

// TestQuantizedTorchAccuracy quantizes every LSTM, GRU and Elman torch
// fixture and compares Forward (Last for the many-to-one fixture) from
// the zero state with PyTorch's float output, to quantTorchTol absolute,
// and ForwardState from torch's h0 (c0) with its output. It logs the
// largest difference of each fixture (ACCURACY.md quotes them).
func TestQuantizedTorchAccuracy(t *testing.T) {
	type fixture struct{ name, out string }
	var fxs []fixture
	for _, fx := range gatedFixtures {
		fxs = append(fxs, fixture{fx.name, "output_zero"}, fixture{fx.name, "output"})
	}
	fxs = append(fxs, fixture{"rnn_bidir_tanh", "output"}, fixture{"rnn_relu_last", "output"})
	worst := 0.0
	for _, fx := range fxs {
		f, err := rnn.Load(filepath.Join(torchDir, fx.name+".safetensors"))
		require.NoError(t, err)
		q, err := f.Quantize()
		require.NoError(t, err)
		io := torchIO(t, fx.name)
		in, want := tensor(t, io, "input"), tensor(t, io, fx.out)
		batch := 0
		if len(in.Shape) == 3 {
			batch = in.Shape[0]
		}
		var got []float32
		for b := range max(batch, 1) {
			x := seqPart(t, in, batch, b, seqFirst)
			switch {
			case fx.name == "rnn_relu_last":
				got, err = q.Last(x)
			case fx.out == "output_zero" || fx.name == "rnn_bidir_tanh":
				var y kernel.Matrix
				y, err = q.Forward(x)
				got = append(got, flat(y)...)
			default:
				init := &rnn.States{H: seqPart(t, tensor(t, io, "h0"), batch, b, stateFirst)}
				if f.Config().Cell == rnn.LSTM {
					init.C = seqPart(t, tensor(t, io, "c0"), batch, b, stateFirst)
				}
				var y kernel.Matrix
				y, _, err = q.ForwardState(x, init)
				got = append(got, flat(y)...)
			}
			require.NoError(t, err)
		}
		require.Len(t, got, len(want.Data), fx.name)
		d := 0.0
		for i, w := range want.Data {
			d = math.Max(d, math.Abs(float64(got[i])-float64(w)))
		}
		t.Logf("%-14s %-11s max |int8 − torch float| = %.2e", fx.name, fx.out, d)
		require.LessOrEqual(t, d, quantTorchTol, "%s %s", fx.name, fx.out)
		worst = math.Max(worst, d)
	}
	t.Logf("largest over every fixture: %.2e", worst)
}
