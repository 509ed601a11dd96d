package rnn_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// torchDir holds the fixtures scripts/torch_fixtures.py wrote with PyTorch.
const torchDir = torchtest.Dir

// torchIO reads a fixture's inputs and outputs.
func torchIO(t *testing.T, name string) *weights.File {
	t.Helper()
	f, err := weights.Open(filepath.Join(torchDir, name+".io.safetensors"))
	require.NoError(t, err)
	return f
}

func tensor(t *testing.T, f *weights.File, name string) weights.Tensor {
	t.Helper()
	tt, err := f.Tensor(name)
	require.NoError(t, err)
	return tt
}

func TestLoadTorchBidirectionalTanh(t *testing.T) {
	n, err := rnn.Load(filepath.Join(torchDir, "rnn_bidir_tanh.safetensors"))
	require.NoError(t, err)
	cfg := n.Config()
	require.Equal(t, rnn.Config{Input: 3, Hidden: 4, Layers: 2, Bidirectional: true, Activation: rnn.Tanh,
		OutputActivation: rnn.Identity, Bias: rnn.BiasPair}, cfg)
	io := torchIO(t, "rnn_bidir_tanh")
	in, out, hn := tensor(t, io, "input"), tensor(t, io, "output"), tensor(t, io, "h_n")
	require.Equal(t, []int{7, 8}, out.Shape)
	xs := kernel.MatrixFrom(in.Shape[0], in.Shape[1], in.Data)
	got, err := n.Forward(xs)
	require.NoError(t, err)
	torchtest.RequireClose(t, "output", got.Data, out.Data)
	// Many-to-one: the top layer's h_n, forward then reverse.
	last, err := n.Last(xs)
	require.NoError(t, err)
	torchtest.RequireClose(t, "h_n[2:4]", last, hn.Data[2*4:])
	// Batched, the same.
	outs, err := n.ForwardBatch([]kernel.Matrix{xs, xs})
	require.NoError(t, err)
	torchtest.RequireClose(t, "batch[1]", outs[1].Data, out.Data)
}

func TestLoadTorchReluManyToOne(t *testing.T) {
	path := filepath.Join(torchDir, "rnn_relu_last.safetensors")
	var meta map[string]string
	n, err := rnn.Load(path, rnn.WithMetadata(&meta))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"nonlinearity": "relu"}, meta)
	cfg := n.Config()
	require.Equal(t, rnn.ReLU, cfg.Activation, "from the metadata")
	require.Equal(t, 2, cfg.Output)
	require.Equal(t, rnn.Identity, cfg.OutputActivation)
	io := torchIO(t, "rnn_relu_last")
	in, out := tensor(t, io, "input"), tensor(t, io, "output")
	xs := kernel.MatrixFrom(in.Shape[0], in.Shape[1], in.Data)
	got, err := n.Last(xs)
	require.NoError(t, err)
	torchtest.RequireClose(t, "output", got, out.Data)

	// An option overrides the metadata, and changes the answer.
	n2, err := rnn.Load(path, rnn.WithActivation(rnn.Tanh), rnn.WithPrefix("rnn."), rnn.WithHead("head"))
	require.NoError(t, err)
	require.Equal(t, rnn.Tanh, n2.Config().Activation)
	got2, err := n2.Last(xs)
	require.NoError(t, err)
	require.NotEqual(t, got, got2)
	// Without a head the file has tensors left over.
	_, err = rnn.Load(path, rnn.WithHead(""))
	require.ErrorIs(t, err, rnn.ErrFormat)
	require.ErrorContains(t, err, `"head.bias" is not part of the model`)
}

// TestLoadTorchModeNames loads the relu fixture whose metadata holds
// torch's RNNBase.mode instead of nonlinearity: mode=RNN_RELU alone once
// loaded as tanh and gave other outputs than PyTorch's, without an error.
func TestLoadTorchModeNames(t *testing.T) {
	io := torchIO(t, "rnn_relu_last")
	in, out := tensor(t, io, "input"), tensor(t, io, "output")
	xs := kernel.MatrixFrom(in.Shape[0], in.Shape[1], in.Data)
	n, err := rnn.Load(rewrite(t, "rnn_relu_last", map[string]string{"mode": "RNN_RELU"}, func(map[string]weights.Tensor) {}))
	require.NoError(t, err)
	require.Equal(t, rnn.ReLU, n.Config().Activation, "from the mode")
	got, err := n.Last(xs)
	require.NoError(t, err)
	torchtest.RequireClose(t, "output", got, out.Data)
	// Both keys, agreeing, load; disagreeing, they are refused, even with
	// the option that would override either.
	both := map[string]string{"mode": "RNN_RELU", "nonlinearity": "relu"}
	n, err = rnn.Load(rewrite(t, "rnn_relu_last", both, func(map[string]weights.Tensor) {}))
	require.NoError(t, err)
	require.Equal(t, rnn.ReLU, n.Config().Activation)
	both["mode"] = "RNN_TANH"
	path := rewrite(t, "rnn_relu_last", both, func(map[string]weights.Tensor) {})
	for _, opts := range [][]rnn.LoadOption{nil, {rnn.WithActivation(rnn.ReLU)}} {
		_, err = rnn.Load(path, opts...)
		require.ErrorIs(t, err, rnn.ErrFormat)
		require.ErrorContains(t, err, `metadata nonlinearity="relu" but mode="RNN_TANH"`)
	}
	// The option still overrides a mode alone.
	n, err = rnn.Load(rewrite(t, "rnn_relu_last", map[string]string{"mode": "RNN_RELU"}, func(map[string]weights.Tensor) {}),
		rnn.WithActivation(rnn.Tanh))
	require.NoError(t, err)
	require.Equal(t, rnn.Tanh, n.Config().Activation)
}

func TestLoadTorchLM(t *testing.T) {
	m, err := rnn.LoadLM(filepath.Join(torchDir, "lm.safetensors"))
	require.NoError(t, err)
	require.Equal(t, 11, m.Vocab())
	require.Equal(t, 6, m.Embed.Cols)
	cfg := m.Net.Config()
	require.Equal(t, 2, cfg.Layers)
	require.Equal(t, 8, cfg.Hidden)
	io := torchIO(t, "lm")
	toksF, logp := tensor(t, io, "tokens"), tensor(t, io, "log_probs")
	toks := make([]int, len(toksF.Data))
	for i, v := range toksF.Data {
		toks[i] = int(v)
	}
	// Row t of PyTorch's log-softmax is the distribution after toks[:t+1].
	var want, got []float32
	for i := range toks {
		probs, err := m.Next(toks[:i+1])
		require.NoError(t, err)
		got = append(got, probs...)
		for _, lp := range logp.Data[i*11 : (i+1)*11] {
			want = append(want, float32(math.Exp(float64(lp))))
		}
	}
	torchtest.RequireClose(t, "probabilities", got, want)
	// The sequence's log-probability, Σ log p(toks[t] | toks[:t]).
	var sum float64
	for i := 1; i < len(toks); i++ {
		sum += float64(logp.Data[(i-1)*11+toks[i]])
	}
	lp, err := m.LogProb(toks)
	require.NoError(t, err)
	require.InDelta(t, sum, lp, 1e-5*math.Abs(sum))

	// The LM file is not a plain network: the embedding has no place.
	_, err = rnn.Load(filepath.Join(torchDir, "lm.safetensors"))
	require.ErrorIs(t, err, rnn.ErrFormat)
	require.ErrorContains(t, err, `"embedding.weight" is not part of the model`)
}

// TestSaveLoad round-trips every topology through Save and Load.
func TestSaveLoad(t *testing.T) {
	cfgs := []rnn.Config{
		{Input: 3, Hidden: 5},
		{Input: 1, Hidden: 2, Layers: 3, Bidirectional: true, Bias: rnn.BiasPair, Activation: rnn.ReLU},
		{Input: 4, Hidden: 3, Layers: 2, Bias: rnn.BiasNone, Activation: rnn.Sigmoid, Output: 2, OutputActivation: rnn.Softmax},
		{Input: 2, Hidden: 3, Bidirectional: true, Bias: rnn.BiasSingle, Output: 1, OutputActivation: rnn.Sigmoid},
		{Cell: rnn.LSTM, Input: 3, Hidden: 4},
		{Cell: rnn.LSTM, Input: 2, Hidden: 5, Proj: 3, Layers: 2, Bidirectional: true, Bias: rnn.BiasSingle, Output: 2},
		{Cell: rnn.LSTM, Input: 2, Hidden: 3, Layers: 2, Bias: rnn.BiasNone, Output: 2, OutputActivation: rnn.Softmax},
		{Cell: rnn.GRU, Input: 3, Hidden: 4, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair},
		{Cell: rnn.GRU, Input: 1, Hidden: 2, Bias: rnn.BiasSingle, Output: 1, OutputActivation: rnn.Sigmoid},
	}
	dir := t.TempDir()
	for i, cfg := range cfgs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			n, err := rnn.New(cfg, uint64(i))
			require.NoError(t, err)
			path := filepath.Join(dir, fmt.Sprintf("m%d.safetensors", i))
			require.NoError(t, n.Save(path, map[string]string{"author": "test", "hidden_size": "overridden"}))
			var meta map[string]string
			back, err := rnn.Load(path, rnn.WithMetadata(&meta))
			require.NoError(t, err)
			require.Equal(t, n.Config(), back.Config())
			require.Equal(t, "test", meta["author"])
			require.Equal(t, fmt.Sprint(cfg.Hidden), meta["hidden_size"])
			require.Equal(t, n.Params(), back.Params())
			var b bytes.Buffer
			require.NoError(t, n.Encode(&b, map[string]string{"author": "test"}))
			saved, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, saved, b.Bytes())
		})
	}
	t.Run("LM", func(t *testing.T) {
		for i, lc := range []rnn.LMConfig{
			{Vocab: 7, Hidden: 5, Layers: 2, Bias: rnn.BiasPair},
			{Vocab: 7, Embed: 4, Hidden: 5, Layers: 2, Bias: rnn.BiasPair},
			{Vocab: 7, Embed: 4, Hidden: 5, Layers: 2, Cell: rnn.LSTM, Proj: 3},
			{Vocab: 7, Embed: 4, Hidden: 5, Cell: rnn.GRU},
		} {
			m, err := rnn.NewLM(lc, 3)
			require.NoError(t, err)
			path := filepath.Join(dir, fmt.Sprintf("lm%d.safetensors", i))
			require.NoError(t, m.Save(path, map[string]string{"vocab": "abcdefg"}))
			var meta map[string]string
			back, err := rnn.LoadLM(path, rnn.WithMetadata(&meta))
			require.NoError(t, err)
			require.Equal(t, "abcdefg", meta["vocab"])
			require.Equal(t, m.Params(), back.Params())
			require.Equal(t, m.Net.Config(), back.Net.Config())
			p1, err := m.Next([]int{1, 2, 3})
			require.NoError(t, err)
			p2, err := back.Next([]int{1, 2, 3})
			require.NoError(t, err)
			require.Equal(t, p1, p2)
		}
	})
}

// rewrite copies a torch fixture's tensors through edit and writes the
// result to a temporary file.
func rewrite(t *testing.T, fixture string, meta map[string]string, edit func(map[string]weights.Tensor)) string {
	return torchtest.Rewrite(t, filepath.Join(torchDir, fixture+".safetensors"), meta, edit)
}

// loadErrorCase is a file that Load or LoadLM, with opts, refuses with
// an error wrapping sentinel and containing msg.
type loadErrorCase struct {
	name     string
	path     func(t *testing.T) string
	opts     []rnn.LoadOption
	sentinel error
	msg      string
}

func TestLoadErrors(t *testing.T) {
	fixture := filepath.Join(torchDir, "rnn_bidir_tanh.safetensors")
	orig, err := os.ReadFile(fixture)
	require.NoError(t, err)
	meta := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	del := func(names ...string) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) {
			for _, n := range names {
				delete(ts, n)
			}
		}
	}
	nothing := func(map[string]weights.Tensor) {}
	cases := []loadErrorCase{
		{"truncated", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "t.safetensors")
			require.NoError(t, os.WriteFile(p, orig[:len(orig)-5], 0o644))
			return p
		}, nil, rnn.ErrFormat, "tensors cover"},
		{"garbage", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "g.safetensors")
			require.NoError(t, os.WriteFile(p, []byte("not a model at all"), 0o644))
			return p
		}, nil, rnn.ErrFormat, "header length"},
		{"missing hh", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, del("weight_hh_l1_reverse"))
		}, nil, rnn.ErrMissing, `"weight_hh_l1_reverse" missing`},
		{"missing bias partner", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, del("bias_hh_l0"))
		}, nil, rnn.ErrMissing, `"bias_hh_l0" missing`},
		{"no rnn", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, del("weight_ih_l0"))
		}, nil, rnn.ErrMissing, "weight_ih_l0"},
		{"missing layer per metadata", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, del("weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
				"weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"))
		}, nil, rnn.ErrMissing, `"weight_ih_l1" missing (metadata num_layers=2)`},
		{"missing reverse per metadata", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("bidirectional", "True"), nothing)
		}, nil, rnn.ErrMissing, `"rnn.weight_ih_l0_reverse" missing`},
		{"wrong hh shape", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, func(ts map[string]weights.Tensor) {
				ts["weight_hh_l0"] = weights.Tensor{Name: "weight_hh_l0", Shape: []int{4, 5}, Data: make([]float32, 20)}
			})
		}, nil, rnn.ErrShape, `"weight_hh_l0" [4 5]: 4 rows are not 1, 3 or 4 gates (Elman, GRU, LSTM) of hidden 5`},
		{"wrong layer-1 input", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, func(ts map[string]weights.Tensor) {
				ts["weight_ih_l1"] = weights.Tensor{Name: "weight_ih_l1", Shape: []int{4, 4}, Data: make([]float32, 16)}
			})
		}, nil, rnn.ErrShape, `"weight_ih_l1" has shape [4 4], want [4 8]`},
		{"vector weight", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", nil, func(ts map[string]weights.Tensor) {
				ts["weight_ih_l0"] = weights.Tensor{Name: "weight_ih_l0", Shape: []int{12}, Data: make([]float32, 12)}
			})
		}, nil, rnn.ErrShape, "want 2 dimensions"},
		{"empty weight", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta(), func(ts map[string]weights.Tensor) {
				ts["rnn.weight_ih_l0"] = weights.Tensor{Name: "rnn.weight_ih_l0", Shape: []int{5, 0}}
			})
		}, nil, rnn.ErrShape, "sizes must be positive"},
		{"bias shape", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["rnn.bias_ih_l0"] = weights.Tensor{Name: "rnn.bias_ih_l0", Shape: []int{4}, Data: make([]float32, 4)}
			})
		}, nil, rnn.ErrShape, `"rnn.bias_ih_l0" has shape [4], want [5]`},
		{"head width", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["head.weight"] = weights.Tensor{Name: "head.weight", Shape: []int{2, 4}, Data: make([]float32, 8)}
			})
		}, nil, rnn.ErrShape, `head "head.weight" has shape [2 4]`},
		{"head bias", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["head.bias"] = weights.Tensor{Name: "head.bias", Shape: []int{3}, Data: make([]float32, 3)}
			})
		}, nil, rnn.ErrShape, `"head.bias" has shape [3], want [2] (the head)`},
		{"metadata hidden_size", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("hidden_size", "6"), nothing)
		}, nil, rnn.ErrShape, "metadata hidden_size=6"},
		{"metadata input_size", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("input_size", "2"), nothing)
		}, nil, rnn.ErrShape, "metadata input_size=2"},
		{"metadata nonlinearity", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("nonlinearity", "gelu"), nothing)
		}, nil, rnn.ErrFormat, `nonlinearity="gelu"`},
		{"metadata output_activation", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("output_activation", "tanh"), nothing)
		}, nil, rnn.ErrFormat, `output_activation="tanh"`},
		{"metadata num_layers", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("num_layers", "x"), nothing)
		}, nil, rnn.ErrFormat, "is not an integer ≥ 0"},
		{"metadata fewer layers", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", meta("num_layers", "1"), nothing)
		}, nil, rnn.ErrFormat, "metadata num_layers=1 but the file has 2 layers"},
		{"metadata bias", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("bias", "False"), nothing)
		}, nil, rnn.ErrFormat, "bias=False"},
		{"metadata bias missing", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", meta("bias", "True"), del("rnn.bias_ih_l0", "rnn.bias_hh_l0"))
		}, nil, rnn.ErrMissing, `"rnn.bias_ih_l0" missing`},
		{"metadata bidirectional", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", meta("bidirectional", "no way"), nothing)
		}, nil, rnn.ErrFormat, "is not a boolean"},
		{"metadata batch_first", func(t *testing.T) string {
			return rewrite(t, "rnn_bidir_tanh", meta("batch_first", "maybe"), nothing)
		}, nil, rnn.ErrFormat, `metadata batch_first="maybe" is not a boolean`},
		{"two bias layouts", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["rnn.bias_l0"] = weights.Tensor{Name: "rnn.bias_l0", Shape: []int{5}, Data: make([]float32, 5)}
			})
		}, nil, rnn.ErrFormat, "two bias layouts"},
		{"two rnns", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["other.weight_ih_l0"] = weights.Tensor{Name: "other.weight_ih_l0", Shape: []int{5, 3}, Data: make([]float32, 15)}
			})
		}, nil, rnn.ErrFormat, "several RNNs"},
		{"two heads", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["fc.weight"] = weights.Tensor{Name: "fc.weight", Shape: []int{2, 5}, Data: make([]float32, 10)}
				ts["fc.bias"] = weights.Tensor{Name: "fc.bias", Shape: []int{2}, Data: make([]float32, 2)}
			})
		}, nil, rnn.ErrFormat, "several possible heads"},
		{"stray tensor", func(t *testing.T) string {
			return rewrite(t, "rnn_relu_last", nil, func(ts map[string]weights.Tensor) {
				ts["num_batches_tracked"] = weights.Tensor{Name: "num_batches_tracked", Data: []float32{1}}
			})
		}, nil, rnn.ErrFormat, `"num_batches_tracked" is not part of the model`},
		{"integer weights", func(t *testing.T) string {
			// weight_hh_l0 of a 1×1 network stored as I32.
			hdr := `{"weight_hh_l0":{"dtype":"I32","shape":[1,1],"data_offsets":[4,8]},"weight_ih_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}`
			b := torchtest.RawFile(hdr, make([]byte, 8))
			p := filepath.Join(t.TempDir(), "i.safetensors")
			require.NoError(t, os.WriteFile(p, b, 0o644))
			return p
		}, nil, rnn.ErrFormat, "I32"},
		{"wrong prefix option", func(t *testing.T) string { return fixture }, []rnn.LoadOption{rnn.WithPrefix("rnn.")},
			rnn.ErrMissing, `"rnn.weight_ih_l0" missing`},
		{"wrong head option", func(t *testing.T) string { return fixture }, []rnn.LoadOption{rnn.WithHead("fc")},
			rnn.ErrMissing, `"fc.weight" missing`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			n, err := rnn.Load(path, c.opts...)
			require.Nil(t, n)
			require.ErrorIs(t, err, c.sentinel)
			require.ErrorContains(t, err, c.msg)
			require.Contains(t, err.Error(), path, "the message names the file")
			require.NotContains(t, err.Error(), "\n")
			for _, other := range []error{rnn.ErrFormat, rnn.ErrMissing, rnn.ErrShape} {
				if other != c.sentinel {
					require.NotErrorIs(t, err, other)
				}
			}
			if c.sentinel == rnn.ErrShape {
				require.ErrorIs(t, err, weights.ErrShape)
			}
		})
	}
	_, err = rnn.Load(filepath.Join(t.TempDir(), "absent.safetensors"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadLMErrors(t *testing.T) {
	cases := []loadErrorCase{
		{"no head", func(t *testing.T) string {
			return rewrite(t, "lm", nil, func(ts map[string]weights.Tensor) { delete(ts, "decoder.weight"); delete(ts, "decoder.bias") })
		}, nil, rnn.ErrMissing, "linear head"},
		{"embedding rows", func(t *testing.T) string {
			return rewrite(t, "lm", nil, func(ts map[string]weights.Tensor) {
				ts["embedding.weight"] = weights.Tensor{Name: "embedding.weight", Shape: []int{10, 6}, Data: make([]float32, 60)}
			})
		}, nil, rnn.ErrShape, `"embedding.weight" has shape [10 6], want [11 6]`},
		{"one-hot width", func(t *testing.T) string {
			return rewrite(t, "lm", nil, func(ts map[string]weights.Tensor) { delete(ts, "embedding.weight") })
		}, nil, rnn.ErrShape, "one-hot input"},
		{"bidirectional", func(t *testing.T) string { return filepath.Join(torchDir, "rnn_bidir_tanh.safetensors") },
			nil, rnn.ErrFormat, "cannot be bidirectional"},
		{"two embeddings", func(t *testing.T) string {
			return rewrite(t, "lm", nil, func(ts map[string]weights.Tensor) {
				ts["other.weight"] = weights.Tensor{Name: "other.weight", Shape: []int{11, 6}, Data: make([]float32, 66)}
			})
		}, nil, rnn.ErrFormat, "several possible embeddings"},
		{"embedding option", func(t *testing.T) string { return filepath.Join(torchDir, "lm.safetensors") },
			[]rnn.LoadOption{rnn.WithEmbedding("encoder")}, rnn.ErrMissing, `"encoder.weight" missing`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := rnn.LoadLM(c.path(t), c.opts...)
			require.Nil(t, m)
			require.ErrorIs(t, err, c.sentinel)
			require.ErrorContains(t, err, c.msg)
		})
	}
	// The second embedding can be chosen by name (and the other then is a
	// stray tensor).
	path := rewrite(t, "lm", nil, func(ts map[string]weights.Tensor) {
		ts["other.weight"] = weights.Tensor{Name: "other.weight", Shape: []int{11, 6}, Data: make([]float32, 66)}
	})
	_, err := rnn.LoadLM(path, rnn.WithEmbedding("embedding"))
	require.ErrorIs(t, err, rnn.ErrFormat)
	require.ErrorContains(t, err, `"other.weight" is not part of the model`)
}

// requireLoadError fails t unless err, from a fuzzed file, wraps one of
// the loaders' sentinels and stays on one line.
func requireLoadError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, rnn.ErrFormat) && !errors.Is(err, rnn.ErrMissing) && !errors.Is(err, rnn.ErrShape) {
		t.Fatalf("error wraps no sentinel: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("multi-line error %q", err)
	}
}

// FuzzLoad feeds arbitrary files to Read and ReadLM. They must never
// panic; they either fail with one of the sentinel errors or return a
// model that runs and saves. The file is the header length, the header
// and the buffer, so that the fuzzer mutates the JSON header without
// breaking the length field. Seeds are in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"rnn_relu_last", "rnn_bidir_tanh", "lm"} {
		b, err := os.ReadFile(filepath.Join(torchDir, name+".safetensors"))
		if err != nil {
			f.Fatal(err)
		}
		n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
		f.Add(b[8:8+n], b[8+n:])
	}
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		data := torchtest.RawFile(string(header), buffer)
		check := func(err error) { requireLoadError(t, err) }
		n, err := rnn.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			check(err)
		} else {
			cfg := n.Config()
			xs := kernel.NewMatrix(3, cfg.Input)
			for i := range xs.Data {
				xs.Data[i] = float32(i%7) - 3
			}
			out, err := n.Forward(xs)
			if err != nil || out.Rows != 3 || out.Cols != cfg.OutWidth() {
				t.Fatalf("Forward on a loaded %+v: %v", cfg, err)
			}
			var b bytes.Buffer
			if err := n.Encode(&b, nil); err != nil {
				t.Fatal(err)
			}
			back, err := rnn.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
			if err != nil || back.Config() != cfg {
				t.Fatalf("re-Read: %v", err)
			}
		}
		m, err := rnn.ReadLM(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			check(err)
			return
		}
		if _, err := m.Next([]int{0, m.Vocab() - 1}); err != nil {
			t.Fatalf("Next on a loaded LM: %v", err)
		}
	})
}

// TestLoadHalf loads weights stored as F16 and BF16, converted exactly.
func TestLoadHalf(t *testing.T) {
	// weight_hh = 1 (F16 0x3c00), weight_ih = 1 (BF16 0x3f80).
	b := torchtest.RawFile(`{"weight_hh_l0":{"dtype":"F16","shape":[1,1],"data_offsets":[0,2]},"weight_ih_l0":{"dtype":"BF16","shape":[1,1],"data_offsets":[2,4]}}`,
		[]byte{0, 0x3c, 0x80, 0x3f})
	n, err := rnn.Read(bytes.NewReader(b), int64(len(b)), rnn.WithActivation(rnn.ReLU))
	require.NoError(t, err)
	require.Equal(t, rnn.BiasNone, n.Config().Bias)
	out, err := n.Forward(kernel.MatrixFrom(3, 1, []float32{1, 2, 3}))
	require.NoError(t, err)
	require.Equal(t, []float32{1, 3, 6}, out.Data) // h_t = relu(x_t + h_{t-1})
}
