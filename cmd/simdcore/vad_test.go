package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/vadtest"
	"github.com/simdcore/simdcore/onnx"
	"github.com/simdcore/simdcore/vad"
)

const (
	vadModelV5 = "../../testdata/silero/silero_vad_v5.onnx"
	vadWAV16k  = "../../testdata/vad/speech16k.wav"
)

// vadRecording is the recording the vad command's tests run on: the
// 27.3 s of testdata/vad/speech16k.wav, or under -short its first 9 s
// (two segments, the second cut by the end), written to a float WAV file
// in t's temporary directory. CI runs -short under qemu, where each pass
// of Silero over the whole recording takes about 12 s. It returns the
// file and its duration in seconds.
func vadRecording(t *testing.T) (path string, seconds float64) {
	t.Helper()
	a, err := vad.ReadWAVFile(vadWAV16k)
	require.NoError(t, err)
	require.Equal(t, 16000, a.SampleRate)
	if !testing.Short() {
		return vadWAV16k, float64(len(a.Samples)) / 16000
	}
	samples := a.Samples[:9*16000]
	path = filepath.Join(t.TempDir(), "speech16k-9s.wav")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, vadtest.WriteFloat32WAV(f, samples, 16000))
	require.NoError(t, f.Close())
	return path, 9
}

// TestVADText: the text output lists the same segments as the library,
// in seconds, and a summary line.
func TestVADText(t *testing.T) {
	requireSileroRuns(t)
	wav, seconds := vadRecording(t)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"vad", "-model", vadModelV5, wav}, &out, &errb), errb.String())
	require.Empty(t, errb.String(), "no progress off a terminal")
	want := librarySegments(t, vadModelV5, wav, vad.DefaultParams())
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n") // the first segment line starts with spaces
	require.Len(t, lines, len(want)+1)
	require.Contains(t, lines[len(lines)-1], fmt.Sprintf("speech segments in %.3f s of audio at 16000 Hz", seconds))
	for i, s := range want {
		a, b := s.Seconds(16000)
		require.Equal(t, fmt.Sprintf("%8.3f s  %8.3f s  (%.3f s)", a, b, b-a), lines[i])
	}
}

// TestVADJSON: -json gives the library's segments in samples, with the
// flags applied (after the recording too).
func TestVADJSON(t *testing.T) {
	requireSileroRuns(t)
	wav, _ := vadRecording(t)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"vad", "-model", vadModelV5, wav, "-json", "-threshold", "0.6", "-pad", "100ms"}, &out, &errb), errb.String())
	var r vadResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	p := vad.DefaultParams()
	p.Threshold, p.SpeechPad = 0.6, 100*time.Millisecond
	want := librarySegments(t, vadModelV5, wav, p)
	require.Equal(t, 16000, r.SampleRate)
	require.Len(t, r.Segments, len(want))
	for i, s := range want {
		require.Equal(t, s.Start, r.Segments[i].Start)
		require.Equal(t, s.End, r.Segments[i].End)
		require.InDelta(t, float64(s.Start)/16000, r.Segments[i].StartS, 1e-12)
	}
}

// requireSileroRuns skips a test of vad's output while the onnx runner
// lacks an operator of the Silero models (vad.Load names them).
func requireSileroRuns(t *testing.T) {
	t.Helper()
	if _, err := vad.Load(vadModelV5); errors.Is(err, onnx.ErrUnsupported) {
		t.Skipf("not run: %v", err)
	}
}

func librarySegments(t *testing.T, model, wav string, p vad.Params) []vad.Segment {
	m, err := vad.Load(model)
	require.NoError(t, err)
	a, err := vad.ReadWAVFile(wav)
	require.NoError(t, err)
	d, err := vad.NewDetector(m, a.SampleRate)
	require.NoError(t, err)
	segs, err := d.Segments(a.Samples, p, nil)
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	return segs
}

// TestVADErrors: each mistake is one line and status 2, naming what is
// supported.
func TestVADErrors(t *testing.T) {
	dir := t.TempDir()
	rate400k := filepath.Join(dir, "ultrasonic.wav")
	f, err := os.Create(rate400k)
	require.NoError(t, err)
	require.NoError(t, vadtest.WriteFloat32WAV(f, make([]float32, 4000), 400000))
	require.NoError(t, f.Close())
	// 8-bit mono at 1 Hz: resampled to 16 kHz, its 10000 bytes were 160
	// million samples.
	rate1 := filepath.Join(dir, "one-hertz.wav")
	require.NoError(t, os.WriteFile(rate1, wavHeader8(1, bytes.Repeat([]byte{128}, 10000)), 0o644))
	notWAV := filepath.Join(dir, "x.wav")
	require.NoError(t, os.WriteFile(notWAV, []byte("hello"), 0o644))
	notModel := filepath.Join(dir, "x.onnx")
	require.NoError(t, os.WriteFile(notModel, []byte("hello"), 0o644))

	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"vad"}, "want -model FILE.onnx and one recording"},
		{[]string{"vad", "-model", vadModelV5}, "want -model FILE.onnx and one recording"},
		{[]string{"vad", vadWAV16k}, "want -model FILE.onnx and one recording"},
		{[]string{"vad", "-model", vadModelV5, vadWAV16k, vadWAV16k}, "one recording at a time"},
		{[]string{"vad", "-model", vadModelV5, "-threshold", "1.5", vadWAV16k}, "-threshold and -neg-threshold must be between 0 and 1"},
		{[]string{"vad", "-model", vadModelV5, "-pad", "-5ms", vadWAV16k}, "durations must not be negative"},
		{[]string{"vad", "-model", vadModelV5, "-bogus", vadWAV16k}, "flag provided but not defined: -bogus"},
		{[]string{"vad", "-model", vadModelV5, rate400k}, "Resample from 400000 Hz to 16000 Hz: want rates from 1 to 384000 Hz"},
		{[]string{"vad", "-model", vadModelV5, rate1}, "sample rate 1 Hz is below 4000 Hz"},
		{[]string{"vad", "-model", vadModelV5, notWAV}, "bad WAV file"},
		{[]string{"vad", "-model", vadModelV5, filepath.Join(dir, "missing.wav")}, "no such file"},
		{[]string{"vad", "-model", notModel, vadWAV16k}, "x.onnx"},
		{[]string{"vad", "-model", "../../testdata/vad/../silero/LICENSE", vadWAV16k}, "LICENSE"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		require.Equal(t, 2, run(c.args, &out, &errb), "%v", c.args)
		require.Contains(t, errb.String(), c.msg, "%v", c.args)
		require.Equal(t, 1, strings.Count(errb.String(), "\n"), "%v: %q", c.args, errb.String())
		require.Empty(t, out.String())
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"vad", "-h"}, &out, &errb))
	require.Contains(t, out.String(), "usage: simdcore vad [flags] recording.wav")
}

// writeWAV24 writes mono samples as a two-channel 24-bit PCM WAV file at
// rate (both channels the same).
func writeWAV24(t *testing.T, path string, samples []float32, rate int) {
	t.Helper()
	le := binary.LittleEndian
	var data []byte
	for _, v := range samples {
		q := int32(math.Round(float64(max(-1, min(v, 1-1.0/(1<<23)))) * (1 << 23)))
		for range 2 {
			data = append(data, byte(q), byte(q>>8), byte(q>>16))
		}
	}
	b := []byte("RIFF")
	b = le.AppendUint32(b, uint32(4+24+8+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, 2)
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*6))
	b = le.AppendUint16(b, 6)
	b = le.AppendUint16(b, 24)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	require.NoError(t, os.WriteFile(path, append(b, data...), 0o644))
}

// TestVADResamples: a recording at a rate Silero VAD does not take (here
// the 16 kHz fixture resampled to 44.1 kHz, 24-bit stereo) is resampled
// to 16 kHz, says so, and gives the 16 kHz file's segments within one
// chunk (32 ms) at each end.
func TestVADResamples(t *testing.T) {
	requireSileroRuns(t)
	wav, _ := vadRecording(t)
	a, err := vad.ReadWAVFile(wav)
	require.NoError(t, err)
	up, err := vad.Resample(a.Samples, 16000, 44100)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "speech44k.wav")
	writeWAV24(t, path, up, 44100)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"vad", "-model", vadModelV5, path, "-json"}, &out, &errb), errb.String())
	var r vadResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	require.Equal(t, 16000, r.SampleRate)
	require.Equal(t, 44100, r.ResampledFrom)
	want := librarySegments(t, vadModelV5, wav, vad.DefaultParams())
	require.Len(t, r.Segments, len(want))
	for i, s := range want {
		require.InDelta(t, s.Start, r.Segments[i].Start, 512, "segment %d", i)
		require.InDelta(t, s.End, r.Segments[i].End, 512, "segment %d", i)
	}
	out.Reset()
	require.Equal(t, 0, run([]string{"vad", "-model", vadModelV5, path}, &out, &errb), errb.String())
	require.Contains(t, out.String(), "at 16000 Hz (resampled from 44100 Hz)")
}

// wavHeader8 is a mono 8-bit PCM WAV file of data at rate.
func wavHeader8(rate uint32, data []byte) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF")
	b = le.AppendUint32(b, uint32(36+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, 1) // mono
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate) // bytes per second
	b = le.AppendUint16(b, 1)    // block align
	b = le.AppendUint16(b, 8)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// TestVAD16kOnlyModelResamples8k: with one of upstream's 16 kHz-only
// exports (no sr input; SIMDCORE_SILERO_16K names a directory holding
// silero_vad_half.onnx, as in vad's TestSilero16kExportsMatchONNXRuntime),
// an 8 kHz recording is resampled to 16 kHz, not refused.
func TestVAD16kOnlyModelResamples8k(t *testing.T) {
	dir := os.Getenv("SIMDCORE_SILERO_16K")
	if dir == "" {
		t.Skip("SIMDCORE_SILERO_16K is not set")
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"vad", "-model", filepath.Join(dir, "silero_vad_half.onnx"), "-json", "../../testdata/vad/speech8k.wav"}, &out, &errb), errb.String())
	var r vadResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	require.Equal(t, 16000, r.SampleRate)
	require.Equal(t, 8000, r.ResampledFrom)
	require.GreaterOrEqual(t, len(r.Segments), 5)
}
