package vad

import (
	"testing"
	"time"
)

// FuzzSpeechTimestampsParams is FuzzSpeechTimestamps with parameters as
// a caller may pass them unchecked: thresholds of any float64 (NaN,
// infinities, outside [0, 1]) and durations of any sign and size. The
// segments must still be in order, disjoint, non-empty and within the
// recording, and SpeechTimestamps must not panic.
func FuzzSpeechTimestampsParams(f *testing.F) {
	f.Add([]byte{10, 200, 200, 200, 30, 30, 30, 30, 200}, false, 0.5, 0.0, int64(250), int64(0), int64(100), int64(30), int64(98), false)
	f.Add([]byte{255, 255, 0, 255, 255, 255, 0, 0, 0, 255}, true, 0.4, 0.6, int64(-250), int64(1), int64(-100), int64(-30), int64(-98), true)
	f.Fuzz(func(t *testing.T, raw []byte, narrow bool, threshold, neg float64,
		minSpeech, maxSpeech, minSilence, pad, minSilAtMax int64, last bool) {
		probs, rate, window := fuzzProbs(raw, narrow)
		length := len(probs) * window
		ms := func(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
		p := Params{Threshold: threshold, NegThreshold: neg, MinSpeech: ms(minSpeech), MaxSpeech: ms(maxSpeech),
			MinSilence: ms(minSilence), SpeechPad: ms(pad), MinSilenceAtMaxSpeech: ms(minSilAtMax), LastSilenceAtMaxSpeech: last}
		segs, err := SpeechTimestamps(probs, length, rate, p)
		if err != nil {
			t.Fatalf("SpeechTimestamps: %v", err)
		}
		prevEnd := 0
		for i, s := range segs {
			if !(0 <= s.Start && s.Start < s.End && s.End <= length) || prevEnd > s.Start {
				t.Fatalf("segment %d %v of %d samples, after one ending at %d (%+v)", i, s, length, prevEnd, p)
			}
			prevEnd = s.End
		}
	})
}
