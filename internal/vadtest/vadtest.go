// Package vadtest makes the long recording that package vad's parity
// tests and benchmarks use, the same bits every time, from the committed
// test recording: committing an hour of audio would cost megabytes, and
// making it takes milliseconds. internal/cmd/vadlong writes it as a WAV
// file for the ONNX Runtime script (bench/peers/ort_vad.mjs).
package vadtest

import (
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
)

// LongSeed seeds the noise of Long. math/rand/v2's PCG is specified, so
// the sequence (and the recording) is the same on every Go version.
const LongSeed = 20261206

// Long returns base repeated until it holds at least n samples (then
// trimmed to n), each repeat k at gain 0.5 + 0.1·(k mod 6) with Gaussian
// noise of standard deviation 0.003 added, so that no two stretches are
// the same and the level varies as in real recordings.
func Long(base []float32, n int) []float32 {
	if len(base) == 0 || n <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(LongSeed, 0))
	out := make([]float32, n)
	for i := range out {
		// Products rounded before the sums (explicit conversions), so
		// that no architecture fuses them into an FMA: the same bits
		// everywhere.
		k := i / len(base)
		gain := float32(0.5 + float64(0.1*float64(k%6)))
		out[i] = float32(gain*base[i%len(base)]) + float32(0.003*r.NormFloat64())
	}
	return out
}

// WriteFloat32WAV writes samples as a mono 32-bit IEEE float WAV file at
// rate, so that a reader gets exactly these float32 values back.
func WriteFloat32WAV(w io.Writer, samples []float32, rate int) error {
	le := binary.LittleEndian
	data := 4 * len(samples)
	if data > math.MaxUint32-36 {
		return io.ErrShortWrite
	}
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, uint32(36+data))
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16)
	h = le.AppendUint16(h, 3) // IEEE float
	h = le.AppendUint16(h, 1)
	h = le.AppendUint32(h, uint32(rate))
	h = le.AppendUint32(h, uint32(4*rate))
	h = le.AppendUint16(h, 4)
	h = le.AppendUint16(h, 32)
	h = append(h, "data"...)
	h = le.AppendUint32(h, uint32(data))
	if _, err := w.Write(h); err != nil {
		return err
	}
	buf := make([]byte, 0, 4096)
	for i, s := range samples {
		buf = le.AppendUint32(buf, math.Float32bits(s))
		if len(buf) == cap(buf) || i == len(samples)-1 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return nil
}
