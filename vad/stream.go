package vad

import "fmt"

// Event is a speech boundary that a Stream found: speech starts (Start)
// or ends at Sample, a sample index of the stream, padding included.
type Event struct {
	Start  bool
	Sample int
}

// Stream turns audio arriving chunk by chunk into speech start and end
// events as they happen, the way upstream silero-vad's VADIterator does:
// speech starts at the first chunk at or above the threshold (moved back
// by the padding) and ends once the probability has stayed below the
// threshold − 0.15 for the minimum silence (moved forward by the
// padding). Unlike SpeechTimestamps, which sees the whole recording, it
// drops no short segment, merges nothing and splits nothing. Push
// allocates nothing.
type Stream struct {
	d                *Detector
	threshold        float64
	minSilence, pad  float64 // in samples
	triggered        bool
	tempEnd, current int   // upstream's temp_end and current_sample
	err              error // Params that Push refuses
}

// NewStream returns a stream over d (reset) that uses p's Threshold,
// MinSilence and SpeechPad; as in upstream's VADIterator, the silence
// threshold is Threshold − 0.15 and the other fields of Params (which
// need the whole recording) do not apply. A negative SpeechPad would put
// events outside the stream (a start after the samples pushed, an end
// before the first): Push then returns an error for every chunk.
func NewStream(d *Detector, p Params) *Stream {
	s := &Stream{
		d:          d,
		threshold:  p.Threshold,
		minSilence: samplesOf(p.MinSilence, d.rate),
		pad:        samplesOf(p.SpeechPad, d.rate),
	}
	if p.SpeechPad < 0 {
		s.err = fmt.Errorf("vad: NewStream: SpeechPad %v is negative", p.SpeechPad)
	}
	s.Reset()
	return s
}

// Reset starts a new stream: the detector is reset and sample counting
// starts again at 0.
func (s *Stream) Reset() {
	s.d.Reset()
	s.triggered, s.tempEnd, s.current = false, 0, 0
}

// Speaking reports whether the stream is inside speech: a start event
// came and its end has not.
func (s *Stream) Speaking() bool { return s.triggered }

// Push runs one chunk (the Detector's ChunkSize samples, fewer for the
// last) and returns its speech probability and the event it completes,
// if any (ok). It returns an error for a Stream of invalid Params (see
// NewStream) before running anything.
func (s *Stream) Push(chunk []float32) (prob float32, ev Event, ok bool, err error) {
	if s.err != nil {
		return 0, Event{}, false, s.err
	}
	prob, err = s.d.Process(chunk)
	if err != nil {
		return 0, Event{}, false, err
	}
	window := len(chunk)
	s.current += window
	ev, ok = s.step(float64(prob), window)
	return prob, ev, ok, nil
}

// step is VADIterator.__call__ after the model: the same tests in the
// same order.
func (s *Stream) step(prob float64, window int) (Event, bool) {
	if prob >= s.threshold && s.tempEnd != 0 {
		s.tempEnd = 0
	}
	if prob >= s.threshold && !s.triggered {
		s.triggered = true
		start := max(0, float64(s.current)-s.pad-float64(window))
		return Event{Start: true, Sample: int(start)}, true
	}
	if prob < s.threshold-0.15 && s.triggered {
		if s.tempEnd == 0 {
			s.tempEnd = s.current
		}
		if float64(s.current-s.tempEnd) < s.minSilence {
			return Event{}, false
		}
		end := float64(s.tempEnd) + s.pad - float64(window)
		s.tempEnd = 0
		s.triggered = false
		return Event{Sample: int(end)}, true
	}
	return Event{}, false
}

// Seconds returns the event's time at sampleRate.
func (e Event) Seconds(sampleRate int) float64 {
	return float64(e.Sample) / float64(sampleRate)
}
