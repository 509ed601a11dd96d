package vad

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// mixModel is a Model whose output depends on every input sample, its
// position and the carried state, so that a detector that feeds it the
// wrong context, padding or state gives other numbers.
type mixModel struct {
	ctx   int
	state float64
	calls int
	fail  int // Infer fails on this call (1-based); 0: never
}

func (m *mixModel) Context(sampleRate int) int { return m.ctx * sampleRate / 16000 }
func (m *mixModel) ResetState()                { m.state = 0 }

func (m *mixModel) Infer(in []float32, sampleRate int) (float32, error) {
	m.calls++
	if m.calls == m.fail {
		return 0, errors.New("model failed")
	}
	want, _ := ChunkSize(sampleRate)
	if len(in) != want+m.Context(sampleRate) {
		return 0, errors.New("wrong input length")
	}
	return m.step(in), nil
}

func (m *mixModel) step(in []float32) float32 {
	s := m.state * 0.37
	for j, x := range in {
		s += float64(j+1) * float64(x) * 1e-3
	}
	_, p := math.Modf(math.Abs(s))
	m.state += p
	return float32(p)
}

// upstreamLoop is upstream OnnxWrapper's loop written out plainly: each
// chunk zero-padded, context (zeros at first) prepended, the context then
// the last ctx samples of that input.
func upstreamLoop(samples []float32, chunk, ctx int) []float32 {
	m := &mixModel{}
	context := make([]float32, ctx)
	var probs []float32
	for start := 0; start < len(samples); start += chunk {
		piece := append([]float32{}, samples[start:min(start+chunk, len(samples))]...)
		for len(piece) < chunk {
			piece = append(piece, 0)
		}
		x := append(append([]float32{}, context...), piece...)
		probs = append(probs, m.step(x))
		context = x[len(x)-ctx:]
	}
	return probs
}

func noise(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * 0.3)
	}
	return out
}

func TestDetectorFeedsLikeUpstream(t *testing.T) {
	for _, rate := range []int{16000, 8000} {
		for _, ctx := range []int{64, 0} {
			chunk, _ := ChunkSize(rate)
			m := &mixModel{ctx: ctx}
			d, err := NewDetector(m, rate)
			require.NoError(t, err)
			require.Equal(t, chunk, d.ChunkSize())
			require.Equal(t, rate, d.SampleRate())
			for _, n := range []int{0, 1, chunk - 1, chunk, chunk + 1, 37*chunk + 5} {
				samples := noise(n, uint64(n))
				want := upstreamLoop(samples, chunk, m.Context(rate))
				var done []int
				got, err := d.Probabilities(samples, func(k int) { done = append(done, k) })
				require.NoError(t, err)
				require.Equal(t, len(want), len(got), "rate %d ctx %d n %d", rate, ctx, n)
				require.Equal(t, append([]float32{}, want...), append([]float32{}, got...), "rate %d ctx %d n %d", rate, ctx, n)
				if n > 0 {
					require.Equal(t, n, done[len(done)-1])
					require.Len(t, done, len(got))
				}
			}
		}
	}
}

func TestDetectorProcessAllocatesNothing(t *testing.T) {
	d, err := NewDetector(&mixModel{ctx: 64}, 16000)
	require.NoError(t, err)
	chunk := noise(512, 3)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := d.Process(chunk); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func TestDetectorResetRepeats(t *testing.T) {
	d, err := NewDetector(&mixModel{ctx: 64}, 16000)
	require.NoError(t, err)
	samples := noise(5000, 9)
	first, err := d.Probabilities(samples, nil)
	require.NoError(t, err)
	// Dirty the state and context, then Reset by hand and stream again.
	_, err = d.Process(noise(512, 10))
	require.NoError(t, err)
	d.Reset()
	for i, start := 0, 0; start < len(samples); i, start = i+1, start+512 {
		p, err := d.Process(samples[start:min(start+512, len(samples))])
		require.NoError(t, err)
		require.Equal(t, first[i], p, "chunk %d", i)
	}
}

func TestDetectorErrors(t *testing.T) {
	_, err := NewDetector(&mixModel{}, 44100)
	require.ErrorContains(t, err, "44100 Hz is not supported")
	_, err = NewDetector(&mixModel{ctx: 1024}, 16000)
	require.ErrorContains(t, err, "model context of 1024 samples at 16000 Hz (want 0 to 512)")

	d, err := NewDetector(&mixModel{ctx: 64}, 8000)
	require.NoError(t, err)
	_, err = d.Process(nil)
	require.ErrorContains(t, err, "Detector.Process: 0 samples (want 1 to 256 at 8000 Hz)")
	_, err = d.Process(make([]float32, 257))
	require.ErrorContains(t, err, "257 samples")

	d, err = NewDetector(&mixModel{ctx: 64, fail: 3}, 16000)
	require.NoError(t, err)
	_, err = d.Probabilities(make([]float32, 4000), nil)
	require.ErrorContains(t, err, "vad: chunk 2 (samples 1024 to 1536): model failed")
	_, err = d.Segments(make([]float32, 4000), DefaultParams(), nil)
	require.NoError(t, err, "a later run of the same model succeeds")
}

// replayModel returns recorded probabilities in order.
type replayModel struct {
	probs []float32
	i     int
}

func (m *replayModel) Context(int) int { return 0 }
func (m *replayModel) ResetState()     { m.i = 0 }
func (m *replayModel) Infer([]float32, int) (float32, error) {
	m.i++
	return m.probs[m.i-1], nil
}

// TestDetectorSegments: Segments is Probabilities then SpeechTimestamps
// over the recording's length (here with the ORT probabilities of the
// test recording replayed, and a length that ends inside a chunk).
func TestDetectorSegments(t *testing.T) {
	var o ortFixture
	readJSON(t, "../testdata/vad/ort_speech16k.json", &o)
	probs := float32s(o.Models["v5"].Probs)
	n := len(probs)*512 - 100
	d, err := NewDetector(&replayModel{probs: probs}, 16000)
	require.NoError(t, err)
	got, err := d.Segments(make([]float32, n), DefaultParams(), nil)
	require.NoError(t, err)
	want, err := SpeechTimestamps(probs, n, 16000, DefaultParams())
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.GreaterOrEqual(t, len(got), 5)
}
