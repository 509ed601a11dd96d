package rnn_test

import (
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// gradCase is the configuration scripts/rnn_gradcheck.py drew for one
// case, from its io file's metadata.
type gradCase struct {
	Kind                string
	I, H, L, Proj, T, K int
	Bidir, Bias, Last   bool
	Head                int
	HeadAct             string `json:"head_act"`
	Opt                 string
	LR, Momentum, WD    float64
	Clip                float64
	LM, Embed           int // an LM's Vocab and Embed; LM 0 for a Net
}

// TestTorchGradCrossCheck runs the random cases scripts/rnn_gradcheck.py
// wrote into the directory SIMDCORE_RNN_GRADCHECK (skipped without it):
// Loss and BackwardTruncated's gradients of every weight and of the
// input, the weights after three steps of Train, and after three steps
// of the optimiser alone on those gradients, against PyTorch autograd
// and torch.optim, to 1e-5 relative.
func TestTorchGradCrossCheck(t *testing.T) {
	for _, dir := range torchtest.CrossCheckDirs(t, "SIMDCORE_RNN_GRADCHECK", "scripts/rnn_gradcheck.py") {
		t.Run(filepath.Base(dir), func(t *testing.T) { gradCrossCheck(t, dir) })
	}
}

func gradCrossCheck(t *testing.T, dir string) {
	f, get := torchtest.Tensors(t, filepath.Join(dir, "io.safetensors"))
	var c gradCase
	torchtest.CaseConfig(t, f.Metadata(), &c)
	t.Logf("%+v", c)
	cfg := rnn.Config{Input: c.I, Hidden: c.H, Layers: c.L, Proj: c.Proj, Bidirectional: c.Bidir, Output: c.Head, Bias: rnn.BiasNone}
	switch c.Kind {
	case "LSTM":
		cfg.Cell = rnn.LSTM
	case "GRU":
		cfg.Cell = rnn.GRU
	case "RNN_TANH":
		cfg.Activation = rnn.Tanh
	case "RNN_RELU":
		cfg.Activation = rnn.ReLU
	}
	if c.Bias {
		cfg.Bias = rnn.BiasPair
	}
	cfg.OutputActivation = map[string]rnn.Activation{"identity": rnn.Identity, "sigmoid": rnn.Sigmoid, "softmax": rnn.Softmax}[c.HeadAct]
	if c.Head == 0 {
		cfg.OutputActivation = rnn.Default
	}
	newOpt := func() optim.Optimizer {
		if c.Opt == "adam" {
			return optim.NewAdam(float32(c.LR))
		}
		return &optim.SGD{LR: float32(c.LR), Momentum: float32(c.Momentum), WeightDecay: float32(c.WD)}
	}
	if c.LM > 0 {
		lmCrossCheck(t, c, cfg, get, newOpt)
		return
	}
	newNet := func() *rnn.Net {
		n, err := rnn.New(cfg, 1)
		require.NoError(t, err)
		setParams(t, n.Params(), get)
		return n
	}
	n := newNet()
	xt, yt := get("x"), get("y")
	x := kernel.MatrixFrom(xt.Shape[0], xt.Shape[1], xt.Data)
	y := kernel.MatrixFrom(yt.Shape[0], yt.Shape[1], yt.Data)
	var (
		tr  *rnn.Trace
		err error
	)
	if c.Last {
		tr, err = n.TraceLast(x)
	} else {
		tr, err = n.Trace(x)
	}
	require.NoError(t, err)
	d := kernel.NewMatrix(y.Rows, y.Cols)
	J, err := n.Loss(tr, y, d)
	require.NoError(t, err)
	closeTo(t, "loss", []float32{float32(J)}, get("loss").Data)
	grad := n.NewGrad()
	dx, err := n.BackwardTruncated(tr, d, grad, c.K)
	require.NoError(t, err)
	closeTo(t, "∂J/∂x", dx.Data, get("gx").Data)
	requireParams(t, "∂J/∂", grad.Params(), get, "g.")
	// Backward leaves the trace as it was: a second pass gives the same.
	again := n.NewGrad()
	dx2, err := n.BackwardTruncated(tr, d, again, c.K)
	require.NoError(t, err)
	require.Equal(t, dx.Data, dx2.Data, "∂J/∂x of a second Backward")
	require.Equal(t, grad.Params(), again.Params(), "a second Backward")

	// Three steps of Train on this one sample.
	n = newNet()
	opt := newOpt()
	_, err = n.Train([]rnn.Sample{{X: x, Y: y}}, rnn.TrainConfig{Steps: 3, Optimizer: opt, ClipNorm: c.Clip, Truncate: c.K, ManyToOne: c.Last})
	require.NoError(t, err)
	requireParams(t, "trained ", n.Params(), get, "w.")

	// The optimiser alone, three steps on the gradients above held fixed.
	n = newNet()
	stepAlone(n.OptimParams(grad), c.Clip, newOpt())
	requireParams(t, "stepped ", n.Params(), get, "s.")
}

// setParams sets every parameter in ps to the case's "p."+name.
func setParams(t *testing.T, ps []rnn.Param, get func(string) weights.Tensor) {
	for _, p := range ps {
		w := get("p." + p.Name)
		require.Len(t, w.Data, len(p.Data), p.Name)
		copy(p.Data, w.Data)
	}
}

// requireParams compares every parameter in ps with the case's
// prefix+name, naming it what+name.
func requireParams(t *testing.T, what string, ps []rnn.Param, get func(string) weights.Tensor, prefix string) {
	for _, p := range ps {
		closeTo(t, what+p.Name, p.Data, get(prefix+p.Name).Data)
	}
}

// stepAlone takes three steps of opt on params with their gradients held
// fixed, clipping them to a global norm of clip (0: none) before each, as
// the script's "s." weights do.
func stepAlone(params []optim.Param, clip float64, opt optim.Optimizer) {
	for range 3 {
		optim.ClipGlobalNorm(params, clip)
		opt.Step(params)
	}
}

// lmCrossCheck is gradCrossCheck for a language model: LM.LossGrad's
// loss and gradients, three steps of LM.Train on the one window (its
// only offset), and the optimiser alone on the gradients.
func lmCrossCheck(t *testing.T, c gradCase, cfg rnn.Config, get func(string) weights.Tensor, newOpt func() optim.Optimizer) {
	newLM := func() *rnn.LM {
		m, err := rnn.NewLM(rnn.LMConfig{Cell: cfg.Cell, Vocab: c.LM, Embed: c.Embed, Hidden: c.H, Layers: c.L,
			Proj: c.Proj, Activation: cfg.Activation, Bias: cfg.Bias}, 1)
		require.NoError(t, err)
		setParams(t, m.Params(), get)
		return m
	}
	var toks []int
	for _, v := range get("x").Data {
		toks = append(toks, int(v))
	}
	y := get("y")
	for i, v := range y.Data[len(y.Data)-c.LM:] {
		if v == 1 {
			toks = append(toks, i)
		}
	}
	require.Len(t, toks, c.T+1)
	m := newLM()
	grad := m.NewGrad()
	J, err := m.LossGrad(toks, grad, 1, c.K)
	require.NoError(t, err)
	closeTo(t, "loss", []float32{float32(J)}, get("loss").Data)
	requireParams(t, "∂J/∂", grad.Params(), get, "g.")

	m = newLM()
	_, err = m.Train(toks, rnn.LMTrainConfig{Steps: 3, SeqLen: c.T, Optimizer: newOpt(), ClipNorm: c.Clip, Truncate: c.K})
	require.NoError(t, err)
	requireParams(t, "trained ", m.Params(), get, "w.")

	m = newLM()
	stepAlone(m.OptimParams(grad), c.Clip, newOpt())
	requireParams(t, "stepped ", m.Params(), get, "s.")
}
