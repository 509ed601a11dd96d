package onnx_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/onnx"
	"github.com/simdcore/simdcore/rnn"
)

// The models torch.onnx.export (opset 14, 17 for transformer_encoder) makes
// of nn.LSTM, nn.GRU, nn.RNN, nn.Linear, nn.MultiheadAttention,
// nn.TransformerEncoder, nn.TransformerDecoderLayer, nn.TransformerDecoder,
// nn.Transformer and Conv1d/Conv2d stacks, with torch's inputs and outputs, made by
// scripts/export_torch_onnx.py.
const torchFixtures = "../testdata/onnx/torch"

// torchTransformers are the opset-14 transformer exports (tf_*): encoder
// stacks, decoder layers, decoder stacks and whole nn.Transformer models,
// post- and pre-norm, relu, gelu and gelu with the tanh approximation,
// causal masks made in the graph (Trilu, or torch's
// generate_square_subsequent_mask) or given as float or bool inputs, key
// padding masks as bool inputs, batch-first and sequence-first, batch 1
// to 3, T up to 64. Their outputs are a float64 run of the float32
// weights, rounded once.
var torchTransformers = []string{
	"tf_enc_post_relu_causal", "tf_enc_pre_gelu_causal", "tf_enc_post_gelu_tanh", "tf_enc_pre_gelu_tanh_t64",
	"tf_enc_seqfirst_boolmask",
	"tf_dec_layer_post_relu", "tf_dec_layer_pre_gelu", "tf_dec_post_gelu", "tf_dec_pre_relu", "tf_dec_pre_gelu_tanh",
	"tf_dec_t64_ingraph", "tf_transformer_post_relu", "tf_transformer_pre_gelu_tanh",
}

// torchOperatorModels are exports with symbolic sizes (dynamic_axes) and
// the operators they bring: learned, sinusoidal and rotary positions
// (Range, ScatterND, Sin, Cos, Einsum), a Conformer convolution module,
// a dilated TCN (ReduceProd in std), a convolutional-recurrent keyword
// spotter, an upsampling decoder block (ConvTranspose,
// InstanceNormalization, ReduceL2, CumSum), TopK and Resize, a masked mean
// with IsNaN and IsInf (of a Cast to DOUBLE), Einsum over heads, and
// torch's activations (Celu among them). Their outputs are the float64
// answer for the float32 weights, rounded once (torch's own float32 run
// is up to 1e-6 off on the cumulative sum).
var torchOperatorModels = []string{
	"dyn_learned_position_lm", "dyn_sinusoidal_encoder", "dyn_rotary_attention", "dyn_conformer_conv",
	"dyn_dilated_tcn", "dyn_keyword_crnn", "upsampler", "selections", "masked_mean", "head_mixing", "activations",
}

// torchLoopModels are torch.jit.script'ed modules with loops
// (scripts/export_torch_loops.py, opsets 13 to 17): a for loop carrying
// tensors (Loop planned once), a while loop with a data-dependent
// condition, a list built in a loop and stacked, and one of slices of
// growing width concatenated (Loop with a carried sequence, unrolled),
// and repeat_interleave with a tensor of repeats, which torch 1.13 writes
// with Split, Expand and Concat when scripted, and when traced with
// dynamic sizes (_dyn) as a Loop over SplitToSequence's pieces that
// builds a sequence, its SequenceAt at the iteration number over pieces
// of different shapes (unrolled). The repeats are fixed while planning,
// as the output's shape depends on them. Their outputs are torch's.
var torchLoopModels = []string{
	"loop_for_accum", "loop_while_halve", "loop_list_stack", "loop_list_cat", "loop_repeat_interleave",
	"loop_repeat_interleave_dyn",
}

// torchOptionalModels are torch.jit.script'ed modules with Optional[Tensor]
// values (scripts/export_torch_optional.py, opset 16): an optional
// argument (a graph input that holds a tensor in one data set and nothing
// in the other) and a local optional set in one branch of an if (an If
// whose branches give a full and an empty optional, the condition known
// only at run time). Their outputs are torch's.
var torchOptionalModels = []string{"optional_arg", "optional_local"}

// The tolerance against torch: 1e-5 relative, and 1e-6 absolute for
// values near zero.
const torchRTol, torchATol = 1e-5, 1e-6

// TestTorchExports runs every exported model on torch's inputs and compares
// each output with torch's, and checks that Run allocates nothing.
func TestTorchExports(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(torchFixtures, "*"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(dirs), 12+len(torchTransformers)+len(torchOperatorModels)+len(torchLoopModels)+len(torchOptionalModels),
		"the fixtures of scripts/export_torch_onnx.py, scripts/export_torch_loops.py and scripts/export_torch_optional.py")
	for _, name := range slices.Concat(torchTransformers, torchOperatorModels, torchLoopModels, torchOptionalModels) {
		require.Contains(t, dirs, filepath.Join(torchFixtures, name))
	}
	for _, dir := range dirs {
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err, dir)
		set := filepath.Join(dir, "test_data_set_0")
		checks, err := onnx.CheckDataSet(m, set, torchRTol, torchATol)
		require.NoError(t, err, dir)
		require.NotEmpty(t, checks)
		for _, c := range checks {
			require.True(t, c.Diff.OK(), "%s: output %s: %d mismatches, max |diff| %g (at %d) %v",
				filepath.Base(dir), c.Name, c.Diff.Mismatches, c.Diff.MaxAbs, c.Diff.Worst, c.Diff.Err)
		}
		runAllocatesNothing(t, m, set)
	}
}

// TestTorchOptional runs the optional fixtures on every data set (an
// optional input given and not; an If's optional full and empty) against
// torch's outputs, and checks that Run allocates nothing.
func TestTorchOptional(t *testing.T) {
	for _, name := range torchOptionalModels {
		dir := filepath.Join(torchFixtures, name)
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err, dir)
		sets, err := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
		require.NoError(t, err)
		require.Len(t, sets, 2, dir)
		for _, set := range sets {
			checks, err := onnx.CheckDataSet(m, set, torchRTol, torchATol)
			require.NoError(t, err, set)
			require.NotEmpty(t, checks)
			for _, c := range checks {
				require.True(t, c.Diff.OK(), "%s: output %s: %d mismatches, max |diff| %g (at %d) %v",
					set, c.Name, c.Diff.Mismatches, c.Diff.MaxAbs, c.Diff.Worst, c.Diff.Err)
			}
			runAllocatesNothing(t, m, set)
		}
	}
}

// torchRecurrent describes how to run a recurrent fixture with package rnn
// directly, on the state_dict the script saved beside it.
type torchRecurrent struct {
	name   string
	cfg    rnn.Config
	states int  // initial states given as inputs: 0 (zeros), 1 (h) or 2 (h, c)
	batchF bool // batch_first
}

// TestTorchRecurrentMatchesRNN runs each recurrent fixture through package
// rnn directly (ForwardInto on torch's weights, loaded by name into
// Net.Params) and requires the runner's outputs to match it, and torch's.
func TestTorchRecurrentMatchesRNN(t *testing.T) {
	for _, tc := range []torchRecurrent{
		{"lstm_stream", rnn.Config{Cell: rnn.LSTM, Input: 32, Hidden: 64, Bias: rnn.BiasPair}, 2, false},
		{"lstm_2layer", rnn.Config{Cell: rnn.LSTM, Input: 16, Hidden: 24, Layers: 2, Bias: rnn.BiasPair}, 0, false},
		{"lstm_bidi_batch", rnn.Config{Cell: rnn.LSTM, Input: 5, Hidden: 6, Bidirectional: true, Bias: rnn.BiasPair}, 2, true},
		{"gru", rnn.Config{Cell: rnn.GRU, Input: 6, Hidden: 10, Layers: 2, Bias: rnn.BiasPair}, 1, false},
		{"gru_bidi", rnn.Config{Cell: rnn.GRU, Input: 4, Hidden: 5, Bidirectional: true, Bias: rnn.BiasPair}, 1, false},
		{"rnn_relu_bidi", rnn.Config{Cell: rnn.Elman, Input: 4, Hidden: 8, Bidirectional: true, Activation: rnn.ReLU, Bias: rnn.BiasPair}, 1, false},
		{"rnn_tanh", rnn.Config{Cell: rnn.Elman, Input: 3, Hidden: 7, Layers: 2, Bias: rnn.BiasPair}, 1, false},
	} {
		dir := filepath.Join(torchFixtures, tc.name)
		net := torchNet(t, dir, tc.cfg)
		ins, outs := dataSet(t, filepath.Join(dir, "test_data_set_0"))
		x := ins[0]
		T, B := x.Dims[0], x.Dims[1]
		if tc.batchF {
			T, B = B, T
		}
		// rnn wants sequence-major rows (b·T+t); torch's batch_first is.
		xs := kernel.NewMatrix(B*T, tc.cfg.Input)
		for b := 0; b < B; b++ {
			for s := 0; s < T; s++ {
				src := (s*B + b) * tc.cfg.Input
				if tc.batchF {
					src = (b*T + s) * tc.cfg.Input
				}
				copy(xs.Row(b*T+s), x.Float[src:src+tc.cfg.Input])
			}
		}
		var init *rnn.States
		if tc.states > 0 {
			init = net.NewBatchStates(B)
			copy(init.H.Data, ins[1].Float) // torch's h0 is [Layers·Dirs, B, H]: NewBatchStates' layout
			if tc.states > 1 {
				copy(init.C.Data, ins[2].Float)
			}
		}
		ws, err := net.NewWorkspace(B, T)
		require.NoError(t, err)
		W := net.Config().Width()
		y, final := kernel.NewMatrix(B*T, W), net.NewBatchStates(B)
		require.NoError(t, net.ForwardInto(ws, y, xs, init, final))

		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err)
		s, err := onnx.LoadDataSet(m, filepath.Join(dir, "test_data_set_0"))
		require.NoError(t, err)
		require.NoError(t, s.Run())
		got := s.Output(m.Graph.Outputs[0].Name)
		for b := 0; b < B; b++ {
			for st := 0; st < T; st++ {
				off := (st*B + b) * W
				if tc.batchF {
					off = (b*T + st) * W
				}
				for j := 0; j < W; j++ {
					direct, runner, torch := y.At(b*T+st, j), got.Float[off+j], outs[0].Float[off+j]
					require.InDelta(t, direct, runner, torchATol+torchRTol*abs32(direct), "%s y[b=%d t=%d %d]: rnn %v, runner %v", tc.name, b, st, j, direct, runner)
					require.InDelta(t, torch, runner, torchATol+torchRTol*abs32(torch), "%s y[b=%d t=%d %d]: torch %v, runner %v", tc.name, b, st, j, torch, runner)
				}
			}
		}
		hn := s.Output(m.Graph.Outputs[1].Name)
		for i, v := range final.H.Data {
			require.InDelta(t, v, hn.Float[i], torchATol+torchRTol*abs32(v), "%s h_n[%d]", tc.name, i)
		}
		if final.C.Rows > 0 {
			cn := s.Output(m.Graph.Outputs[2].Name)
			for i, v := range final.C.Data {
				require.InDelta(t, v, cn.Float[i], torchATol+torchRTol*abs32(v), "%s c_n[%d]", tc.name, i)
			}
		}
	}
}

func abs32(v float32) float64 {
	if v < 0 {
		return -float64(v)
	}
	return float64(v)
}

// torchNet builds an rnn.Net of cfg and fills it with the state_dict saved
// in dir/torch (one TensorProto per parameter, named as torch names it).
func torchNet(t testing.TB, dir string, cfg rnn.Config) *rnn.Net {
	net, err := rnn.New(cfg, 1)
	require.NoError(t, err)
	for _, p := range net.Params() {
		w, err := onnx.ReadTensorFile(filepath.Join(dir, "torch", p.Name+".pb"))
		require.NoError(t, err, p.Name)
		require.Len(t, w.Float, len(p.Data), p.Name)
		copy(p.Data, w.Float)
	}
	files, err := os.ReadDir(filepath.Join(dir, "torch"))
	require.NoError(t, err)
	require.Len(t, files, len(net.Params()), "%s: every saved parameter is used", dir)
	return net
}

// dataSet reads a data set's inputs and outputs.
func dataSet(t testing.TB, set string) (ins, outs []*onnx.Tensor) {
	for _, kind := range []string{"input", "output"} {
		files, err := filepath.Glob(filepath.Join(set, kind+"_*.pb"))
		require.NoError(t, err)
		for i := range files {
			tt, err := onnx.ReadTensorFile(filepath.Join(set, kind+"_"+string(rune('0'+i))+".pb"))
			require.NoError(t, err)
			if kind == "input" {
				ins = append(ins, tt)
			} else {
				outs = append(outs, tt)
			}
		}
	}
	return ins, outs
}

// TestTorchExportsAfterLevelChange: a session planned at the native level
// and run after kernel.SetLevel switched to another level still matches
// torch on every fixture (packed weights repacked or not used, scratch
// sized for the new level), and again after switching back.
func TestTorchExportsAfterLevelChange(t *testing.T) {
	levels := kernel.Available()
	if len(levels) < 2 {
		t.Skip("one kernel level on this machine")
	}
	dirs, err := filepath.Glob(filepath.Join(torchFixtures, "*"))
	require.NoError(t, err)
	for _, dir := range dirs {
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err, dir)
		set := filepath.Join(dir, "test_data_set_0")
		s, err := onnx.LoadDataSet(m, set)
		require.NoError(t, err, dir)
		for _, l := range append(levels, kernel.Active()) {
			restore, err := kernel.SetLevel(l)
			require.NoError(t, err)
			err = s.Run()
			restore()
			require.NoError(t, err, "%s at %v", dir, l)
			for i, o := range m.Graph.Outputs {
				want, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
				require.NoError(t, err)
				d := onnx.Compare(s.Output(o.Name), want, torchRTol, torchATol)
				require.True(t, d.OK(), "%s at %v: output %s: %d mismatches, max |diff| %g %v",
					filepath.Base(dir), l, o.Name, d.Mismatches, d.MaxAbs, d.Err)
			}
		}
	}
}
