package vad

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// streamEvent is one upstream VADIterator event: the chunk that returned
// it, "start" or "end", and the sample.
type streamEvent struct {
	Chunk  int
	Start  bool
	Sample int
}

func (e *streamEvent) UnmarshalJSON(b []byte) error {
	var raw [3]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	chunk, ok1 := raw[0].(float64)
	kind, ok2 := raw[1].(string)
	sample, ok3 := raw[2].(float64)
	if !ok1 || !ok2 || !ok3 || (kind != "start" && kind != "end") {
		return fmt.Errorf("bad event %s", b)
	}
	*e = streamEvent{int(chunk), kind == "start", int(sample)}
	return nil
}

// TestStreamUpstream compares Stream with upstream's VADIterator
// (scripts/vad_timestamps_fixtures.py) over every synthetic sequence.
func TestStreamUpstream(t *testing.T) {
	fx := readUpstream(t)
	require.GreaterOrEqual(t, len(fx.StreamCases), 100)
	seen := 0
	for _, c := range fx.StreamCases {
		seq := fx.Sequences[c.Sequence]
		probs := float32s(seq.Probs)
		d, err := NewDetector(&replayModel{probs: probs}, seq.SampleRate)
		require.NoError(t, err)
		s := NewStream(d, c.Params.params())
		chunk := make([]float32, d.ChunkSize())
		var got []streamEvent
		for i := range probs {
			p, ev, ok, err := s.Push(chunk)
			require.NoError(t, err)
			require.Equal(t, probs[i], p)
			if ok {
				got = append(got, streamEvent{i, ev.Start, ev.Sample})
			}
			require.Equal(t, len(got) > 0 && got[len(got)-1].Start, s.Speaking())
		}
		pj, _ := json.Marshal(c.Params)
		require.Equal(t, append([]streamEvent{}, c.Events...), append([]streamEvent{}, got...), "%s %s", c.Sequence, pj)
		seen += len(got)
	}
	require.Greater(t, seen, 1000)
}

func TestStreamPushAllocatesNothing(t *testing.T) {
	d, err := NewDetector(&mixModel{ctx: 64}, 16000)
	require.NoError(t, err)
	s := NewStream(d, DefaultParams())
	chunk := noise(512, 4)
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, err := s.Push(chunk); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	_, _, _, err = s.Push(nil)
	require.ErrorContains(t, err, "0 samples")
}

// TestStreamResetRepeats: after Reset, the same audio gives the same
// events at the same samples.
func TestStreamResetRepeats(t *testing.T) {
	probs := []float32{0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9}
	d, err := NewDetector(&replayModel{probs: probs}, 8000)
	require.NoError(t, err)
	s := NewStream(d, DefaultParams())
	run := func() []Event {
		var evs []Event
		for range probs {
			_, ev, ok, err := s.Push(make([]float32, 256))
			require.NoError(t, err)
			if ok {
				evs = append(evs, ev)
			}
		}
		return evs
	}
	first := run()
	s.Reset()
	require.False(t, s.Speaking())
	require.Equal(t, first, run())
	// 8 kHz: 256-sample chunks, pad 240, min silence 800 samples. Speech
	// at chunk 1 (ends at sample 512), silence from chunk 3 (ends at
	// 1024) lasting 1024 samples by chunk 7, speech again at chunk 8.
	require.Equal(t, []Event{{true, 512 - 240 - 256}, {false, 1024 + 240 - 256}, {true, 2304 - 240 - 256}}, first)
	require.InDelta(t, 0.002, first[0].Seconds(8000), 1e-12)
}
