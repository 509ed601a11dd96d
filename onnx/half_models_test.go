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
const halfFixtures = "../testdata/onnx/fp16"

// halfBounds is each fixture's bound on |ours − ONNX Runtime's|, in units
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
// its outputs with ONNX Runtime's within halfBounds (integer outputs, the
// keyword spotter's ArgMax, exactly); FLOAT16 outputs must be halves, and
// Run must not allocate.
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
			worst := 0.0
			for j, w := range want.Float {
				g := got.Float[j]
				if got.DType == onnx.Float16 {
					require.Equal(t, float32(float16Round(g)), g, "%s %s[%d] is not a half", name, out, j)
				}
				worst = max(worst, math.Abs(float64(g)-float64(w))/halfULP(mag))
			}
			require.LessOrEqual(t, worst, bound, "%s %s: |ours − ONNX Runtime's| in half spacings at %g", name, out, mag)
			t.Logf("%s %s: %.2f half spacings at %.3g", name, out, worst, mag)
		}
		runAllocatesNothing(t, m, set)
	}
}

// float16Round rounds v to binary16 through float64 arithmetic (an
// independent check that an output holds a half: the value with 11
// significant bits, or a multiple of 2^-24).
func float16Round(v float32) float64 {
	f := float64(v)
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	if math.Abs(f) < 0x1p-14 {
		return math.RoundToEven(f*0x1p24) / 0x1p24
	}
	fr, e := math.Frexp(f)
	return math.Ldexp(math.RoundToEven(fr*2048), e-11)
}
