package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/simdcore/simdcore/internal/regfile"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

// The sample quantize measures a network on: quantSeqs random sequences
// of quantSteps steps, inputs uniform in [−1, 1]; and at most
// maxPerplexityTokens tokens of a language model's text.
const (
	quantSeqs           = 8
	quantSteps          = 64
	maxPerplexityTokens = 200_000
)

func cmdQuantize(args []string, stdout io.Writer) error {
	fs := newFlagSet("quantize")
	model := fs.String("model", "", "safetensors file or torch.save checkpoint (.pt) of a recurrent network or language model (rnn.Load, rnn.LoadLM)")
	out := fs.String("out", "", "where to write the quantized model (int8 weight matrices, see rnn.Net.Quantize)")
	text := fs.String("text", "", "a language model's sample text for the perplexity (default: the embedded corpus, on which the embedded model was trained, less any characters outside the model's vocabulary)")
	seed := fs.Uint64("seed", 1, "seed of a network's random sample inputs")
	force := fs.Bool("force", false, "replace -out if it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *out == "" {
		return usageError{"quantize: -model FILE and -out FILE are required"}
	}
	inSize, err := checkQuantizeOutput(*out, *model, *text, *force)
	if err != nil {
		return err
	}
	// The metadata goes into the output as it is (with the scheme added).
	f, err := weights.Open(*model)
	if err != nil {
		return err
	}
	meta := f.Metadata()
	// The optimiser's tensors are not carried over, so neither is its
	// step count: a quantized model is not a checkpoint to resume.
	maps.DeleteFunc(meta, func(k, _ string) bool { return strings.HasPrefix(k, optim.StatePrefix) })
	_, isLM := meta["simdcore.tokenizer"]
	isLM = isLM || f.Has("embedding.weight")
	f = nil // the loaders read the file again; let this copy go
	var report string
	if isLM {
		report, err = quantizeLM(*model, *out, *text, meta)
	} else {
		report, err = quantizeNet(*model, *out, *seed, meta)
	}
	if err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s → %s, %s\n%s\n", *out, mib(inSize), mib(st.Size()), sizeChange(inSize, st.Size()), report)
	return nil
}

// sizeChange says how much smaller (or, for a model so small that the
// scales and metadata outweigh what int8 saves, larger) after is than
// before: "385.3 KiB smaller (88.7%)", "0.3 KiB larger (41.9%)".
func sizeChange(before, after int64) string {
	word, d := "smaller", before-after
	if d < 0 {
		word, d = "larger", -d
	}
	pct := 0.0
	if before > 0 {
		pct = 100 * float64(d) / float64(before)
	}
	return fmt.Sprintf("%s %s (%.1f%%)", mib(d), word, pct)
}

// mib formats a byte count in MiB, or KiB below one MiB.
func mib(n int64) string {
	if math.Abs(float64(n)) < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
}

// quantizeNet quantizes a network and returns the accuracy line: the
// largest difference of its outputs from the float network's on random
// inputs.
func quantizeNet(in, out string, seed uint64, meta map[string]string) (string, error) {
	net, err := rnn.Load(in)
	if err != nil {
		return "", err
	}
	if net.Quantized() {
		return "", fmt.Errorf("quantize: %s is quantized already", in)
	}
	q, err := net.Quantize()
	if err != nil {
		return "", err
	}
	if err := q.Save(out, meta); err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(seed, 0x717561))
	var worst, scale float64
	for range quantSeqs {
		x := kernel.NewMatrix(quantSteps, net.Config().Input)
		for i := range x.Data {
			x.Data[i] = float32(2*r.Float64() - 1)
		}
		want, err := net.Forward(x)
		if err != nil {
			return "", err
		}
		got, err := q.Forward(x)
		if err != nil {
			return "", err
		}
		for i, w := range want.Data {
			worst = math.Max(worst, math.Abs(float64(got.Data[i])-float64(w)))
			scale = math.Max(scale, math.Abs(float64(w)))
		}
	}
	return fmt.Sprintf("outputs on %d random sequences of %d steps (inputs uniform in [-1, 1], seed %d): max |int8 - float| = %.3g (largest |output| %.3g)",
		quantSeqs, quantSteps, seed, worst, scale), nil
}

// quantizeLM quantizes a language model and returns the accuracy line:
// the perplexity of both models on the sample text.
func quantizeLM(in, out, textPath string, meta map[string]string) (string, error) {
	lmf, err := loadLM(in)
	if err != nil {
		return "", err
	}
	if lmf.tf != nil {
		return "", fmt.Errorf("quantize: %s is a transformer language model (train -arch transformer); quantize takes recurrent networks and recurrent language models only", in)
	}
	if lmf.lm.Net.Quantized() {
		return "", fmt.Errorf("quantize: %s is quantized already", in)
	}
	var toks []int
	name, note := textPath, ""
	if textPath == "" {
		name = "the embedded corpus"
		sample, err := embedded.ReadFile("testdata/corpus.txt")
		if err != nil {
			return "", err
		}
		var left int
		toks, left = encodeKnown(lmf.lm.Tokenizer, string(sample))
		if left > 0 {
			// A model trained on another text (any but the embedded
			// model) is measured on the corpus's characters it knows.
			note = fmt.Sprintf("; %d characters outside the model's vocabulary left out, -text FILE measures on a text of yours", left)
		}
	} else {
		sample, err := readText("quantize", textPath)
		if err != nil {
			return "", err
		}
		if toks, err = lmf.lm.Tokenizer.Encode(string(sample)); err != nil {
			return "", fmt.Errorf("quantize: %s: %w (give a text in the model's vocabulary with -text)", name, err)
		}
	}
	if len(toks) < 2 {
		return "", fmt.Errorf("quantize: %s has %d tokens in the model's vocabulary; the perplexity needs at least 2 (give a text in it with -text)", name, len(toks))
	}
	toks = toks[:min(len(toks), maxPerplexityTokens)]
	q, err := lmf.lm.Quantize()
	if err != nil {
		return "", err
	}
	if err := q.Save(out, meta); err != nil {
		return "", err
	}
	pf, err := lmf.lm.Perplexity(toks)
	if err != nil {
		return "", err
	}
	pq, err := q.Perplexity(toks)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("perplexity on %s (%d tokens%s): float %.5f, int8 %.5f (%+.3f%%)", name, len(toks), note, pf, pq, 100*(pq-pf)/pf), nil
}

// encodeKnown encodes text with tok, leaving out the characters tok
// cannot encode, and returns the tokens and how many characters it left
// out.
func encodeKnown(tok rnn.Tokenizer, text string) (toks []int, left int) {
	if all, err := tok.Encode(text); err == nil {
		return all, 0
	}
	for _, r := range text {
		t, err := tok.Encode(string(r))
		if err != nil {
			left++
			continue
		}
		toks = append(toks, t...)
	}
	return toks, left
}

// maxTextBytes bounds the texts train and quantize read: a training text
// becomes one int (8 bytes) a token, and train's windows index it.
const maxTextBytes = 64 << 20

// readText reads the -text file of the command cmd: a regular file of at
// most maxTextBytes, opened without blocking (a FIFO, a device such as
// /dev/zero and a directory are refused at once, never read without end).
func readText(cmd, path string) ([]byte, error) {
	b, err := regfile.ReadFile(path, maxTextBytes)
	if errors.Is(err, regfile.ErrNotRegular) || errors.Is(err, regfile.ErrTooLarge) {
		return nil, fmt.Errorf("%s: -text %s: want a regular file of at most %d bytes", cmd, path, maxTextBytes)
	}
	return b, err
}

// checkQuantizeOutput refuses, before any work, an -out that quantize
// must not or cannot write: the model or the sample text (the same file
// by any path), an existing file without -force, a directory or other
// non-regular file, and a place where no file can be created. It returns
// the model's size.
func checkQuantizeOutput(out, model, text string, force bool) (int64, error) {
	ms, err := os.Stat(model)
	if err != nil {
		return 0, err
	}
	if !ms.Mode().IsRegular() {
		return 0, usageError{fmt.Sprintf("quantize: -model %s is not a regular file", model)}
	}
	st, err := os.Stat(out)
	switch {
	case err == nil:
		if !st.Mode().IsRegular() {
			return 0, usageError{fmt.Sprintf("quantize: -out %s is not a regular file", out)}
		}
		if os.SameFile(st, ms) {
			return 0, usageError{fmt.Sprintf("quantize: -out %s is the input model -model %s; it would be overwritten", out, model)}
		}
		if ts, err := os.Stat(text); text != "" && err == nil && os.SameFile(st, ts) {
			return 0, usageError{fmt.Sprintf("quantize: -out %s is the sample text -text %s; it would be overwritten", out, text)}
		}
		if !force {
			return 0, usageError{fmt.Sprintf("quantize: -out %s exists (-force replaces it)", out)}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("quantize: cannot use -out %s: %w", out, err)
	}
	return ms.Size(), checkWritable(out)
}
