package vad

import (
	"math"
	"testing"
)

// FuzzResample converts a few samples between any two rates (a WAV
// file's rate comes from outside), in one piece and as a stream cut where
// the fuzzer says. Rates outside 1..MaxResampleRate must be refused by
// both; otherwise Resample gives ⌈n·to/from⌉ samples and the Resampler's
// Write and Flush give the same ones, bit for bit. Neither may panic.
// The input is cut so that the output stays under 2^16 samples.
func FuzzResample(f *testing.F) {
	f.Add(int64(44100), int64(16000), []byte{1, 2, 3, 250, 0, 7}, uint8(2))
	f.Add(int64(8000), int64(16000), []byte{0, 0, 255}, uint8(0))
	f.Add(int64(1), int64(MaxResampleRate), []byte{9}, uint8(1))
	f.Add(int64(MaxResampleRate), int64(MaxResampleRate-1), []byte{}, uint8(0))
	f.Add(int64(0), int64(-5), []byte{1}, uint8(0))
	f.Fuzz(func(t *testing.T, from, to int64, raw []byte, cut uint8) {
		if len(raw) > 256 {
			raw = raw[:256]
		}
		// The output is to/from times the input (up to 384000 times, as
		// documented): keep it under 2^16 samples.
		if from >= 1 && to > from && int64(len(raw))*to/from > 1<<16 {
			raw = raw[:(1<<16)*from/to]
		}
		x := make([]float32, len(raw))
		for i, b := range raw {
			x[i] = float32(int8(b)) / 64
			if b == 255 {
				x[i] = float32(math.NaN())
			}
		}
		valid := from >= 1 && to >= 1 && from <= MaxResampleRate && to <= MaxResampleRate
		y, err := Resample(x, int(from), int(to))
		s, serr := NewResampler(int(from), int(to))
		if !valid {
			if err == nil || serr == nil {
				t.Fatalf("rates %d → %d accepted (%v, %v)", from, to, err, serr)
			}
			return
		}
		if err != nil || serr != nil {
			t.Fatalf("rates %d → %d refused: %v, %v", from, to, err, serr)
		}
		if want := (int64(len(x))*to + from - 1) / from; int64(len(y)) != want {
			t.Fatalf("%d samples %d → %d Hz: %d out, want %d", len(x), from, to, len(y), want)
		}
		var got []float32
		step := int(cut%17) + 1
		for i := 0; i < len(x); i += step {
			got = s.Write(got, x[i:min(len(x), i+step)])
		}
		got = s.Flush(got)
		if len(got) != len(y) {
			t.Fatalf("Resampler gave %d samples, Resample %d", len(got), len(y))
		}
		for i := range y {
			if math.Float32bits(got[i]) != math.Float32bits(y[i]) {
				t.Fatalf("sample %d: Resampler %v, Resample %v", i, got[i], y[i])
			}
		}
	})
}
