package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"
	"unicode/utf8"

	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

func cmdTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train")
	textPath := fs.String("text", "", "UTF-8 text file to learn (required)")
	arch := fs.String("arch", "rnn", "rnn (a recurrent LM) or transformer (a decoder-only transformer LM)")
	cellName := fs.String("cell", "elman", "recurrent cell: elman, lstm or gru (-arch rnn)")
	hidden := fs.Int("hidden", 128, "hidden units per layer (-arch rnn)")
	layers := fs.Int("layers", 1, "stacked layers")
	embed := fs.Int("embed", 32, "embedding width (0: one-hot input); a transformer's d_model")
	var ts transformerShape
	fs.IntVar(&ts.heads, "heads", 4, "attention heads, dividing -embed (-arch transformer)")
	fs.IntVar(&ts.ff, "ff", 0, "feed-forward width (0: 4 × -embed) (-arch transformer)")
	fs.StringVar(&ts.positions, "positions", "sinusoidal", "sinusoidal or learned positions (-arch transformer, whose context is -seqlen tokens)")
	steps := fs.Int("steps", 2000, "optimiser updates")
	seqLen := fs.Int("seqlen", 64, "characters per training window (BPTT length)")
	batch := fs.Int("batch", 16, "windows per update")
	lr := fs.Float64("lr", 0.003, "Adam learning rate")
	clip := fs.Float64("clip", 5, "gradient clipping by global norm (0: none)")
	seed := fs.Uint64("seed", 1, "random seed for the weights and the windows")
	tokName := fs.String("tokenizer", "chars", "chars (the text's own characters) or bytes")
	out := fs.String("out", "model.safetensors", "where to write the model (and checkpoints)")
	resume := fs.Bool("resume", false, "continue training the model in -out, with its optimiser state, instead of starting afresh (its shape: -arch, -cell, -hidden, -layers, -embed, -heads, -ff, -positions, -tokenizer)")
	force := fs.Bool("force", false, "replace an existing -out with a new model (without it, train refuses to)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cell, cellErr := rnn.ParseCell(*cellName)
	switch {
	case *arch != "rnn" && *arch != "transformer":
		return usageError{fmt.Sprintf("train: -arch %q (want rnn or transformer)", *arch)}
	case cellErr != nil:
		return usageError{fmt.Sprintf("train: -cell %q (want elman, lstm or gru)", *cellName)}
	case *textPath == "":
		return usageError{"train: -text FILE is required"}
	case *hidden <= 0 || *hidden > 4096:
		return usageError{fmt.Sprintf("train: -hidden %d out of range [1, 4096]", *hidden)}
	case *layers <= 0 || *layers > 16:
		return usageError{fmt.Sprintf("train: -layers %d out of range [1, 16]", *layers)}
	case *embed < 0 || *embed > 4096:
		return usageError{fmt.Sprintf("train: -embed %d out of range [0, 4096]", *embed)}
	case *steps <= 0 || *steps > maxSteps:
		return usageError{fmt.Sprintf("train: -steps %d out of range [1, %d]", *steps, maxSteps)}
	case *seqLen <= 0 || *batch <= 0:
		return usageError{fmt.Sprintf("train: -seqlen %d and -batch %d must be positive", *seqLen, *batch)}
	case !(*lr > 0 && *lr < 1) || float32(*lr) == 0:
		// Adam steps in float32: a rate that rounds to 0 there (1e-300)
		// would train nothing while reporting updates.
		return usageError{fmt.Sprintf("train: -lr %v out of range (0, 1) in float32", *lr)}
	case *clip < 0:
		return usageError{fmt.Sprintf("train: -clip %v must be ≥ 0", *clip)}
	case *tokName != "chars" && *tokName != "bytes":
		return usageError{fmt.Sprintf("train: -tokenizer %q (want chars or bytes)", *tokName)}
	case *force && *resume:
		return usageError{"train: -force and -resume contradict each other (-resume continues the model in -out, -force replaces it)"}
	}
	// Fail now, not after the training, if the model must not or
	// cannot be written.
	if err := checkTrainOutput(*out, *textPath, *resume, *force); err != nil {
		return err
	}
	raw, err := readText("train", *textPath)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return fmt.Errorf("train: %s is empty: there is no text to learn", *textPath)
	}
	if !utf8.Valid(raw) && *tokName == "chars" {
		return fmt.Errorf("%s is not valid UTF-8 (use -tokenizer bytes)", *textPath)
	}
	text := string(raw)

	var f *lmFile
	if *resume {
		if f, err = loadLM(*out); err != nil {
			return err
		}
		if f.lm != nil && f.lm.Net.Quantized() {
			return usageError{fmt.Sprintf("train: -resume: %s holds int8 weights (written by quantize), which cannot be trained; resume the float model it was made from", *out)}
		}
		if err := checkResumeFlags(fs, f); err != nil {
			return err
		}
		if err := checkArchFlags(fs, f.shapeFlags()["arch"]); err != nil {
			return err
		}
		if f.tf != nil && *seqLen > f.tf.MaxLen() {
			return usageError{fmt.Sprintf("train: -resume: -seqlen %d is longer than the transformer's context of %d tokens", *seqLen, f.tf.MaxLen())}
		}
		if err := checkUpdateCost(f.updateFlops(*batch, *seqLen), *batch, *seqLen); err != nil {
			return err
		}
	} else if err := checkArchFlags(fs, *arch); err != nil {
		return err
	} else if *arch == "transformer" {
		if f, err = newTransformer(newTokenizer(*tokName, text), *embed, *layers, *seqLen, *batch, ts, *seed); err != nil {
			return err
		}
	} else {
		tok := newTokenizer(*tokName, text)
		in := *embed
		if in == 0 {
			in = tok.Vocab()
		}
		cfg := rnn.LMConfig{Cell: cell, Vocab: tok.Vocab(), Embed: *embed, Hidden: *hidden, Layers: *layers}
		if err := checkUpdateCost(updateFlops(cfg, *batch, *seqLen), *batch, *seqLen); err != nil {
			return err
		}
		f = &lmFile{}
		f.lm, err = rnn.NewLM(cfg, *seed)
		if err != nil {
			return err
		}
		f.lm.Tokenizer = tok
	}
	toks, err := f.tokenizer().Encode(text)
	if err != nil {
		return fmt.Errorf("%s: %w", *textPath, err)
	}
	if len(toks) < *seqLen+1 {
		return fmt.Errorf("%s: %d characters, fewer than -seqlen+1 = %d", *textPath, len(toks), *seqLen+1)
	}

	// Adam's moments continue from the checkpoint, so that a resumed
	// run updates exactly as an uninterrupted one would.
	f.adam = optim.NewAdam(float32(*lr))
	if *resume {
		restored, err := restoreAdam(*out, f.params(), f.adam)
		if err != nil {
			return err
		}
		if !restored && f.steps > 0 {
			fmt.Fprintf(stderr, "simdcore: note: %s holds no optimiser state (written by an older version): Adam's moments start afresh\n", *out)
		}
	}

	// Ctrl-C (or SIGTERM) cancels the update in progress within one
	// window's work, leaving the model as the last complete update left
	// it; the model is then saved as a checkpoint, and the command exits
	// with status 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bar := newProgress(stderr, *steps, *seqLen**batch)
	defer bar.finish()
	var loss float64
	done := 0
	for done < *steps && ctx.Err() == nil {
		// One update per call; the optimiser keeps its moments across
		// calls, and the seed moves on so each update sees new windows.
		bar.starting(done + 1)
		l, err := f.update(ctx, toks, *seqLen, *batch, *clip, *seed*1_000_003+uint64(f.steps))
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			break
		}
		if err != nil {
			return err
		}
		loss = l
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			bar.finish()
			return fmt.Errorf("train: the loss is %v at update %d (%d in all); stopped without saving, so %s keeps its last checkpoint", loss, done+1, f.steps+1, *out)
		}
		done++
		f.steps++
		bar.update(done, loss)
		if done%500 == 0 && done < *steps {
			if err := f.save(*out); err != nil {
				return err
			}
		}
	}
	bar.finish()
	if err := f.save(*out); err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil && done == 0:
		fmt.Fprintf(stdout, "interrupted; checkpoint saved: no update completed (%d in all), wrote %s\n", f.steps, *out)
		return errInterrupted
	case ctx.Err() != nil:
		fmt.Fprintf(stdout, "interrupted; checkpoint saved: %d updates (%d in all), last loss %.4f nats/char, wrote %s\n", done, f.steps, loss, *out)
		return errInterrupted
	}
	fmt.Fprintf(stdout, "done: %d updates (%d in all), last loss %.4f nats/char, wrote %s\n", done, f.steps, loss, *out)
	return nil
}
