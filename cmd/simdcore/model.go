package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"

	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

// embedded holds the demo character-level language model,
// testdata/demo.safetensors, trained by this command's train subcommand
// on testdata/corpus.txt (the project's own doc comments, made by
// scripts/corpus.sh; the README gives the exact command). It is a
// directory embed so that the command still builds before a model has
// been trained, which is how the model itself is first made.
//
//go:embed testdata
var embedded embed.FS

const demoModelPath = "testdata/demo.safetensors"

// metaSteps is the metadata key with which train records how many
// optimiser updates a model has had, so that a resumed run carries on
// from there. (The tokenizer is stored by rnn: LM.Save and LoadLM.)
const metaSteps = "simdcore.steps"

// lmFile is a language model, with a tokenizer, and its training count;
// while train runs, also its optimiser, whose state a checkpoint keeps
// (checkpoint.go).
type lmFile struct {
	lm    *rnn.LM // the recurrent model (lm.Tokenizer is never nil), or nil
	tf    *tlm.LM // the transformer model (tf.Tokenizer is never nil), or nil
	steps int
	adam  *optim.Adam // nil outside train
}

// loadLM reads a language model written by train, or the embedded one
// when path is empty. A file whose metadata marks a transformer
// (tlm.IsModel) is read by tlm, any other by rnn.
func loadLM(path string) (*lmFile, error) {
	var (
		lm   *rnn.LM
		meta map[string]string
		err  error
	)
	if path == "" {
		demoModel, err := embedded.ReadFile(demoModelPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("this build has no embedded model (train one into cmd/simdcore/" + demoModelPath + ", see the README)")
		}
		if err != nil {
			return nil, err
		}
		lm, err = rnn.ReadLM(bytes.NewReader(demoModel), int64(len(demoModel)), rnn.WithMetadata(&meta))
		if err != nil {
			return nil, fmt.Errorf("embedded model: %w", err)
		}
	} else {
		if f, ok, err := loadTransformer(path); ok {
			return f, err
		}
		lm, err = rnn.LoadLM(path, rnn.WithMetadata(&meta))
		if err != nil && !isLanguageModel(path) {
			// rnn.LoadLM's complaint ("malformed model: a language
			// model's RNN cannot be bidirectional") is about a network
			// that was never meant to be a language model.
			return nil, fmt.Errorf("%s is not a language model, with no tokenizer or embedding (simdcore run -model runs a network): %w", path, err)
		}
		if err != nil {
			return nil, err
		}
	}
	f := &lmFile{lm: lm}
	if f.steps, err = stepsOf(orEmbedded(path), meta); err != nil {
		return nil, err
	}
	if lm.Tokenizer == nil {
		// A model that stores no tokenizer (written by PyTorch, say) is
		// taken to be byte-level.
		if lm.Vocab() != 256 {
			return nil, fmt.Errorf("%s: the model stores no tokenizer, and it has %d tokens where a byte-level model has 256", orEmbedded(path), lm.Vocab())
		}
		lm.Tokenizer = rnn.Bytes{}
	}
	return f, nil
}

// stepsOf reads the update count train recorded in a model's metadata:
// 0 if there is none (a model written by PyTorch, say), an error if the
// value is not a count that one more update can follow.
func stepsOf(path string, meta map[string]string) (int, error) {
	v, ok := meta[metaSteps]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n == math.MaxInt {
		return 0, fmt.Errorf("%s: metadata %s=%q is not an update count", path, metaSteps, v)
	}
	return n, nil
}

func orEmbedded(path string) string {
	if path == "" {
		return "embedded model"
	}
	return path
}
