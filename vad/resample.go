package vad

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// MaxResampleRate bounds the sample rates Resample converts between.
const MaxResampleRate = 384000

// The resampler's filter: torchaudio.functional.resample's default
// (sinc_interp_hann): a low-pass at resampleRolloff of the lower rate's
// Nyquist frequency, its sinc cut at resampleZeros zero crossings on each
// side by a Hann window.
const (
	resampleZeros   = 6
	resampleRolloff = 0.99
)

// Resample converts samples taken at from Hz to the rate to Hz (each in
// 1..MaxResampleRate), for example a 44.1 or 48 kHz recording to the
// 16 kHz a detector takes, and returns ⌈len(samples)·to/from⌉ samples (a
// copy when the rates are equal).
//
// It is the band-limited interpolation of torchaudio's resample, whose
// output Silero VAD is used with: output sample n, at input time
// t = n·from/to, is Σ_k x[k]·h(k − t), where h is the sinc of a low-pass
// at 0.99 of the lower rate's Nyquist frequency, windowed by
// cos²(π·τ/(2·6)) over its first six zero crossings on each side (τ in
// zero crossings) and scaled to unit gain; samples beyond either end are
// zero. With from/to reduced to p/q, the q phases of the filter are
// tabulated once (2·⌈6·p/(0.99·min(p, q))⌉ + 2 taps each), and every
// output is one kernel.Dot of its phase with the input.
//
// The filter is torchaudio's, transition band included: a tone keeps its
// gain within 0.5% up to 0.7 of the lower rate's Nyquist frequency, 0.94
// of it at 0.8 and 0.76 at 0.9; from 1.3 times that frequency on it is
// 45 dB down, from 1.5 times 55 dB (TestResampleTones).
func Resample(samples []float32, from, to int) ([]float32, error) {
	if from < 1 || to < 1 || from > MaxResampleRate || to > MaxResampleRate {
		return nil, fmt.Errorf("vad: Resample from %d Hz to %d Hz: want rates from 1 to %d Hz", from, to, MaxResampleRate)
	}
	if from == to {
		return append([]float32(nil), samples...), nil
	}
	g := gcd(from, to)
	p, q := from/g, to/g // input and output samples per period
	base := float64(min(p, q)) * resampleRolloff
	width := int(math.Ceil(resampleZeros * float64(p) / base))
	taps := 2*width + 2
	// Phase i (output n with n·p mod q = i) at offsets d = −width..width+1
	// from ⌊n·p/q⌋: the input is at d − i/q samples from the output's time.
	table := make([]float32, q*taps)
	for i := 0; i < q; i++ {
		for j := range taps {
			tau := (float64(j-width) - float64(i)/float64(q)) * base / float64(p) // in zero crossings
			tau = max(-resampleZeros, min(resampleZeros, tau))
			w := math.Cos(tau * math.Pi / resampleZeros / 2)
			h := 1.0
			if tau != 0 {
				h = math.Sin(math.Pi*tau) / (math.Pi * tau)
			}
			table[i*taps+j] = float32(h * w * w * base / float64(p))
		}
	}
	n := int((int64(len(samples))*int64(q) + int64(p) - 1) / int64(p))
	out := make([]float32, n)
	window := make([]float32, taps) // an output's inputs near either end, zeros beyond it
	for k := range out {
		pos := int64(k) * int64(p)
		at, i := int(pos/int64(q))-width, int(pos%int64(q)) // inputs at..at+taps-1
		x := window
		if at >= 0 && at+taps <= len(samples) {
			x = samples[at : at+taps]
		} else {
			for j := range window {
				window[j] = 0
				if m := at + j; m >= 0 && m < len(samples) {
					window[j] = samples[m]
				}
			}
		}
		out[k] = kernel.Dot(table[i*taps:(i+1)*taps], x)
	}
	return out, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
