package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

// This file holds what train, generate and the checkpoints do with either
// kind of language model: rnn's recurrent LM (-arch rnn) or tlm's
// transformer (-arch transformer). An lmFile holds exactly one of them.

// The flags that only one architecture takes.
var (
	rnnOnlyFlags         = []string{"cell", "hidden"}
	transformerOnlyFlags = []string{"heads", "ff", "positions"}
)

// checkArchFlags refuses flags given on the command line that do not
// apply to arch.
func checkArchFlags(fs *flag.FlagSet, arch string) error {
	other := transformerOnlyFlags
	if arch == "transformer" {
		other = rnnOnlyFlags
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		for _, name := range other {
			if f.Name == name && err == nil {
				err = usageError{fmt.Sprintf("train: -%s does not apply to -arch %s", name, arch)}
			}
		}
	})
	return err
}

// transformerShape holds train's transformer flags.
type transformerShape struct {
	heads, ff int
	positions string
}

// newTokenizer returns train's -tokenizer name for text.
func newTokenizer(name, text string) rnn.Tokenizer {
	if name == "chars" {
		return rnn.NewChars(text)
	}
	return rnn.Bytes{}
}

// newTransformer returns a fresh transformer LM for train, its context
// the training windows' length, unless its flags make no sense or its
// updates would cost too much.
func newTransformer(tok rnn.Tokenizer, embed, layers, seqLen, batch int, s transformerShape, seed uint64) (*lmFile, error) {
	cfg, err := transformerConfig(tok, embed, layers, seqLen, s)
	if err == nil {
		err = checkUpdateCost(transformerFlops(cfg, batch, seqLen), batch, seqLen)
	}
	if err != nil {
		return nil, err
	}
	m, err := tlm.New(cfg, seed)
	if err != nil {
		return nil, usageError{fmt.Sprintf("train: %v", err)}
	}
	m.Tokenizer = tok
	return &lmFile{tf: m}, nil
}

// transformerConfig returns the configuration of a fresh transformer LM.
func transformerConfig(tok rnn.Tokenizer, embed, layers, seqLen int, s transformerShape) (tlm.Config, error) {
	var cfg tlm.Config
	switch {
	case embed <= 0 || s.heads <= 0 || embed%s.heads != 0:
		return cfg, usageError{fmt.Sprintf("train: -embed %d (d_model) must be a positive multiple of -heads %d", embed, s.heads)}
	case s.ff < 0 || s.ff > 16384:
		return cfg, usageError{fmt.Sprintf("train: -ff %d out of range [0, 16384]", s.ff)}
	case s.positions != "sinusoidal" && s.positions != "learned":
		return cfg, usageError{fmt.Sprintf("train: -positions %q (want sinusoidal or learned)", s.positions)}
	}
	if s.ff == 0 {
		s.ff = 4 * embed
	}
	return tlm.Config{Vocab: tok.Vocab(), DModel: embed, Heads: s.heads, FF: s.ff, Layers: layers, MaxLen: seqLen,
		Activation: nn.GELU, Learned: s.positions == "learned"}, nil
}

// loadTransformer reads path as loadLM does if it holds a transformer LM
// (ok false, without an error, for another kind of file, which
// rnn.LoadLM then reads or refuses).
func loadTransformer(path string) (f *lmFile, ok bool, err error) {
	file, err := weights.Open(path)
	if err != nil || !tlm.IsModel(file.Metadata()) {
		return nil, false, nil
	}
	tf, err := tlm.Load(path)
	if err != nil {
		return nil, true, err
	}
	f = &lmFile{tf: tf}
	if f.steps, err = stepsOf(path, file.Metadata()); err != nil {
		return nil, true, err
	}
	if tf.Tokenizer == nil {
		// As for a recurrent model: no tokenizer means byte-level.
		if tf.Vocab() != 256 {
			return nil, true, fmt.Errorf("%s: the model stores no tokenizer, and it has %d tokens where a byte-level model has 256", path, tf.Vocab())
		}
		tf.Tokenizer = rnn.Bytes{}
	}
	return f, true, nil
}

// tokenizer returns the model's tokenizer.
func (f *lmFile) tokenizer() rnn.Tokenizer {
	if f.tf != nil {
		return f.tf.Tokenizer
	}
	return f.lm.Tokenizer
}

// params lists the model's parameters (names and values) in the order
// in which the model's Train hands them to Adam.
func (f *lmFile) params() []optim.Param {
	if f.tf != nil {
		return f.tf.Params(f.tf.NewGrads())
	}
	return adamParams(f.lm)
}

// encode writes the model as its Encode does.
func (f *lmFile) encode(w io.Writer, meta map[string]string) error {
	if f.tf != nil {
		return f.tf.Encode(w, meta)
	}
	return f.lm.Encode(w, meta)
}

// saveModel writes the model alone as its Save does.
func (f *lmFile) saveModel(path string, meta map[string]string) error {
	if f.tf != nil {
		return f.tf.Save(path, meta)
	}
	return f.lm.Save(path, meta)
}

// update runs one optimiser update of train.
func (f *lmFile) update(ctx context.Context, toks []int, seqLen, batch int, clip float64, seed uint64) (float64, error) {
	if f.tf != nil {
		return f.tf.Train(toks, tlm.TrainConfig{Steps: 1, SeqLen: seqLen, BatchSize: batch, Optimizer: f.adam,
			ClipNorm: clip, Seed: seed, Context: ctx})
	}
	return f.lm.Train(toks, rnn.LMTrainConfig{Steps: 1, SeqLen: seqLen, BatchSize: batch, Optimizer: f.adam,
		ClipNorm: clip, Seed: seed, Context: ctx})
}

// updateFlops estimates one update's floating-point operations.
func (f *lmFile) updateFlops(batch, seqLen int) float64 {
	if f.tf != nil {
		return transformerFlops(f.tf.Config(), batch, seqLen)
	}
	return lmUpdateFlops(f.lm, batch, seqLen)
}

// transformerFlops is updateFlops for a transformer of configuration c:
// about 6 per multiply-add of each token's projections, feed-forward and
// head, and of its attention over the window.
func transformerFlops(c tlm.Config, batch, seqLen int) float64 {
	d, t := float64(c.DModel), float64(seqLen)
	perToken := float64(c.Layers)*(4*d*d+2*d*float64(c.FF)+2*t*d) + d*float64(c.Vocab)
	return 6 * float64(batch) * t * perToken
}

// shapeFlags returns train's shape flags as the model has them, for
// train -resume.
func (f *lmFile) shapeFlags() map[string]string {
	if f.tf != nil {
		c := f.tf.Config()
		pos := "sinusoidal"
		if c.Learned {
			pos = "learned"
		}
		return map[string]string{"arch": "transformer", "layers": fmt.Sprint(c.Layers), "embed": fmt.Sprint(c.DModel),
			"heads": fmt.Sprint(c.Heads), "ff": fmt.Sprint(c.FF), "positions": pos, "tokenizer": tokenizerName(f.tf.Tokenizer)}
	}
	cfg := f.lm.Net.Config()
	return map[string]string{
		"arch":      "rnn",
		"cell":      cfg.Cell.String(),
		"hidden":    fmt.Sprint(cfg.Hidden),
		"layers":    fmt.Sprint(max(cfg.Layers, 1)),
		"embed":     fmt.Sprint(f.lm.Embed.Cols),
		"tokenizer": tokenizerName(f.lm.Tokenizer),
	}
}
