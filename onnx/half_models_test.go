package onnx_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// halfFixtures are float32 exports of testdata/onnx/torch (a convolutional
// keyword spotter, a GRU, a bidirectional LSTM, transformer encoder
// layers, an MLP) converted to FLOAT16 by scripts/fp16_crosscheck/convert.py,
// with ONNX Runtime 1.31's outputs on them: the io16 models take and give
// FLOAT16, the io32 ones keep FLOAT inputs and outputs with Casts inside.
// test_data_set_0 holds ONNX Runtime's outputs for the whole graph in one
// session, ort_nodewise its outputs when it runs one node per session, so
// that every value between nodes is rounded to its type as here.
const halfFixtures = "../testdata/onnx/fp16"

// halfBounds is each fixture's bound on |ours − ONNX Runtime's whole-graph
// outputs|, in units
// of the binary16 spacing at the output's largest magnitude (halfULP of
// max |want|). Both sides compute each node in float32, but ONNX Runtime
// keeps a value in float32 between nodes it runs in float32 (it drops the
// Casts to and from half that it inserted between them; at the io32
// outputs even the last one), where every FLOAT16 value here is rounded to
// half, as the graph's types say: a rounding ONNX Runtime skips moves a
// value by up to half a spacing of its own magnitude, and the model
// carries that on. Measured: at most one spacing (0.5 to 1 on the
// recurrent, convolutional, MLP and LayerNormalization models, 0 on the
// LSTM); two on tf_enc_post_relu_causal, whose layer norms are torch's
// nine-node chain, each node rounded to half here, one float32 kernel in
// ONNX Runtime (SimplifiedLayerNormalization). The same at the generic
// level and on arm64 (NEON).
var halfBounds = map[string]float64{
	"kws_cnn_io16": 1, "kws_cnn_io32": 1, "gru_io16": 1, "gru_io32": 1, "lstm_bidi_batch_io16": 0,
	"mlp_io16": 1, "mlp_io32": 1, "transformer_encoder_io16": 1, "transformer_encoder_io32": 1,
	"tf_enc_post_relu_causal_io16": 2,
}

// halfULP is the spacing of binary16 values at magnitude v (2^-24 below
// 2^-14, among the subnormals).
func halfULP(v float64) float64 {
	if v < 0x1p-14 {
		return 0x1p-24
	}
	_, e := math.Frexp(v) // v = f·2^e, f in [0.5, 1)
	return math.Ldexp(1, e-11)
}

// TestHalfModelsMatchONNXRuntime runs each FLOAT16 fixture and compares
// its outputs with ONNX Runtime's run node by node, each within one
// rounding of the half at its own magnitude (halfULP(|want|): the float32
// result of a node here and in ONNX Runtime may fall on either side of a
// rounding boundary; measured: bit for bit but one or two elements of
// the GRU's y, at every kernel level), and with ONNX Runtime's whole-graph run
// within halfBounds; integer outputs (the keyword spotter's ArgMax) are
// equal. FLOAT16 outputs must be halves, and Run must not allocate.
func TestHalfModelsMatchONNXRuntime(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(halfFixtures, "*"))
	require.NoError(t, err)
	require.Len(t, dirs, len(halfBounds), "the fixtures of scripts/fp16_crosscheck/convert.py")
	for _, dir := range dirs {
		name := filepath.Base(dir)
		bound, ok := halfBounds[name]
		require.True(t, ok, name)
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err, name)
		set := filepath.Join(dir, "test_data_set_0")
		s, err := onnx.LoadDataSet(m, set)
		require.NoError(t, err, name)
		require.NoError(t, s.Run(), name)
		_, outs := dataSet(t, set)
		require.Len(t, outs, len(m.Graph.Outputs))
		_, nodewise := dataSet(t, filepath.Join(dir, "ort_nodewise"))
		require.Len(t, nodewise, len(outs))
		for i, want := range outs {
			out := m.Graph.Outputs[i].Name
			got := s.Output(out)
			require.Equal(t, want.DType, got.DType, "%s %s", name, out)
			require.Equal(t, want.Dims, got.Dims, "%s %s", name, out)
			require.Equal(t, want.Int, got.Int, "%s %s", name, out)
			mag := 0.0
			for _, w := range want.Float {
				mag = max(mag, math.Abs(float64(w)))
			}
			require.Equal(t, nodewise[i].Int, got.Int, "%s %s", name, out)
			worst, flips := 0.0, 0
			for j, w := range want.Float {
				g, nw := got.Float[j], float64(nodewise[i].Float[j])
				if d := math.Abs(float64(g) - nw); d > 0 {
					require.LessOrEqual(t, d, halfULP(math.Abs(nw)), "%s %s[%d]: %g, nodewise ONNX Runtime %g", name, out, j, g, nw)
					flips++
				}
				if got.DType == onnx.Float16 {
					require.Equal(t, float32(float16Round(g)), g, "%s %s[%d] is not a half", name, out, j)
				}
				worst = max(worst, math.Abs(float64(g)-float64(w))/halfULP(mag))
			}
			require.LessOrEqual(t, worst, bound, "%s %s: |ours − ONNX Runtime's| in half spacings at %g", name, out, mag)
			t.Logf("%s %s: %d of %d differ from node by node; %.2f half spacings at %.3g from the whole graph", name, out, flips, len(want.Float), worst, mag)
		}
		runAllocatesNothing(t, m, set)
	}
}

// float16Round rounds v to binary16 through float64 arithmetic (an
// independent check that an output holds a half: the value with 11
// significant bits, or a multiple of 2^-24; from 65520 on, Inf).
func float16Round(v float32) float64 {
	f := float64(v)
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	if math.Abs(f) >= 65520 {
		return math.Copysign(math.Inf(1), f)
	}
	if math.Abs(f) < 0x1p-14 {
		return math.RoundToEven(f*0x1p24) / 0x1p24
	}
	fr, e := math.Frexp(f)
	return math.Ldexp(math.RoundToEven(fr*2048), e-11)
}
