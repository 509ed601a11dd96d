package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFlagValueSweep gives every flag of generate, train, run, vad,
// onnx check, onnx time and quantize (but the file names and -resume,
// -force) each of a list of hostile values — negative, zero, the int64
// extremes, 1e308, tiny, empty, not a number, past int64 — on top of a
// cheap valid command line, in the process. No value may end in a
// recovered panic ("internal error"), and a refused one must fail at once
// (within 10 s on a loaded machine) with one line of error.
func TestFlagValueSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs some 500 command lines")
	}
	f := testFiles(t)
	lmPath := filepath.Join(f["dir"], "lm.st")
	var o, e bytes.Buffer
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-hidden", "4", "-embed", "2", "-seqlen", "4", "-batch", "1", "-steps", "1", "-out", lmPath}, &o, &e), e.String())
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		require.NoError(t, err)
		return a
	}
	wav, silero, model := abs("../../testdata/vad/speech8k.wav"), abs("../../testdata/silero/silero_vad_v5.onnx"), abs("../../testdata/onnx/torch/linear/model.onnx")
	// Each command: its words, the flags before the one swept, and the
	// positional arguments after it.
	commands := []struct {
		words, pre, post []string
	}{
		{[]string{"generate"}, []string{"-model", lmPath, "-n", "3"}, nil},
		{[]string{"train"}, []string{"-text", f["corpus.txt"], "-hidden", "4", "-embed", "2", "-seqlen", "4", "-batch", "1", "-steps", "1", "-force", "-out", filepath.Join(f["dir"], "t.st")}, nil},
		{[]string{"run"}, []string{"-model", f["net"], "-input", f["in.csv"]}, nil},
		{[]string{"vad"}, []string{"-model", silero}, []string{wav}},
		{[]string{"onnx", "check"}, nil, []string{model}},
		{[]string{"onnx", "time"}, []string{"-for", "10ms"}, []string{model}},
		{[]string{"quantize"}, []string{"-model", lmPath, "-out", filepath.Join(f["dir"], "q.st")}, nil},
	}
	values := []string{"-1", "0", "1", "9223372036854775807", "-9223372036854775808", "1e308", "-1e-308", "", "x",
		"99999999999999999999", "1e-300", "2147483648", "4097", "65536"}
	skip := map[string]bool{"out": true, "model": true, "text": true, "input": true, "resume": true, "force": true}
	// Values that are honest work, only slow: thousands of updates, or
	// of windows in one.
	slow := map[string]bool{"steps=4097": true, "steps=65536": true, "batch=65536": true}
	flagName := regexp.MustCompile(`(?m)^  -(\S+)`)
	swept := 0
	for _, c := range commands {
		var help, stderr bytes.Buffer
		require.Equal(t, 0, run(append(append([]string(nil), c.words...), "-h"), &help, &stderr))
		for _, m := range flagName.FindAllStringSubmatch(help.String(), -1) {
			if skip[m[1]] {
				continue
			}
			swept++
			for _, v := range values {
				if slow[m[1]+"="+v] {
					continue
				}
				args := append(append(append(append([]string(nil), c.words...), c.pre...), "-"+m[1]+"="+v), c.post...)
				var so, se bytes.Buffer
				start := time.Now()
				status := run(args, &so, &se)
				took := time.Since(start)
				msg := strings.TrimSpace(se.String())
				refusedSlowly := status != 0 && (took > 10*time.Second || strings.Count(msg, "\n") > 0)
				if strings.Contains(msg, "internal error") || refusedSlowly {
					t.Errorf("%q: status %d in %v: %q", args, status, took, msg)
				}
			}
		}
	}
	require.Greater(t, swept, 30, "the help output's flags were not found")
}
