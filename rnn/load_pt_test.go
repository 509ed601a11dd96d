package rnn_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// requireSameBits fails t unless got and want hold the same float32 bits.
func requireSameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// requireSameParams fails t unless two models hold the same parameters,
// bit for bit.
func requireSameParams(t *testing.T, got, want []rnn.Param) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].Name, got[i].Name)
		require.Equal(t, [2]int{want[i].Rows, want[i].Cols}, [2]int{got[i].Rows, got[i].Cols}, want[i].Name)
		requireSameBits(t, want[i].Name, got[i].Data, want[i].Data)
	}
}

// TestLoadTorchCheckpoint loads the torch.save checkpoints
// (scripts/torch_pt_fixtures.py) of an Elman RNN, a GRU whose tensors are
// nn.Parameters, an LSTM with projections, a float16 LSTM and an LSTM whose
// tensors share one storage (one of them a transposed view), with Load and
// Read: each gives the network the safetensors fixture of the same weights
// gives, bit for bit, weights and outputs, and that output is torch's.
func TestLoadTorchCheckpoint(t *testing.T) {
	for pt, st := range map[string]string{
		"rnn_bidir_tanh": "rnn_bidir_tanh", "gru_bidir": "gru_bidir", "lstm_proj": "lstm_proj",
		"lstm_f16": "lstm_f16", "lstm_stacked_views": "lstm_stacked",
	} {
		t.Run(pt, func(t *testing.T) {
			want, err := rnn.Load(filepath.Join(torchDir, st+".safetensors"))
			require.NoError(t, err)
			path := filepath.Join(torchDir, pt+".pt")
			got, err := rnn.Load(path)
			require.NoError(t, err)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			read, err := rnn.Read(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			for _, n := range []*rnn.Net{got, read} {
				// The metadata's batch_first aside, which Load does not
				// keep, the configuration follows from the shapes alone.
				require.Equal(t, want.Config(), n.Config())
				requireSameParams(t, n.Params(), want.Params())
			}
			io := torchIO(t, st)
			in, out := tensor(t, io, "input"), tensor(t, io, "output")
			if io.Has("output_zero") { // the gated fixtures': from torch's zero state
				out = tensor(t, io, "output_zero")
			}
			xs := kernel.MatrixFrom(in.Shape[0], in.Shape[1], in.Data)
			wantOut, err := want.Forward(xs)
			require.NoError(t, err)
			gotOut, err := got.Forward(xs)
			require.NoError(t, err)
			requireSameBits(t, "output", gotOut.Data, wantOut.Data)
			torchtest.RequireClose(t, "output", gotOut.Data, out.Data)
		})
	}
}

// TestLoadLMTorchCheckpoint loads the language model fixture from a
// torch.save checkpoint of a plain dict: the same model, and the same
// logits, as from safetensors.
func TestLoadLMTorchCheckpoint(t *testing.T) {
	want, err := rnn.LoadLM(filepath.Join(torchDir, "lm.safetensors"))
	require.NoError(t, err)
	got, err := rnn.LoadLM(filepath.Join(torchDir, "lm.pt"))
	require.NoError(t, err)
	requireSameParams(t, got.Params(), want.Params())
	io := torchIO(t, "lm")
	toks := tensor(t, io, "tokens")
	seq := make([]int, len(toks.Data))
	for i, v := range toks.Data {
		seq[i] = int(v)
	}
	wl, err := want.Next(seq)
	require.NoError(t, err)
	gl, err := got.Next(seq)
	require.NoError(t, err)
	requireSameBits(t, "next", gl, wl)
}
