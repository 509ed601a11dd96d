package vad

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// testChunk is a chunk of n samples of a tone, scaled by gain.
func testChunk(n int, gain float32) []float32 {
	c := make([]float32, n)
	for i := range c {
		c[i] = gain * float32(math.Sin(float64(i)*0.05))
	}
	return c
}

// TestProcessRefusesNonFiniteSamples: a chunk holding NaN or ±Inf is an
// ErrNonFinite before anything changes, so the stream continues as if it
// had not been given (the NaN used to make every later probability NaN).
func TestProcessRefusesNonFiniteSamples(t *testing.T) {
	a, b := testChunk(512, 0.5), testChunk(512, -0.25)
	fresh, err := NewDetector(&mixModel{ctx: 64}, 16000)
	require.NoError(t, err)
	pa, err := fresh.Process(a)
	require.NoError(t, err)
	pb, err := fresh.Process(b)
	require.NoError(t, err)
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		d, err := NewDetector(&mixModel{ctx: 64}, 16000)
		require.NoError(t, err)
		p, err := d.Process(a)
		require.NoError(t, err)
		require.Equal(t, pa, p)
		c := testChunk(300, 0.1)
		c[17] = bad
		_, err = d.Process(c)
		require.ErrorIs(t, err, ErrNonFinite)
		require.ErrorContains(t, err, "sample 17")
		p, err = d.Process(b)
		require.NoError(t, err)
		require.Equal(t, pb, p, "the refused chunk changed the stream")
	}
	// Probabilities names the chunk and stops there.
	d, err := NewDetector(&mixModel{ctx: 64}, 16000)
	require.NoError(t, err)
	rec := append(append([]float32{}, a...), b...)
	rec[600] = float32(math.NaN())
	_, err = d.Probabilities(rec, nil)
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "chunk 1 (samples 512 to 1024)")
}

// overflowModel is a Model whose probability is NaN once a sample's
// magnitude passes 1e17, as the Silero networks' does.
type overflowModel struct{ mixModel }

func (m *overflowModel) Infer(in []float32, sampleRate int) (float32, error) {
	for _, v := range in {
		if math.Abs(float64(v)) > 1e17 {
			return float32(math.NaN()), nil
		}
	}
	return m.mixModel.Infer(in, sampleRate)
}

// TestProcessNonFiniteProbabilityResets: a NaN probability is an
// ErrNonFinite, and the detector is reset, so what follows is as from a
// fresh start.
func TestProcessNonFiniteProbabilityResets(t *testing.T) {
	b := testChunk(512, -0.25)
	fresh, err := NewDetector(&overflowModel{mixModel{ctx: 64}}, 16000)
	require.NoError(t, err)
	pb, err := fresh.Process(b)
	require.NoError(t, err)

	d, err := NewDetector(&overflowModel{mixModel{ctx: 64}}, 16000)
	require.NoError(t, err)
	_, err = d.Process(testChunk(512, 0.5))
	require.NoError(t, err)
	_, err = d.Process(testChunk(512, 1e30))
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "reset")
	p, err := d.Process(b)
	require.NoError(t, err)
	require.Equal(t, pb, p)
}

// TestSileroNonFinite: the Silero models at every level: a NaN sample is
// refused; samples of 1e30 overflow the network and are refused too,
// where every later probability used to be NaN.
func TestSileroNonFinite(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a Silero model")
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		// Loaded at the level: a session's packed convolutions are for
		// the level it was planned at.
		d, err := NewDetector(loadSilero(t, "v5"), 16000)
		require.NoError(t, err)
		c := make([]float32, 512)
		c[100] = float32(math.NaN())
		_, err = d.Process(c)
		require.ErrorIs(t, err, ErrNonFinite)
		_, err = d.Process(testChunk(512, 1e30))
		require.ErrorIs(t, err, ErrNonFinite)
		p, err := d.Process(testChunk(512, 0.1))
		require.NoError(t, err)
		require.False(t, math.IsNaN(float64(p)))
	})
}
