package vad

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// only16kFromV5 returns silero_vad_v5.onnx made 16 kHz-only the way
// upstream's 16 kHz exports are: sr is no longer an input the caller
// gives (here an initializer holding 16000), so the graph's inputs are
// input and state alone.
func only16kFromV5(t *testing.T) *onnx.Model {
	t.Helper()
	m, err := onnx.ReadFile(filepath.Join("../testdata/silero", "silero_vad_v5.onnx"))
	require.NoError(t, err)
	m.Graph.Initializers = append(m.Graph.Initializers, &onnx.Tensor{Name: "sr", DType: onnx.Int64, Int: []int64{16000}})
	return m
}

// TestSilero16kOnly: a model without an sr input takes 16 kHz alone, and
// there gives the probabilities of the same graph with sr = 16000 given,
// bit for bit (over the 27.3 s test recording, or its first 5 s under
// -short); 8 kHz is refused by NewDetector and by Infer, before
// anything runs.
func TestSilero16kOnly(t *testing.T) {
	m, err := newSilero(only16kFromV5(t))
	require.NoError(t, err)
	require.Equal(t, []int{16000}, m.SampleRates())
	require.False(t, m.Legacy())
	require.Equal(t, 64, m.Context(16000))

	_, err = NewDetector(m, 8000)
	require.ErrorContains(t, err, "the model takes [16000] Hz, not 8000 Hz")
	_, err = m.Infer(make([]float32, 32+256), 8000)
	require.ErrorContains(t, err, "takes 16000 Hz only")

	audio, err := ReadWAVFile("../testdata/vad/speech16k.wav")
	require.NoError(t, err)
	if testing.Short() { // under qemu in CI: its first 5 s
		audio.Samples = audio.Samples[:5*16000]
	}
	d, err := NewDetector(m, 16000)
	require.NoError(t, err)
	got, err := d.Probabilities(audio.Samples, nil)
	require.NoError(t, err)
	v5 := loadSilero(t, "v5")
	require.Equal(t, []int{16000, 8000}, v5.SampleRates())
	dv5, err := NewDetector(v5, 16000)
	require.NoError(t, err)
	want, err := dv5.Probabilities(audio.Samples, nil)
	require.NoError(t, err)
	require.Equal(t, want, got)

	other, err := m.NewStream()
	require.NoError(t, err)
	require.Equal(t, []int{16000}, other.SampleRates())
}

// TestSilero16kExportsMatchONNXRuntime runs upstream's 16 kHz-only
// exports (silero_vad_half.onnx, silero_vad_openvino_16k.onnx from the
// silero-vad repository's src/silero_vad/data, not committed here) when
// SIMDCORE_SILERO_16K names a directory holding them and ort16k.json,
// written there by
//
//	node bench/peers/ort_vad.mjs -models DIR -kinds half,openvino_16k \
//	    -fixture DIR/ort16k.json testdata/vad/speech16k.wav
func TestSilero16kExportsMatchONNXRuntime(t *testing.T) {
	dir := os.Getenv("SIMDCORE_SILERO_16K")
	if dir == "" {
		t.Skip("SIMDCORE_SILERO_16K is not set")
	}
	var o ortFixture
	readJSON(t, filepath.Join(dir, "ort16k.json"), &o)
	audio, err := ReadWAVFile(filepath.Join("../testdata/vad", o.WAV))
	require.NoError(t, err)
	require.NotEmpty(t, o.Models)
	for kind := range o.Models {
		t.Run(kind, func(t *testing.T) {
			m, err := Load(filepath.Join(dir, "silero_vad_"+kind+".onnx"))
			require.NoError(t, err)
			require.Equal(t, []int{16000}, m.SampleRates(), strings.ToUpper(kind))
			requireMatchesORT(t, m, audio, o, kind)
		})
	}
}
