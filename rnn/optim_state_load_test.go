package rnn_test

import (
	"bytes"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// withOptimState returns the file enc holds with tensors under
// optim.StatePrefix added: an Adam moment per model tensor (1-D, as
// checkpoints store them) and, to tempt the loader's search for modules
// and for the RNN's prefix, 2-D ones named like a head, an embedding and
// a second RNN.
func withOptimState(t *testing.T, enc []byte) []byte {
	t.Helper()
	f, err := weights.Read(bytes.NewReader(enc), int64(len(enc)))
	require.NoError(t, err)
	var ts []weights.Tensor
	for _, name := range f.Names() {
		tn, err := f.Tensor(name)
		require.NoError(t, err)
		ts = append(ts, tn, weights.Tensor{Name: optim.AdamFirstMoment + name, Shape: []int{len(tn.Data)}, Data: tn.Data})
	}
	two := []int{2, 3}
	six := make([]float32, 6)
	ts = append(ts,
		weights.Tensor{Name: optim.StatePrefix + "x.weight", Shape: two, Data: six},
		weights.Tensor{Name: optim.StatePrefix + "x.bias", Shape: []int{2}, Data: six[:2]},
		weights.Tensor{Name: optim.StatePrefix + "e.weight", Shape: two, Data: six},
		weights.Tensor{Name: optim.StatePrefix + "rnn.weight_ih_l0", Shape: two, Data: six})
	meta := f.Metadata()
	meta[optim.AdamSteps] = "12"
	var b bytes.Buffer
	require.NoError(t, weights.Write(&b, ts, meta))
	return b.Bytes()
}

// TestLoadIgnoresOptimiserState: a training checkpoint, a model with an
// optimiser's state beside it, loads as the model alone, with Read and
// with ReadLM. (Before, every such tensor was "not part of the model",
// or a second RNN or head.)
func TestLoadIgnoresOptimiserState(t *testing.T) {
	lm, err := rnn.NewLM(rnn.LMConfig{Vocab: 7, Embed: 3, Hidden: 5, Layers: 2}, 1)
	require.NoError(t, err)
	var enc bytes.Buffer
	require.NoError(t, lm.Encode(&enc, nil))
	ckpt := withOptimState(t, enc.Bytes())
	got, err := rnn.ReadLM(bytes.NewReader(ckpt), int64(len(ckpt)))
	require.NoError(t, err)
	require.Equal(t, lm.Params(), got.Params())

	net, err := rnn.New(rnn.Config{Input: 3, Hidden: 4, Output: 2, Bias: rnn.BiasSingle}, 2)
	require.NoError(t, err)
	enc.Reset()
	require.NoError(t, net.Encode(&enc, nil))
	ckpt = withOptimState(t, enc.Bytes())
	gotNet, err := rnn.Read(bytes.NewReader(ckpt), int64(len(ckpt)))
	require.NoError(t, err)
	require.Equal(t, net.Params(), gotNet.Params())
	require.Equal(t, net.Config(), gotNet.Config())
}
