package vad

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStreamRefusesNegativePad: a Stream whose SpeechPad is negative
// refuses every chunk; it used to report speech starting after the
// samples pushed so far and ending before the stream's first sample.
func TestStreamRefusesNegativePad(t *testing.T) {
	probs := []float32{0, 0.9, 0.9, 0.9, 0, 0, 0, 0, 0, 0, 0}
	d, err := NewDetector(&replayModel{probs: probs}, 16000)
	require.NoError(t, err)
	p := DefaultParams()
	p.SpeechPad = -time.Second
	s := NewStream(d, p)
	for range probs {
		_, ev, ok, err := s.Push(make([]float32, 512))
		require.ErrorContains(t, err, "SpeechPad -1s is negative")
		require.False(t, ok, "event %+v", ev)
	}
}

// FuzzStreamParams pushes chunks of fuzzed probabilities through a
// Stream of any Params (thresholds of any float64, durations of any sign
// and size). Push must not panic; with a negative SpeechPad it refuses
// every chunk, and otherwise events alternate start and end, starting
// within the samples pushed so far and ending at or after sample 0.
func FuzzStreamParams(f *testing.F) {
	f.Add([]byte{0, 230, 230, 230, 0, 0, 0, 0, 0, 230}, false, 0.5, int64(100), int64(30))
	f.Add([]byte{255, 0, 255, 0, 255}, true, 0.1, int64(-5), int64(0))
	f.Add([]byte{200, 200, 0}, false, 0.5, int64(0), int64(-30))
	f.Fuzz(func(t *testing.T, raw []byte, narrow bool, threshold float64, minSilence, pad int64) {
		probs, rate, window := fuzzProbs(raw, narrow)
		d, err := NewDetector(&replayModel{probs: probs}, rate)
		if err != nil {
			t.Fatal(err)
		}
		p := DefaultParams()
		p.Threshold = threshold
		p.MinSilence = time.Duration(minSilence) * time.Millisecond
		p.SpeechPad = time.Duration(pad) * time.Millisecond
		s := NewStream(d, p)
		chunk := make([]float32, window)
		speaking := false
		for i := range probs {
			_, ev, ok, err := s.Push(chunk)
			if p.SpeechPad < 0 {
				if err == nil || ok {
					t.Fatalf("negative SpeechPad %v: chunk %d accepted (event %v %+v)", p.SpeechPad, i, ok, ev)
				}
				continue
			}
			if err != nil {
				t.Fatalf("chunk %d: %v", i, err)
			}
			if !ok {
				continue
			}
			if ev.Start == speaking {
				t.Fatalf("chunk %d: event %+v while speaking=%v", i, ev, speaking)
			}
			speaking = ev.Start
			if ev.Sample < 0 || (ev.Start && ev.Sample > (i+1)*window) {
				t.Fatalf("chunk %d: event %+v outside the stream of %d samples (%+v)", i, ev, (i+1)*window, p)
			}
		}
	})
}
