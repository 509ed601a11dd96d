package vad

// Resampler is Resample on a stream (a microphone at 48 kHz feeding a
// 16 kHz Stream): Write takes the recording in pieces of any size and
// returns the outputs its inputs so far determine, Flush the last ones,
// which reach past the end (where the input counts as zero). Together its
// outputs are Resample's of the whole recording, bit for bit, however the
// input is cut. An output waits for the inputs up to about 6·from/to
// samples after its time (the filter's half-width: 17 samples from
// 44.1 kHz to 16 kHz, about 0.4 ms). Once its buffer has grown to the
// largest piece written, Write allocates nothing when dst has room.
// A Resampler belongs to one goroutine.
type Resampler struct {
	f    *resampleFilter
	same bool
	buf  []float32 // inputs from number start on
	// start is the stream position of buf[0]: −width at first, for the
	// zeros before the first input.
	start   int64
	n, k    int64 // inputs written, outputs produced
	flushed bool
}

// NewResampler returns a resampler from the rate from to the rate to (Hz,
// each 1..MaxResampleRate).
func NewResampler(from, to int) (*Resampler, error) {
	f, err := newResampleFilter("NewResampler", from, to)
	if err != nil {
		return nil, err
	}
	r := &Resampler{f: f, same: from == to}
	r.Reset()
	return r, nil
}

// Reset starts a new stream.
func (r *Resampler) Reset() {
	r.buf = append(r.buf[:0], make([]float32, r.f.width)...)
	r.start, r.n, r.k, r.flushed = -int64(r.f.width), 0, 0, false
}

// Write appends to dst the outputs that the inputs written so far
// determine, and returns it. Writing after Flush panics (Reset first).
func (r *Resampler) Write(dst, in []float32) []float32 {
	if r.flushed {
		panic("vad: Resampler.Write after Flush (call Reset to start a new stream)")
	}
	if r.same {
		r.n += int64(len(in))
		return append(dst, in...)
	}
	r.buf = append(r.buf, in...)
	r.n += int64(len(in))
	dst = r.produce(dst, r.n)
	// Keep the inputs from the next output's first on.
	at, _ := r.f.inputs(r.k)
	if drop := at - r.start; drop > 0 {
		r.buf = r.buf[:copy(r.buf, r.buf[drop:])]
		r.start = at
	}
	return dst
}

// Flush appends the outputs that remain, up to ⌈n·to/from⌉ for the n
// inputs written, and returns dst. The stream then ends.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.flushed || r.same {
		r.flushed = true
		return dst
	}
	r.flushed = true
	end := r.f.outputs(r.n)
	r.buf = append(r.buf, make([]float32, r.f.taps)...) // the zeros past the end
	for ; r.k < end; r.k++ {
		at, phase := r.f.inputs(r.k)
		dst = append(dst, r.f.output(phase, r.buf[at-r.start:at-r.start+int64(r.f.taps)]))
	}
	return dst
}

// produce appends every output whose inputs are all among the first n.
func (r *Resampler) produce(dst []float32, n int64) []float32 {
	taps := int64(r.f.taps)
	for {
		at, phase := r.f.inputs(r.k)
		if at+taps > n {
			return dst
		}
		dst = append(dst, r.f.output(phase, r.buf[at-r.start:at-r.start+taps]))
		r.k++
	}
}
