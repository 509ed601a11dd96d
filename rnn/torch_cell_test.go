package rnn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// TestTorchCells loads the state_dicts of torch's single-step cells
// (nn.LSTMCell, nn.GRUCell, nn.RNNCell with relu; weight_ih, weight_hh,
// bias_ih, bias_hh, no metadata: scripts/torch_cell_fixtures.py) as the
// one-layer nets they equal, and compares ForwardState from torch's h0
// (and c0) with the cell stepped over the sequence in torch, to 1e-5 of
// the largest value; Save then writes nn.LSTM's names, which load again
// to the same net.
func TestTorchCells(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []rnn.LoadOption
		want rnn.Config
	}{
		{"lstmcell", nil, rnn.Config{Cell: rnn.LSTM, Input: 5, Hidden: 6, Layers: 1, Bias: rnn.BiasPair}},
		{"grucell", nil, rnn.Config{Cell: rnn.GRU, Input: 4, Hidden: 7, Layers: 1, Bias: rnn.BiasPair}},
		{"rnncell_relu", []rnn.LoadOption{rnn.WithActivation(rnn.ReLU)},
			rnn.Config{Cell: rnn.Elman, Input: 3, Hidden: 4, Layers: 1, Bias: rnn.BiasPair, Activation: rnn.ReLU}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := rnn.Load(filepath.Join(torchDir, c.name+".safetensors"), c.opts...)
			require.NoError(t, err)
			cfg := n.Config()
			require.Equal(t, []any{c.want.Cell, c.want.Input, c.want.Hidden, c.want.Layers, c.want.Bidirectional, c.want.Bias},
				[]any{cfg.Cell, cfg.Input, cfg.Hidden, cfg.Layers, cfg.Bidirectional, cfg.Bias})
			if c.want.Cell == rnn.Elman {
				require.Equal(t, c.want.Activation, cfg.Activation)
			}
			io := torchIO(t, c.name)
			x := asMatrix(tensor(t, io, "input"))
			init := &rnn.States{H: asRow(tensor(t, io, "h0"))}
			if cfg.Cell == rnn.LSTM {
				init.C = asRow(tensor(t, io, "c0"))
			}
			y, fin, err := n.ForwardState(x, init)
			require.NoError(t, err)
			torchtest.RequireClose(t, "output", flat(y), tensor(t, io, "output").Data)
			if cfg.Cell == rnn.LSTM {
				torchtest.RequireClose(t, "c_n", flat(fin.C), tensor(t, io, "c_n").Data)
			}

			path := filepath.Join(t.TempDir(), "saved.safetensors")
			require.NoError(t, n.Save(path, nil))
			back, err := rnn.Load(path)
			require.NoError(t, err)
			y2, _, err := back.ForwardState(x, init)
			require.NoError(t, err)
			require.Equal(t, flat(y), flat(y2))
		})
	}
}

// TestTorchCellLoadErrors: errors about a cell's state_dict name its own
// tensors, and two cells in one file need WithPrefix.
func TestTorchCellLoadErrors(t *testing.T) {
	_, err := rnn.Load(filepath.Join(torchDir, "lstmcell.safetensors"), rnn.WithPrefix("nope."))
	require.ErrorIs(t, err, weights.ErrMissing)

	n, err := rnn.Load(filepath.Join(torchDir, "lstmcell.safetensors"), rnn.WithPrefix(""))
	require.NoError(t, err)
	require.Equal(t, rnn.LSTM, n.Config().Cell)

	save := func(tensors ...weights.Tensor) string {
		path := filepath.Join(t.TempDir(), "cell.safetensors")
		require.NoError(t, weights.Save(path, tensors, nil))
		return path
	}
	ten := func(name string, shape ...int) weights.Tensor {
		size := 1
		for _, d := range shape {
			size *= d
		}
		return weights.Tensor{Name: name, Shape: shape, Data: make([]float32, size)}
	}
	_, err = rnn.Load(save(ten("cell.weight_ih", 8, 3), ten("cell.weight_hh", 12, 5)))
	require.ErrorIs(t, err, rnn.ErrShape)
	require.ErrorContains(t, err, `tensor "cell.weight_hh" has shape [12 5] but "cell.weight_ih" has [8 3]`)

	_, err = rnn.Load(save(ten("a.weight_ih", 8, 3), ten("a.weight_hh", 8, 2), ten("b.weight_ih", 8, 3), ten("b.weight_hh", 8, 2)))
	require.ErrorIs(t, err, weights.ErrFormat)
	require.ErrorContains(t, err, `several RNN cells (prefixes ["a." "b."]); choose one with WithPrefix`)
	n, err = rnn.Load(save(ten("a.weight_ih", 8, 3), ten("a.weight_hh", 8, 2), ten("b.weight_ih", 8, 3), ten("b.weight_hh", 8, 2)),
		rnn.WithPrefix("b."))
	require.ErrorContains(t, err, `tensor "a.weight_hh" is not part of the model`)
	require.Nil(t, n)

	// A language model over a cell, with one-hot input of the wrong width.
	_, err = rnn.LoadLM(save(ten("cell.weight_ih", 4, 3), ten("cell.weight_hh", 4, 4), ten("fc.weight", 7, 4), ten("fc.bias", 7)))
	require.ErrorIs(t, err, rnn.ErrShape)
	require.ErrorContains(t, err, `one-hot input needs "cell.weight_ih" of shape [4 7]`)
}

// asMatrix returns a 2-D tensor as a matrix.
func asMatrix(tt weights.Tensor) kernel.Matrix {
	return kernel.MatrixFrom(tt.Shape[0], tt.Shape[1], tt.Data)
}

// asRow returns a 1-D tensor as a one-row matrix: one layer's state.
func asRow(tt weights.Tensor) kernel.Matrix {
	return kernel.MatrixFrom(1, len(tt.Data), tt.Data)
}
