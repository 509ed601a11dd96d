package vad

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/vadtest"
)

// ortRecording returns the recording an ONNX Runtime fixture was made
// from: a committed WAV file, or the long one that internal/vadtest makes.
func ortRecording(t testing.TB, o *ortFixture) *Audio {
	if o.WAV == "long16k.wav" {
		a, err := ReadWAVFile("../testdata/vad/speech16k.wav")
		require.NoError(t, err)
		return &Audio{SampleRate: a.SampleRate, Channels: 1, Samples: vadtest.Long(a.Samples, 64*a.SampleRate)}
	}
	a, err := ReadWAVFile(filepath.Join("../testdata/vad", o.WAV))
	require.NoError(t, err)
	return a
}

// TestORTFixturesFitRecordings checks what the ONNX Runtime fixtures
// claim against the recordings they come from: one probability per chunk
// of each, the models' chunk and context sizes, probabilities in [0, 1],
// and speech found in all of them (more than 60 s of audio at 16 kHz in
// all, as the parity target asks).
func TestORTFixturesFitRecordings(t *testing.T) {
	seconds16k := 0.0
	for _, file := range []string{"ort_speech16k.json", "ort_speech8k.json", "ort_long16k.json"} {
		var o ortFixture
		readJSON(t, filepath.Join("../testdata/vad", file), &o)
		a := ortRecording(t, &o)
		require.Equal(t, o.SampleRate, a.SampleRate, file)
		chunk, err := ChunkSize(a.SampleRate)
		require.NoError(t, err)
		require.Equal(t, (len(a.Samples)+chunk-1)/chunk, o.Chunks, file)
		require.Len(t, o.Models, 3, file)
		for kind, m := range o.Models {
			name := fmt.Sprintf("%s %s", file, kind)
			require.Equal(t, chunk, m.Chunk, name)
			wantCtx := map[int]int{16000: 64, 8000: 32}[a.SampleRate]
			if kind == "legacy" {
				wantCtx = 0
			}
			require.Equal(t, wantCtx, m.Context, name)
			require.Len(t, m.Probs, o.Chunks, name)
			for i, p := range m.Probs {
				require.True(t, p >= 0 && p <= 1, "%s chunk %d: %g", name, i, p)
			}
			segs, err := SpeechTimestamps(float32s(m.Probs), len(a.Samples), a.SampleRate, DefaultParams())
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(segs), 5, name)
		}
		if a.SampleRate == 16000 {
			seconds16k += a.Duration()
		}
	}
	require.GreaterOrEqual(t, seconds16k, 60.0)
}
