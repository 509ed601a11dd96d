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
// copy when the rates are equal). Resampler does the same on a stream.
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
//
// The output is to/from times the input's length, up to 384000 times: a
// rate read from a file (Audio.SampleRate) decides it, so check it before
// resampling a file from outside (simdcore vad refuses rates below 4 kHz).
func Resample(samples []float32, from, to int) ([]float32, error) {
	f, err := newResampleFilter("Resample", from, to)
	if err != nil {
		return nil, err
	}
	if from == to {
		return append([]float32(nil), samples...), nil
	}
	out := make([]float32, f.outputs(int64(len(samples))))
	window := make([]float32, f.taps) // an output's inputs near either end, zeros beyond it
	for k := range out {
		at, phase := f.inputs(int64(k))
		x := window
		if at >= 0 && at+int64(f.taps) <= int64(len(samples)) {
			x = samples[at : at+int64(f.taps)]
		} else {
			for j := range window {
				window[j] = 0
				if m := at + int64(j); m >= 0 && m < int64(len(samples)) {
					window[j] = samples[m]
				}
			}
		}
		out[k] = f.output(phase, x)
	}
	return out, nil
}

// resampleFilter is Resample's filter for one pair of rates: p input
// samples per q output samples, and the q phases of taps coefficients.
type resampleFilter struct {
	p, q, width, taps int
	table             []float32
}

// newResampleFilter checks the rates and tabulates the filter (nothing for
// equal rates); fn names the caller in errors.
func newResampleFilter(fn string, from, to int) (*resampleFilter, error) {
	if from < 1 || to < 1 || from > MaxResampleRate || to > MaxResampleRate {
		return nil, fmt.Errorf("vad: %s from %d Hz to %d Hz: want rates from 1 to %d Hz", fn, from, to, MaxResampleRate)
	}
	g := gcd(from, to)
	f := &resampleFilter{p: from / g, q: to / g}
	if from == to {
		return f, nil
	}
	base := float64(min(f.p, f.q)) * resampleRolloff
	f.width = int(math.Ceil(resampleZeros * float64(f.p) / base))
	f.taps = 2*f.width + 2
	// Phase i (output n with n·p mod q = i) at offsets d = −width..width+1
	// from ⌊n·p/q⌋: the input is at d − i/q samples from the output's time.
	f.table = make([]float32, f.q*f.taps)
	for i := 0; i < f.q; i++ {
		for j := range f.taps {
			tau := (float64(j-f.width) - float64(i)/float64(f.q)) * base / float64(f.p) // in zero crossings
			tau = max(-resampleZeros, min(resampleZeros, tau))
			w := math.Cos(tau * math.Pi / resampleZeros / 2)
			h := 1.0
			if tau != 0 {
				h = math.Sin(math.Pi*tau) / (math.Pi * tau)
			}
			f.table[i*f.taps+j] = float32(h * w * w * base / float64(f.p))
		}
	}
	return f, nil
}

// outputs is the number of outputs of n inputs: ⌈n·q/p⌉.
func (f *resampleFilter) outputs(n int64) int64 {
	return (n*int64(f.q) + int64(f.p) - 1) / int64(f.p)
}

// inputs returns where output k's taps inputs start (at, possibly before
// the first input) and its phase.
func (f *resampleFilter) inputs(k int64) (at int64, phase int) {
	pos := k * int64(f.p)
	return pos/int64(f.q) - int64(f.width), int(pos % int64(f.q))
}

// output is one output: the phase's coefficients against its taps inputs.
func (f *resampleFilter) output(phase int, x []float32) float32 {
	return kernel.Dot(f.table[phase*f.taps:(phase+1)*f.taps], x)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
