package vadtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/vad"
)

// longDigest is the SHA-256 of the bits of Long(speech16k.wav, 64 s), the
// recording whose ONNX Runtime probabilities are in
// testdata/vad/ort_long16k.json. If Long or the recording changes, that
// fixture must be made again (internal/cmd/vadlong, then ort_vad.mjs).
const longDigest = "a6efde06e69b89833f9a797047cec65af690e49b0b5696d0264123270e5df6b2"

func TestLongIsPinned(t *testing.T) {
	a, err := vad.ReadWAVFile("../../testdata/vad/speech16k.wav")
	require.NoError(t, err)
	long := Long(a.Samples, 64*a.SampleRate)
	require.Len(t, long, 64*16000)
	h := sha256.New()
	for _, x := range long {
		_ = binary.Write(h, binary.LittleEndian, math.Float32bits(x))
	}
	require.Equal(t, longDigest, fmt.Sprintf("%x", h.Sum(nil)))
	// The repeats differ: gain and noise.
	n := len(a.Samples)
	require.NotEqual(t, long[1000], long[n+1000])
	require.Equal(t, long[:10], Long(a.Samples, 10), "a prefix is the start of a longer one")
	require.Nil(t, Long(nil, 10))
	require.Nil(t, Long(a.Samples, 0))
}

func TestWriteFloat32WAVRoundTrip(t *testing.T) {
	samples := []float32{0, 0.5, -1, 1e-30, float32(math.Inf(1)), 3}
	for _, n := range []int{0, 1, len(samples), 5000} {
		in := samples
		if n > len(samples) {
			in = Long(samples, n)
		} else {
			in = samples[:n]
		}
		var b bytes.Buffer
		require.NoError(t, WriteFloat32WAV(&b, in, 8000))
		a, err := vad.ReadWAV(&b)
		require.NoError(t, err)
		require.Equal(t, 8000, a.SampleRate)
		require.Equal(t, 1, a.Channels)
		require.Equal(t, append([]float32{}, in...), append([]float32{}, a.Samples...))
	}
}
