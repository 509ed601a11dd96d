package vad

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// upstreamParams is a parameter set as the fixture script passed it to
// get_speech_timestamps (only the keys it set).
type upstreamParams struct {
	Threshold             *float64 `json:"threshold,omitempty"`
	NegThreshold          *float64 `json:"neg_threshold,omitempty"`
	MinSpeechMs           *int     `json:"min_speech_duration_ms,omitempty"`
	MaxSpeechS            *float64 `json:"max_speech_duration_s,omitempty"`
	MinSilenceMs          *int     `json:"min_silence_duration_ms,omitempty"`
	SpeechPadMs           *int     `json:"speech_pad_ms,omitempty"`
	MinSilenceAtMaxMs     *int     `json:"min_silence_at_max_speech,omitempty"`
	UseMaxPossSilAtMaxSpc *bool    `json:"use_max_poss_sil_at_max_speech,omitempty"`
}

// params maps upstream's keyword arguments onto Params.
func (u upstreamParams) params() Params {
	p := DefaultParams()
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	if u.Threshold != nil {
		p.Threshold = *u.Threshold
	}
	if u.NegThreshold != nil {
		p.NegThreshold = *u.NegThreshold
	}
	if u.MinSpeechMs != nil {
		p.MinSpeech = ms(*u.MinSpeechMs)
	}
	if u.MaxSpeechS != nil {
		p.MaxSpeech = time.Duration(math.Round(*u.MaxSpeechS * float64(time.Second)))
	}
	if u.MinSilenceMs != nil {
		p.MinSilence = ms(*u.MinSilenceMs)
	}
	if u.SpeechPadMs != nil {
		p.SpeechPad = ms(*u.SpeechPadMs)
	}
	if u.MinSilenceAtMaxMs != nil {
		p.MinSilenceAtMaxSpeech = ms(*u.MinSilenceAtMaxMs)
	}
	if u.UseMaxPossSilAtMaxSpc != nil {
		p.LastSilenceAtMaxSpeech = !*u.UseMaxPossSilAtMaxSpc
	}
	return p
}

// upstreamFixture is testdata/vad/timestamps_upstream.json: probability
// sequences, and upstream's results on them (get_speech_timestamps'
// segments; VADIterator's events, see stream_test.go).
type upstreamFixture struct {
	Sequences map[string]upstreamSequence `json:"sequences"`
	Cases     []struct {
		Sequence string         `json:"sequence"`
		Params   upstreamParams `json:"params"`
		Segments [][2]int       `json:"segments"`
	} `json:"cases"`
	StreamCases []struct {
		Sequence string         `json:"sequence"`
		Params   upstreamParams `json:"params"`
		Events   []streamEvent  `json:"events"`
	} `json:"stream_cases"`
}

func readUpstream(t testing.TB) *upstreamFixture {
	var fx upstreamFixture
	readJSON(t, "../testdata/vad/timestamps_upstream.json", &fx)
	return &fx
}

type upstreamSequence struct {
	SampleRate int       `json:"sample_rate"`
	Length     int       `json:"length"`
	Probs      []float64 `json:"probs"`
}

// ortFixture is what bench/peers/ort_vad.mjs -fixture writes.
type ortFixture struct {
	WAV        string `json:"wav"`
	SampleRate int    `json:"sample_rate"`
	Chunks     int    `json:"chunks"`
	Models     map[string]struct {
		Chunk   int       `json:"chunk"`
		Context int       `json:"context"`
		Probs   []float64 `json:"probs"`
	} `json:"models"`
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// float32s rounds the fixture's doubles to float32 as upstream's
// stand-in model did (the double nearest the decimal, then float32).
func float32s(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// TestSpeechTimestampsUpstream compares SpeechTimestamps with upstream
// get_speech_timestamps (scripts/vad_timestamps_fixtures.py) on synthetic
// probability chains, edge cases and the ONNX Runtime probabilities of the
// test recordings, under every parameter set the script used.
func TestSpeechTimestampsUpstream(t *testing.T) {
	fx := readUpstream(t)
	for _, file := range []string{"ort_speech16k.json", "ort_speech8k.json"} {
		var o ortFixture
		readJSON(t, filepath.Join("../testdata/vad", file), &o)
		a, err := ReadWAVFile(filepath.Join("../testdata/vad", o.WAV))
		require.NoError(t, err)
		for model, m := range o.Models {
			fx.Sequences[file+":"+model] = upstreamSequence{o.SampleRate, len(a.Samples), m.Probs}
		}
	}
	require.GreaterOrEqual(t, len(fx.Cases), 500)
	segmentsSeen := 0
	for i, c := range fx.Cases {
		seq, ok := fx.Sequences[c.Sequence]
		require.True(t, ok, "case %d: sequence %q", i, c.Sequence)
		pj, _ := json.Marshal(c.Params)
		name := fmt.Sprintf("%s %s", c.Sequence, pj)
		got, err := SpeechTimestamps(float32s(seq.Probs), seq.Length, seq.SampleRate, c.Params.params())
		require.NoError(t, err, name)
		want := make([]Segment, len(c.Segments))
		for k, s := range c.Segments {
			want[k] = Segment{s[0], s[1]}
		}
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, got, name)
		segmentsSeen += len(want)
	}
	require.Greater(t, segmentsSeen, 1000, "the fixtures exercise few segments")
}

func TestSpeechTimestampsErrors(t *testing.T) {
	_, err := SpeechTimestamps(nil, 0, 44100, DefaultParams())
	require.ErrorContains(t, err, "44100 Hz is not supported: want 16000 or 8000 Hz")
	_, err = SpeechTimestamps(make([]float32, 2), 1025, 16000, DefaultParams())
	require.ErrorContains(t, err, "2 probabilities for 1025 samples (want one per 512-sample chunk: 3)")
	_, err = SpeechTimestamps(make([]float32, 1), -5, 16000, DefaultParams())
	require.Error(t, err)
	got, err := SpeechTimestamps(nil, 0, 8000, DefaultParams())
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestSpeechTimestampsDurationsAsUpstream: durations become samples as
// upstream computes them from the same numbers in its units. A MaxSpeech
// of 1.344 s is 21504 samples at 16 kHz in Python (16000 * 1.344), a
// chunk boundary; d.Seconds() gave 1.3439999999999999 and so a cut one
// chunk early. A pad of 125.125 ms is 2002 samples (16000 * 125.125 /
// 1000); 16000 * d.Seconds() gave 2001.9999999999998 and an end one
// sample short. The segments are upstream get_speech_timestamps' on these
// probabilities (min_speech_duration_ms=0; max_speech_duration_s=1.344
// with speech_pad_ms=0; speech_pad_ms=125.125).
func TestSpeechTimestampsDurationsAsUpstream(t *testing.T) {
	repeat := func(p float32, n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = p
		}
		return out
	}
	p := DefaultParams()
	p.MinSpeech, p.SpeechPad, p.MaxSpeech = 0, 0, 1344*time.Millisecond
	got, err := SpeechTimestamps(repeat(0.9, 100), 51200, 16000, p)
	require.NoError(t, err)
	require.Equal(t, []Segment{{0, 21504}, {22016, 43520}, {44032, 51200}}, got)
	got, err = SpeechTimestamps(repeat(0.9, 100), 25600, 8000, p)
	require.NoError(t, err)
	require.Equal(t, []Segment{{0, 10752}, {11008, 21760}, {22016, 25600}}, got)

	probs := append(append(append(repeat(0.9, 3), repeat(0.1, 20)...), repeat(0.9, 40)...), repeat(0.1, 37)...)
	p = DefaultParams()
	p.MinSpeech, p.SpeechPad = 0, 125125*time.Microsecond
	got, err = SpeechTimestamps(probs, 51200, 16000, p)
	require.NoError(t, err)
	require.Equal(t, []Segment{{0, 3538}, {9774, 34258}}, got)
}

// fuzzProbs reads a fuzzer's bytes as chunk probabilities (b/255) at
// 8 kHz when narrow, else 16 kHz, and returns them with the rate and its
// chunk size.
func fuzzProbs(raw []byte, narrow bool) (probs []float32, rate, window int) {
	rate = 16000
	if narrow {
		rate = 8000
	}
	window, _ = ChunkSize(rate)
	probs = make([]float32, len(raw))
	for i, b := range raw {
		probs[i] = float32(b) / 255
	}
	return probs, rate, window
}

// FuzzSpeechTimestamps: any probabilities and parameters give segments in
// order, disjoint, non-empty and within the recording, and never a panic.
func FuzzSpeechTimestamps(f *testing.F) {
	f.Add([]byte{10, 200, 200, 200, 30, 30, 30, 30, 200}, uint16(77), false, uint8(128), uint8(0), uint16(250), uint16(0), uint16(100), uint16(30), uint16(98), false)
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255, 0, 255}, uint16(0), true, uint8(100), uint8(20), uint16(0), uint16(50), uint16(0), uint16(300), uint16(0), true)
	f.Fuzz(func(t *testing.T, raw []byte, cut uint16, narrow bool, threshold, neg uint8,
		minSpeech, maxSpeech, minSilence, pad, minSilAtMax uint16, last bool) {
		probs, rate, window := fuzzProbs(raw, narrow)
		length := len(probs) * window
		if length > 0 {
			length -= int(cut) % window
		}
		ms := func(v uint16) time.Duration { return time.Duration(v) * time.Millisecond }
		p := Params{
			Threshold:              float64(threshold) / 255,
			NegThreshold:           float64(neg) / 255,
			MinSpeech:              ms(minSpeech),
			MaxSpeech:              ms(maxSpeech),
			MinSilence:             ms(minSilence),
			SpeechPad:              ms(pad),
			MinSilenceAtMaxSpeech:  ms(minSilAtMax),
			LastSilenceAtMaxSpeech: last,
		}
		segs, err := SpeechTimestamps(probs, length, rate, p)
		require.NoError(t, err)
		prevEnd := 0
		for i, s := range segs {
			require.True(t, 0 <= s.Start && s.Start < s.End && s.End <= length, "segment %d %v of %d samples", i, s, length)
			require.LessOrEqual(t, prevEnd, s.Start, "segment %d %v overlaps the one before", i, s)
			prevEnd = s.End
		}
	})
}
