package vad_test

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/vad"
)

// Speech probabilities of 32 ms chunks at 16 kHz become segments: the
// short dip at chunk 12 does not split the speech (it is shorter than
// MinSilence), and the segments are padded by SpeechPad.
func ExampleSpeechTimestamps() {
	probs := []float32{
		0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
		0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
	}
	length := len(probs) * 512
	segs, err := vad.SpeechTimestamps(probs, length, 16000, vad.DefaultParams())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range segs {
		start, end := s.Seconds(16000)
		fmt.Printf("speech %.3f s to %.3f s (samples %d to %d)\n", start, end, s.Start, s.End)
	}
	// Output:
	// speech 0.098 s to 0.606 s (samples 1568 to 9696)
}

// loudness is a toy Model: the probability is the chunk's peak amplitude
// (a real one is a Silero network).
type loudness struct{}

func (loudness) Context(int) int { return 0 }
func (loudness) ResetState()     {}
func (loudness) Infer(in []float32, _ int) (float32, error) {
	var peak float32
	for _, x := range in {
		peak = max(peak, x, -x)
	}
	return peak, nil
}

// A Detector streams chunks through a model; Segments runs a whole
// recording and applies SpeechTimestamps.
func ExampleDetector() {
	d, err := vad.NewDetector(loudness{}, 8000)
	if err != nil {
		fmt.Println(err)
		return
	}
	audio := make([]float32, 8000) // one second, a tone from 0.25 s to 0.75 s
	for i := 2000; i < 6000; i++ {
		audio[i] = 0.8
	}
	segs, err := d.Segments(audio, vad.DefaultParams(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.ChunkSize(), "samples per chunk:", segs)
	// Output:
	// 256 samples per chunk: [{1552 6384}]
}

// A Stream reports speech starting and ending while audio arrives, as
// upstream's VADIterator does.
func ExampleStream() {
	d, err := vad.NewDetector(loudness{}, 8000)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := vad.NewStream(d, vad.DefaultParams())
	chunk := make([]float32, d.ChunkSize())
	for i := 0; i < 30; i++ { // 30 chunks of 32 ms; a tone in chunks 5 to 14
		level := float32(0)
		if i >= 5 && i < 15 {
			level = 0.8
		}
		for k := range chunk {
			chunk[k] = level
		}
		_, ev, ok, err := s.Push(chunk)
		if err != nil {
			fmt.Println(err)
			return
		}
		if ok && ev.Start {
			fmt.Printf("chunk %d: speech started at %.3f s\n", i, ev.Seconds(8000))
		} else if ok {
			fmt.Printf("chunk %d: speech ended at %.3f s\n", i, ev.Seconds(8000))
		}
	}
	// Output:
	// chunk 5: speech started at 0.130 s
	// chunk 19: speech ended at 0.510 s
}

// A recording at 48 kHz, brought to the 16 kHz the models take.
func ExampleResample() {
	second := make([]float32, 48000)
	for i := range second {
		second[i] = float32(math.Sin(2 * math.Pi * 440 * float64(i) / 48000)) // A4
	}
	x, err := vad.Resample(second, 48000, 16000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d samples; x[1001] = %.4f, sin(2π·440·1001/16000) = %.4f\n", len(x), x[1001], math.Sin(2*math.Pi*440*1001/16000))
	// Output: 16000 samples; x[1001] = -0.1720, sin(2π·440·1001/16000) = -0.1719
}

// A 48 kHz stream in 10 ms pieces (as a sound card delivers it), brought
// to 16 kHz piece by piece: the same samples as Resample of the whole.
func ExampleResampler() {
	r, err := vad.NewResampler(48000, 16000)
	if err != nil {
		panic(err)
	}
	piece := make([]float32, 480) // 10 ms at 48 kHz
	var out []float32
	for range 100 { // one second
		out = r.Write(out, piece)
	}
	out = r.Flush(out)
	fmt.Println(len(out), "samples at 16 kHz")
	// Output: 16000 samples at 16 kHz
}
