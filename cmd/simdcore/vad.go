package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/simdcore/simdcore/vad"
)

// longAudio is how long a recording must be for vad to show progress (on
// a terminal only): shorter ones finish before a bar would be read.
const longAudio = 60 * time.Second

// vadResult is what vad -json prints.
type vadResult struct {
	File       string `json:"file"`
	Model      string `json:"model"`
	SampleRate int    `json:"sample_rate"` // of the segments' sample positions
	// ResampledFrom is the file's rate when the model does not take it
	// (neither 16000 nor 8000 Hz, or 8000 Hz for a 16 kHz-only model)
	// and the recording was resampled to 16000 Hz.
	ResampledFrom int          `json:"resampled_from,omitempty"`
	Duration      float64      `json:"duration_s"`
	Segments      []vadSegment `json:"segments"`
}

// vadRate is the rate a recording at neither of Silero VAD's rates is
// resampled to.
const vadRate = 16000

// minVADRate is the lowest rate vad resamples from. Resampling to vadRate
// multiplies the samples by vadRate/rate, and the file's header sets the
// rate: a 10 kB file declaring 1 Hz became 160 million samples (640 MB,
// seconds of work; 100 kB, 6.4 GB). From 4 kHz on, the samples grow at
// most fourfold, so memory and time stay a small multiple of the file's
// size; below it a recording has too little bandwidth for speech anyway
// (Silero VAD's lowest rate is 8 kHz).
const minVADRate = 4000

type vadSegment struct {
	Start  int     `json:"start"` // samples
	End    int     `json:"end"`
	StartS float64 `json:"start_s"`
	EndS   float64 `json:"end_s"`
}

func cmdVAD(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vad")
	model := fs.String("model", "", "Silero VAD ONNX model (silero_vad_v5.onnx, silero_vad_v6.onnx, silero_vad_legacy.onnx, or upstream's silero_vad*.onnx)")
	asJSON := fs.Bool("json", false, "print JSON (segments in samples and seconds) instead of text")
	def := vad.DefaultParams()
	threshold := fs.Float64("threshold", def.Threshold, "speech threshold: a chunk at or above it is speech")
	negThreshold := fs.Float64("neg-threshold", 0, "while in speech, a chunk below it is silence (0: threshold − 0.15, at least 0.01)")
	minSpeech := fs.Duration("min-speech", def.MinSpeech, "drop speech segments no longer than this")
	maxSpeech := fs.Duration("max-speech", 0, "split segments longer than this (0: no limit)")
	minSilence := fs.Duration("min-silence", def.MinSilence, "the silence that ends a segment")
	pad := fs.Duration("pad", def.SpeechPad, "padding added to each side of a segment")
	wavPath, err := parseVADArgs(fs, args)
	if err != nil {
		return err
	}
	if *model == "" || wavPath == "" {
		return usageError{"vad: want -model FILE.onnx and one recording: simdcore vad -model silero_vad_v5.onnx recording.wav"}
	}
	if *threshold <= 0 || *threshold >= 1 || *negThreshold < 0 || *negThreshold >= 1 {
		return usageError{"vad: -threshold and -neg-threshold must be between 0 and 1"}
	}
	if *minSpeech < 0 || *maxSpeech < 0 || *minSilence < 0 || *pad < 0 {
		return usageError{"vad: durations must not be negative"}
	}
	p := def
	p.Threshold, p.NegThreshold = *threshold, *negThreshold
	p.MinSpeech, p.MaxSpeech, p.MinSilence, p.SpeechPad = *minSpeech, *maxSpeech, *minSilence, *pad

	audio, err := vad.ReadWAVFile(wavPath)
	if err != nil {
		return err
	}
	m, err := vad.Load(*model)
	if err != nil {
		return err
	}
	from := 0 // the file's rate, when resampled
	if !slices.Contains(m.SampleRates(), audio.SampleRate) {
		// Silero VAD takes 16 and 8 kHz (the 16 kHz-only exports 16 kHz
		// alone): convert anything else to 16 kHz, as its Python package
		// does when it reads a file.
		if audio.SampleRate < minVADRate {
			return fmt.Errorf("%s: sample rate %d Hz is below %d Hz, too low for speech (Silero VAD takes 16000 and 8000 Hz)", wavPath, audio.SampleRate, minVADRate)
		}
		if audio.Samples, err = vad.Resample(audio.Samples, audio.SampleRate, vadRate); err != nil {
			return fmt.Errorf("%s: %w", wavPath, err)
		}
		from, audio.SampleRate = audio.SampleRate, vadRate
	}
	d, err := vad.NewDetector(m, audio.SampleRate)
	if err != nil {
		return err
	}
	var progress func(int)
	if isTerminal(stderr) && audio.Duration() >= longAudio.Seconds() {
		line := newStatusLine(stderr)
		defer line.erase()
		total := len(audio.Samples)
		progress = func(done int) {
			line.show(fmt.Sprintf("vad: %3.0f%%  %.0f of %.0f s", 100*float64(done)/float64(total),
				float64(done)/float64(audio.SampleRate), audio.Duration()), done == total)
		}
	}
	segs, err := d.Segments(audio.Samples, p, progress)
	if err != nil {
		return fmt.Errorf("%s: %w", wavPath, err)
	}
	return printSegments(stdout, *asJSON, vadResult{File: wavPath, Model: *model, SampleRate: audio.SampleRate, ResampledFrom: from, Duration: audio.Duration()}, segs)
}

// parseVADArgs parses the flags, which may come before or after the one
// recording, and returns the recording's path ("" if none).
func parseVADArgs(fs *flag.FlagSet, args []string) (string, error) {
	var path string
	for {
		if err := fs.Parse(args); err != nil {
			err = parseFlags(fs, args) // the same error, as every command reports it
			if h, ok := err.(commandHelp); ok {
				h.text = strings.Replace(h.text, "[flags]", "[flags] recording.wav", 1)
				return "", h
			}
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		if path != "" {
			return "", usageError{fmt.Sprintf("vad: one recording at a time (got %q and %q)", path, fs.Arg(0))}
		}
		path, args = fs.Arg(0), fs.Args()[1:]
	}
	return path, parseFlags(fs, nil)
}

// printSegments writes the segments as text (one line each: start and
// end in seconds, then the length) or as JSON.
func printSegments(w io.Writer, asJSON bool, r vadResult, segs []vad.Segment) error {
	r.Segments = make([]vadSegment, len(segs))
	for i, s := range segs {
		a, b := s.Seconds(r.SampleRate)
		r.Segments[i] = vadSegment{Start: s.Start, End: s.End, StartS: a, EndS: b}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	for _, s := range r.Segments {
		if _, err := fmt.Fprintf(w, "%8.3f s  %8.3f s  (%.3f s)\n", s.StartS, s.EndS, s.EndS-s.StartS); err != nil {
			return err
		}
	}
	resampled := ""
	if r.ResampledFrom > 0 {
		resampled = fmt.Sprintf(" (resampled from %d Hz)", r.ResampledFrom)
	}
	_, err := fmt.Fprintf(w, "%d speech segments in %.3f s of audio at %d Hz%s\n", len(segs), r.Duration, r.SampleRate, resampled)
	return err
}
