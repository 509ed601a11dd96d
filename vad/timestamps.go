package vad

import (
	"fmt"
	"math"
	"time"
)

// Segment is one stretch of speech, in samples of the recording: Start is
// the first sample, End is one past the last.
type Segment struct {
	Start, End int
}

// Seconds returns the segment's bounds in seconds at sampleRate.
func (s Segment) Seconds(sampleRate int) (start, end float64) {
	return float64(s.Start) / float64(sampleRate), float64(s.End) / float64(sampleRate)
}

// Params are get_speech_timestamps' parameters; DefaultParams gives
// upstream's defaults.
type Params struct {
	// Threshold: a chunk whose probability is at or above it is speech.
	Threshold float64
	// NegThreshold: while in speech, a chunk below it is silence. Zero
	// means upstream's default, max(Threshold − 0.15, 0.01).
	NegThreshold float64
	// MinSpeech: speech segments no longer than this are dropped.
	MinSpeech time.Duration
	// MaxSpeech: longer segments are split (at the longest silence of
	// more than MinSilenceAtMaxSpeech inside them if there is one, else
	// just before MaxSpeech). Zero means no limit.
	MaxSpeech time.Duration
	// MinSilence: a silence must last this long to end a segment.
	MinSilence time.Duration
	// SpeechPad is added to each side of every segment (half the gap when
	// two segments are closer than twice the pad).
	SpeechPad time.Duration
	// MinSilenceAtMaxSpeech: the shortest silence that a MaxSpeech split
	// may cut at.
	MinSilenceAtMaxSpeech time.Duration
	// LastSilenceAtMaxSpeech selects upstream's older MaxSpeech split
	// (use_max_poss_sil_at_max_speech=False): at the last silence longer
	// than MinSilenceAtMaxSpeech rather than the longest.
	LastSilenceAtMaxSpeech bool
}

// DefaultParams returns upstream get_speech_timestamps' defaults:
// threshold 0.5, neg_threshold max(0.35, 0.01), min speech 250 ms, no
// maximum, min silence 100 ms, pad 30 ms, min silence at max speech 98 ms,
// the longest silence used at a max-speech split.
func DefaultParams() Params {
	return Params{
		Threshold:             0.5,
		MinSpeech:             250 * time.Millisecond,
		MinSilence:            100 * time.Millisecond,
		SpeechPad:             30 * time.Millisecond,
		MinSilenceAtMaxSpeech: 98 * time.Millisecond,
	}
}

// ChunkSize returns the number of samples per chunk that the Silero
// models take at sampleRate: 512 at 16 kHz, 256 at 8 kHz, and an error
// saying so at any other rate.
func ChunkSize(sampleRate int) (int, error) {
	switch sampleRate {
	case 16000:
		return 512, nil
	case 8000:
		return 256, nil
	}
	return 0, fmt.Errorf("vad: sample rate %d Hz is not supported: want 16000 or 8000 Hz (resample first)", sampleRate)
}

// samplesOf converts a duration to samples at sampleRate the way upstream
// does: sampling_rate * ms / 1000 in float64, where ms is the duration in
// milliseconds as the float64 nearest to it (what Python reads from the
// same number written in milliseconds: exact for whole ones). Computing
// it from d.Seconds() instead rounds differently for a duration with a
// fraction of a millisecond (125.125 ms at 16 kHz: 2001.9999999999998
// samples, not 2002), which moves a padded bound by one sample.
//
// Every product here and below is rounded by an explicit float64(…)
// before it is added to or subtracted from: Go may otherwise fuse the two
// into one FMA (arm64 does), which rounds once and can move a bound across
// a whole chunk boundary, unlike upstream's Python.
func samplesOf(d time.Duration, sampleRate int) float64 {
	return float64(sampleRate) * (float64(d) / 1e6) / 1000
}

// seconds is d in seconds as the float64 nearest to it, as Python reads
// max_speech_duration_s written in decimal. d.Seconds() adds the whole
// seconds to the rounded fraction, which is not always the nearest
// (1.344 s gives 1.3439999999999999).
func seconds(d time.Duration) float64 {
	return float64(d) / 1e9
}

// SpeechTimestamps turns per-chunk speech probabilities into speech
// segments exactly as upstream silero-vad's get_speech_timestamps does
// after running the model: probs[i] is the probability of samples
// [i·chunk, (i+1)·chunk) with chunk = ChunkSize(sampleRate) (the last
// chunk zero-padded), and length is the recording's length in samples.
// Segments are in samples, padded, in order, disjoint, non-empty, within
// [0, length]. (Upstream can return an empty segment where a NegThreshold
// above Threshold lets a MaxSpeech split cut at the segment's own start;
// with no SpeechPad to widen it, such a segment is left out here.)
//
// Errors: an unsupported sample rate, or probabilities that do not cover
// length (len(probs) must be ceil(length / chunk)).
func SpeechTimestamps(probs []float32, length, sampleRate int, p Params) ([]Segment, error) {
	window, err := ChunkSize(sampleRate)
	if err != nil {
		return nil, err
	}
	if length < 0 || len(probs) != (length+window-1)/window {
		return nil, fmt.Errorf("vad: %d probabilities for %d samples (want one per %d-sample chunk: %d)", len(probs), length, window, (max(length, 0)+window-1)/window)
	}
	threshold := p.Threshold
	negThreshold := p.NegThreshold
	if negThreshold == 0 {
		negThreshold = math.Max(threshold-0.15, 0.01)
	}
	minSpeech := samplesOf(p.MinSpeech, sampleRate)
	speechPad := samplesOf(p.SpeechPad, sampleRate)
	maxSpeech := math.Inf(1)
	if p.MaxSpeech > 0 {
		maxSpeech = float64(float64(sampleRate)*seconds(p.MaxSpeech)) - float64(window) - 2*speechPad
	}
	minSilence := samplesOf(p.MinSilence, sampleRate)
	minSilenceAtMax := samplesOf(p.MinSilenceAtMaxSpeech, sampleRate)
	useMaxPossible := !p.LastSilenceAtMaxSpeech

	// The names and the order of every test are upstream's, so that the
	// two can be read side by side. current (open) is current_speech:
	// open says whether it holds a start.
	type silence struct{ end, dur int }
	var (
		triggered                 bool
		speeches                  []Segment
		current                   Segment
		open                      bool
		tempEnd, prevEnd, nextStr int
		possibleEnds              []silence
	)
	// endSpeech closes the current segment at end (kept if keep), and
	// forget drops the candidate cut points, as upstream does after every
	// cut.
	endSpeech := func(end int, keep bool) {
		current.End = end
		if keep {
			speeches = append(speeches, current)
		}
		current, open = Segment{}, false
	}
	forget := func() {
		prevEnd, nextStr, tempEnd = 0, 0, 0
		possibleEnds = possibleEnds[:0]
	}
	for i, pr := range probs {
		prob := float64(pr)
		cur := window * i

		// Speech returns after a temp_end: record the silence if long
		// enough and clear temp_end.
		if prob >= threshold && tempEnd != 0 {
			silDur := cur - tempEnd
			if float64(silDur) > minSilenceAtMax {
				possibleEnds = append(possibleEnds, silence{tempEnd, silDur})
			}
			tempEnd = 0
			if nextStr < prevEnd {
				nextStr = cur
			}
		}

		// Start of speech.
		if prob >= threshold && !triggered {
			triggered = true
			current, open = Segment{Start: cur}, true
			continue
		}

		// Maximum speech length reached: decide where to cut.
		if triggered && float64(cur-current.Start) > maxSpeech {
			if useMaxPossible && len(possibleEnds) > 0 {
				best := possibleEnds[0] // Python's max keeps the first maximum
				for _, s := range possibleEnds[1:] {
					if s.dur > best.dur {
						best = s
					}
				}
				prevEnd = best.end
				endSpeech(prevEnd, true)
				nextStr = prevEnd + best.dur
				if nextStr < prevEnd+cur {
					current, open = Segment{Start: nextStr}, true
				} else {
					triggered = false
				}
				forget()
			} else if prevEnd != 0 {
				endSpeech(prevEnd, true)
				if nextStr < prevEnd {
					triggered = false
				} else {
					current, open = Segment{Start: nextStr}, true
				}
				forget()
			} else {
				endSpeech(cur, true)
				forget()
				triggered = false
				continue
			}
		}

		// Silence while in speech.
		if prob < negThreshold && triggered {
			if tempEnd == 0 {
				tempEnd = cur
			}
			silDurNow := cur - tempEnd
			if !useMaxPossible && float64(silDurNow) > minSilenceAtMax {
				prevEnd = tempEnd
			}
			if float64(silDurNow) < minSilence {
				continue
			}
			endSpeech(tempEnd, float64(tempEnd-current.Start) > minSpeech)
			forget()
			triggered = false
			continue
		}
	}
	if open && float64(length-current.Start) > minSpeech {
		current.End = length
		speeches = append(speeches, current)
	}
	pad(speeches, length, speechPad)
	// A maximum-length split can leave a segment empty (start = end) when
	// the silence it cuts at begins where the segment does, which needs a
	// NegThreshold above Threshold; upstream returns it, and with no pad it
	// is still empty here: it is dropped.
	kept := speeches[:0]
	for _, s := range speeches {
		if s.End > s.Start {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

// pad widens the segments by speechPad on each side, or by half the gap
// (rounded down) when two segments are closer than twice the pad, as
// upstream does: truncating the padded float bounds toward zero.
func pad(speeches []Segment, length int, speechPad float64) {
	for i := range speeches {
		s := &speeches[i]
		if i == 0 {
			s.Start = int(math.Max(0, float64(s.Start)-speechPad))
		}
		if i != len(speeches)-1 {
			next := &speeches[i+1]
			gap := next.Start - s.End
			if float64(gap) < 2*speechPad {
				// Upstream's gap // 2 (floor): segments are disjoint
				// and in order here, so gap ≥ 0 and / is the same.
				s.End += gap / 2
				next.Start = max(0, next.Start-gap/2)
			} else {
				s.End = int(math.Min(float64(length), float64(s.End)+speechPad))
				next.Start = int(math.Max(0, float64(next.Start)-speechPad))
			}
		} else {
			s.End = int(math.Min(float64(length), float64(s.End)+speechPad))
		}
	}
}
