package vad

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrNonFinite is wrapped by the Detector's errors for a chunk that holds
// a NaN or infinite sample, and for a probability from the model that is
// NaN or infinite (samples so large that the network overflows: about
// 1e17 and up for the Silero models). Before these errors, a single such
// sample made every later probability of the stream NaN through the
// recurrent state, which SpeechTimestamps and Stream read as neither
// speech nor silence: the rest of a recording was silently lost.
var ErrNonFinite = errors.New("vad: non-finite value")

// Model is one stream of a Silero VAD network: its weights and its
// recurrent state. A Detector feeds it; whatever runs the network
// implements it (an ONNX session over a model file, or a test's stand-in).
type Model interface {
	// Context returns how many samples from the end of the previous input
	// precede each chunk at sampleRate: 64 at 16 kHz and 32 at 8 kHz for
	// Silero v5 and v6, 0 for the legacy model.
	Context(sampleRate int) int
	// Infer runs the network on in, Context(sampleRate) samples of context
	// then one chunk (ChunkSize(sampleRate) samples), from the current
	// recurrent state; it keeps the next state and returns the chunk's
	// speech probability. Once it has run at a sample rate, it allocates
	// nothing.
	Infer(in []float32, sampleRate int) (float32, error)
	// ResetState zeroes the recurrent state.
	ResetState()
}

// Detector streams audio through a Model chunk by chunk, the way upstream
// silero-vad's OnnxWrapper does: each chunk is preceded by the model's
// context (the last samples of the previous input, zeros at the start)
// and the recurrent state is carried from chunk to chunk. Process
// allocates nothing. A Detector is not safe for concurrent use; run one
// per stream, each with its own Model.
type Detector struct {
	model Model
	rate  int
	chunk int
	ctx   int
	in    []float32 // ctx samples of context, then the chunk
}

// NewDetector returns a detector for audio at sampleRate (16000 or 8000)
// with m's state reset. A model with a method SampleRates() []int (as
// Silero has) that does not list sampleRate is an error.
func NewDetector(m Model, sampleRate int) (*Detector, error) {
	chunk, err := ChunkSize(sampleRate)
	if err != nil {
		return nil, err
	}
	if r, ok := m.(interface{ SampleRates() []int }); ok && !slices.Contains(r.SampleRates(), sampleRate) {
		return nil, fmt.Errorf("vad: the model takes %v Hz, not %d Hz: resample to 16000 Hz", r.SampleRates(), sampleRate)
	}
	ctx := m.Context(sampleRate)
	if ctx < 0 || ctx > chunk {
		return nil, fmt.Errorf("vad: model context of %d samples at %d Hz (want 0 to %d)", ctx, sampleRate, chunk)
	}
	d := &Detector{model: m, rate: sampleRate, chunk: chunk, ctx: ctx, in: make([]float32, ctx+chunk)}
	d.Reset()
	return d, nil
}

// SampleRate returns the sample rate the detector was made for.
func (d *Detector) SampleRate() int { return d.rate }

// ChunkSize returns the samples per chunk: 512 at 16 kHz, 256 at 8 kHz.
func (d *Detector) ChunkSize() int { return d.chunk }

// Reset starts a new stream: the model's state and the context are zeroed.
func (d *Detector) Reset() {
	d.model.ResetState()
	clear(d.in)
}

// Process runs one chunk and returns its speech probability. chunk holds
// ChunkSize samples, or fewer for the last chunk of a recording (padded
// with zeros, as upstream does); an empty or longer chunk is an error.
//
// A NaN or infinite sample is an error wrapping ErrNonFinite, given before
// anything changes: the detector's context and the model's state are as
// they were. A probability that is NaN or infinite (finite samples too
// large for the network) is such an error too; the model's state then
// holds the overflow, so the detector is reset (as by Reset) before
// Process returns.
func (d *Detector) Process(chunk []float32) (float32, error) {
	if len(chunk) == 0 || len(chunk) > d.chunk {
		return 0, fmt.Errorf("vad: Detector.Process: %d samples (want 1 to %d at %d Hz)", len(chunk), d.chunk, d.rate)
	}
	for i, v := range chunk {
		if v-v != 0 { // NaN or ±Inf
			return 0, fmt.Errorf("%w: sample %d of the chunk is %v", ErrNonFinite, i, v)
		}
	}
	// The context is the end of the previous input, padding included.
	copy(d.in[:d.ctx], d.in[len(d.in)-d.ctx:])
	body := d.in[d.ctx:]
	copy(body, chunk)
	clear(body[len(chunk):])
	p, err := d.model.Infer(d.in, d.rate)
	if err != nil {
		return p, err
	}
	if math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
		d.Reset()
		return 0, fmt.Errorf("%w: the model's speech probability is %v (samples too large for the network, largest |x| %g; the detector was reset)", ErrNonFinite, p, peak(chunk))
	}
	return p, nil
}

// peak is the largest |x| of x.
func peak(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, float32(math.Abs(float64(v))))
	}
	return m
}

// Probabilities resets the detector and returns the speech probability of
// every chunk of samples (the last chunk zero-padded): the sequence that
// SpeechTimestamps takes. progress, if not nil, is called after each chunk
// with the number of samples done.
func (d *Detector) Probabilities(samples []float32, progress func(done int)) ([]float32, error) {
	d.Reset()
	probs := make([]float32, 0, (len(samples)+d.chunk-1)/d.chunk)
	for start := 0; start < len(samples); start += d.chunk {
		end := min(start+d.chunk, len(samples))
		p, err := d.Process(samples[start:end])
		if err != nil {
			return nil, fmt.Errorf("vad: chunk %d (samples %d to %d): %w", start/d.chunk, start, end, err)
		}
		probs = append(probs, p)
		if progress != nil {
			progress(end)
		}
	}
	return probs, nil
}

// Segments returns the speech segments of a recording at the detector's
// sample rate: Probabilities, then SpeechTimestamps with p. This is what
// upstream get_speech_timestamps does with a model.
func (d *Detector) Segments(samples []float32, p Params, progress func(done int)) ([]Segment, error) {
	probs, err := d.Probabilities(samples, progress)
	if err != nil {
		return nil, err
	}
	return SpeechTimestamps(probs, len(samples), d.rate, p)
}
