package main

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

// This file writes train's checkpoints and reads back the optimiser
// state in them.
//
// A checkpoint is the model as LM.Save writes it, its update count
// (metadata simdcore.steps) and, once Adam has stepped, Adam's state
// under the names package optim documents: for each parameter p of
// LM.Params, the 1-D tensors optim.adam.m.p and optim.adam.v.p, and the
// metadata optim.adam.steps. rnn.LoadLM ignores the optimiser's tensors,
// so a checkpoint is also a plain model for generate and run, and
// train -resume continues exactly where the run that wrote it stopped.

// adamParams lists lm's parameters as Adam sees them in LM.Train, which
// builds them with LM.OptimParams in LM.Params order; only the names and
// lengths matter here, so no gradient is allocated.
func adamParams(lm *rnn.LM) []optim.Param {
	ws := lm.Params()
	ps := make([]optim.Param, len(ws))
	for i, w := range ws {
		ps[i] = optim.Param{Name: w.Name, Value: w.Data}
	}
	return ps
}

// save writes the checkpoint atomically. A model or optimiser state
// holding a NaN or an infinity is not written, so that a diverged run
// never replaces a good checkpoint.
func (f *lmFile) save(path string) error {
	ps := f.params()
	for _, p := range ps {
		if err := checkFinite(path, "weight "+p.Name, p.Value); err != nil {
			return err
		}
	}
	meta := map[string]string{metaSteps: strconv.Itoa(f.steps)}
	if f.adam == nil || f.adam.Steps() == 0 {
		return f.saveModel(path, meta)
	}
	// The model's tensors as LM.Save names them, and Adam's beside them.
	var enc bytes.Buffer
	if err := f.encode(&enc, meta); err != nil {
		return err
	}
	model, err := weights.Read(bytes.NewReader(enc.Bytes()), int64(enc.Len()))
	if err != nil {
		return err
	}
	var ts []weights.Tensor
	for _, name := range model.Names() {
		t, err := model.Tensor(name)
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	steps, m, v := f.adam.State()
	for i, p := range ps {
		if err := checkFinite(path, "Adam's moments of "+p.Name, m[i], v[i]); err != nil {
			return err
		}
		ts = append(ts,
			weights.Tensor{Name: optim.AdamFirstMoment + p.Name, Shape: []int{len(m[i])}, Data: m[i]},
			weights.Tensor{Name: optim.AdamSecondMoment + p.Name, Shape: []int{len(v[i])}, Data: v[i]})
	}
	meta = model.Metadata()
	meta[optim.AdamSteps] = strconv.Itoa(steps)
	return weights.Save(path, ts, meta)
}

// checkFinite refuses to write path if a value of xs is NaN or infinite.
func checkFinite(path, what string, xs ...[]float32) error {
	for _, x := range xs {
		for _, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s not written: %s holds %v (training diverged)", path, what, v)
			}
		}
	}
	return nil
}

// restoreAdam sets adam to the state the checkpoint at path holds for
// the parameters ps (of the model loaded from the same file, as
// lmFile.params lists them). It reports false, leaving adam fresh,
// for a checkpoint without optimiser state (one written before Adam's
// first step, or by an older version), and an error for a state that is
// incomplete or does not fit the model.
func restoreAdam(path string, ps []optim.Param, adam *optim.Adam) (bool, error) {
	file, err := weights.Open(path)
	if err != nil {
		return false, err
	}
	meta := file.Metadata()
	text, ok := meta[optim.AdamSteps]
	if !ok {
		if i := slices.IndexFunc(file.Names(), func(n string) bool { return strings.HasPrefix(n, optim.StatePrefix) }); i >= 0 {
			return false, fmt.Errorf("%s: optimiser tensor %q without metadata %s", path, file.Names()[i], optim.AdamSteps)
		}
		return false, nil
	}
	steps, err := strconv.Atoi(text)
	if err != nil {
		return false, fmt.Errorf("%s: metadata %s=%q is not a step count", path, optim.AdamSteps, text)
	}
	m, v := make([][]float32, len(ps)), make([][]float32, len(ps))
	for i, p := range ps {
		if m[i], err = file.Float32s(optim.AdamFirstMoment+p.Name, len(p.Value)); err != nil {
			return false, fmt.Errorf("Adam's state: %w", err)
		}
		if v[i], err = file.Float32s(optim.AdamSecondMoment+p.Name, len(p.Value)); err != nil {
			return false, fmt.Errorf("Adam's state: %w", err)
		}
	}
	if err := adam.SetState(ps, steps, m, v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}
