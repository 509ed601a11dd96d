// Command vadlong writes the long recording of package vad's parity tests
// and benchmarks (internal/vadtest.Long over testdata/vad/speech16k.wav)
// as a 32-bit float WAV file, for bench/peers/ort_vad.mjs:
//
//	go run ./internal/cmd/vadlong -seconds 64 -o /tmp/long16k.wav
//	node bench/peers/ort_vad.mjs -fixture testdata/vad/ort_long16k.json /tmp/long16k.wav
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/simdcore/simdcore/internal/vadtest"
	"github.com/simdcore/simdcore/vad"
)

func main() {
	in := flag.String("in", "testdata/vad/speech16k.wav", "the recording to repeat")
	seconds := flag.Int("seconds", 64, "length of the output in seconds")
	out := flag.String("o", "", "output WAV file (required)")
	flag.Parse()
	if err := run(*in, *seconds, *out); err != nil {
		fmt.Fprintln(os.Stderr, "vadlong:", err)
		os.Exit(2)
	}
}

func run(in string, seconds int, out string) error {
	if out == "" || seconds <= 0 {
		return fmt.Errorf("want -o FILE and a positive -seconds")
	}
	a, err := vad.ReadWAVFile(in)
	if err != nil {
		return err
	}
	samples := vadtest.Long(a.Samples, seconds*a.SampleRate)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := vadtest.WriteFloat32WAV(w, samples, a.SampleRate); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
