package vad

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/vadtest"
)

// BenchmarkSpeechTimestamps segments an hour of 16 kHz probabilities
// (ONNX Runtime's for the 64 s long recording, repeated).
func BenchmarkSpeechTimestamps(b *testing.B) {
	var o ortFixture
	readJSON(b, "../testdata/vad/ort_long16k.json", &o)
	base := float32s(o.Models["v5"].Probs)
	probs := make([]float32, 3600*16000/512)
	for i := range probs {
		probs[i] = base[i%len(base)]
	}
	b.ReportAllocs()
	for b.Loop() {
		segs, err := SpeechTimestamps(probs, len(probs)*512, 16000, DefaultParams())
		if err != nil || len(segs) == 0 {
			b.Fatal(err, len(segs))
		}
	}
}

// BenchmarkReadWAV decodes ten minutes of 16 kHz float32 audio from
// memory; bytes/s is the file's rate.
func BenchmarkReadWAV(b *testing.B) {
	a, err := ReadWAVFile("../testdata/vad/speech16k.wav")
	require.NoError(b, err)
	var file bytes.Buffer
	require.NoError(b, vadtest.WriteFloat32WAV(&file, vadtest.Long(a.Samples, 600*16000), 16000))
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadWAV(bytes.NewReader(file.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDetectorOverhead is Process with a model that does nothing:
// the detector's own cost per chunk (context copy, padding, the call).
func BenchmarkDetectorOverhead(b *testing.B) {
	d, err := NewDetector(idle{}, 16000)
	require.NoError(b, err)
	chunk := noise(512, 2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Process(chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// idle is a Model that returns 0 and keeps nothing.
type idle struct{}

func (idle) Context(int) int                       { return 64 }
func (idle) ResetState()                           {}
func (idle) Infer([]float32, int) (float32, error) { return 0, nil }
