package vad

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// resample64 is Resample's definition computed directly in float64:
// output n is Σ_k x[k]·h(k − n·from/to) over every input sample.
func resample64(x []float32, from, to int) []float64 {
	lo := float64(min(from, to)) * resampleRolloff // the filter's scale, in Hz
	n := int((int64(len(x))*int64(to) + int64(from) - 1) / int64(from))
	out := make([]float64, n)
	for i := range out {
		t := float64(i) * float64(from) / float64(to)
		var s float64
		for k, v := range x {
			tau := (float64(k) - t) * lo / float64(from)
			if math.Abs(tau) >= resampleZeros {
				continue
			}
			w := math.Cos(tau * math.Pi / resampleZeros / 2)
			h := 1.0
			if tau != 0 {
				h = math.Sin(math.Pi*tau) / (math.Pi * tau)
			}
			s += float64(v) * h * w * w * lo / float64(from)
		}
		out[i] = s
	}
	return out
}

var resampleRates = [][2]int{{44100, 16000}, {48000, 16000}, {8000, 16000}, {16000, 8000}, {22050, 16000},
	{11025, 16000}, {32000, 16000}, {96000, 16000}, {16000, 44100}, {7, 3}, {3, 7}, {44101, 16000}}

// TestResampleIsItsDefinition holds Resample (tabulated phases,
// kernel.Dot) to the float64 sum over every input sample, for many rate
// pairs and lengths, edges included.
func TestResampleIsItsDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, rates := range resampleRates {
		for _, n := range []int{0, 1, 2, 5, 37, 300} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 0.3)
			}
			got, err := Resample(x, rates[0], rates[1])
			require.NoError(t, err)
			want := resample64(x, rates[0], rates[1])
			require.Len(t, got, len(want), "%v n=%d", rates, n)
			for i := range want {
				require.InDelta(t, want[i], got[i], 1e-5, "%v n=%d output %d", rates, n, i)
			}
		}
	}
}

// tone is n samples of sin(2π·f·i/rate).
func tone(n int, f, rate float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(2 * math.Pi * f * float64(i) / rate))
	}
	return x
}

// TestResampleTones: a tone in the pass band comes out as the same tone at
// the new rate (gain and phase), and one past the transition band above
// the lower Nyquist frequency is suppressed, away from the edges (where the zeros beyond the input
// enter the sums).
func TestResampleTones(t *testing.T) {
	for _, rates := range [][2]int{{44100, 16000}, {48000, 16000}, {8000, 16000}, {22050, 16000}} {
		from, to := float64(rates[0]), float64(rates[1])
		for _, c := range []struct {
			f, tol float64 // f: a fraction of the lower Nyquist frequency
		}{{0.05, 1e-3}, {0.4, 1e-3}, {0.7, 1e-2}} {
			c.f *= min(from, to) / 2
			y, err := Resample(tone(rates[0], c.f, from), rates[0], rates[1])
			require.NoError(t, err)
			want := tone(len(y), c.f, to)
			worst := 0.0
			for i := 100; i < len(y)-100; i++ {
				worst = max(worst, math.Abs(float64(y[i]-want[i])))
			}
			t.Logf("%v %.0f Hz: max |error| %.2g", rates, c.f, worst)
			require.Less(t, worst, c.tol, "%v %.0f Hz", rates, c.f)
		}
		// Beyond 1.5 times the lower Nyquist frequency (where the input
		// holds it): at least 50 dB down.
		f := 1.5 * min(from, to) / 2
		if f < from/2 {
			y, err := Resample(tone(rates[0], f, from), rates[0], rates[1])
			require.NoError(t, err)
			peak := 0.0
			for _, v := range y[100 : len(y)-100] {
				peak = max(peak, math.Abs(float64(v)))
			}
			t.Logf("%v %.0f Hz: peak %.2g", rates, f, peak)
			require.Less(t, peak, math.Pow(10, -50.0/20), "%v %.0f Hz", rates, f)
		}
	}
}

func TestResampleRefuses(t *testing.T) {
	for _, rates := range [][2]int{{0, 16000}, {16000, 0}, {-8000, 16000}, {MaxResampleRate + 1, 16000}, {16000, MaxResampleRate + 1}} {
		_, err := Resample([]float32{1}, rates[0], rates[1])
		require.Error(t, err, "%v", rates)
	}
	y, err := Resample([]float32{1, 2}, 16000, 16000)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2}, y)
}

// TestResamplerIsResample: a stream cut into pieces of random sizes
// (empty ones included) gives Resample's output of the whole, bit for
// bit, for every rate pair; Reset starts over; once grown, Write
// allocates nothing.
func TestResamplerIsResample(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, rates := range append(resampleRates, [2]int{16000, 16000}) {
		for _, n := range []int{0, 1, 7, 100, 5000} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 0.3)
			}
			want, err := Resample(x, rates[0], rates[1])
			require.NoError(t, err)
			s, err := NewResampler(rates[0], rates[1])
			require.NoError(t, err)
			for round := range 2 { // the second after Reset
				var got []float32
				for i := 0; i < n; {
					j := min(n, i+r.IntN(300))
					got = s.Write(got, x[i:j])
					i = j
				}
				got = s.Flush(got)
				require.Equal(t, append([]float32(nil), want...), append([]float32(nil), got...), "%v n=%d round %d", rates, n, round)
				s.Reset()
			}
		}
	}
	s, err := NewResampler(48000, 16000)
	require.NoError(t, err)
	in, out := make([]float32, 480), make([]float32, 0, 400)
	s.Write(out, in)
	require.Zero(t, testing.AllocsPerRun(100, func() { out = s.Write(out[:0], in) }))
	require.Len(t, out, 160)
	s.Flush(nil)
	require.Panics(t, func() { s.Write(nil, in) })
	_, err = NewResampler(0, 16000)
	require.Error(t, err)
}
