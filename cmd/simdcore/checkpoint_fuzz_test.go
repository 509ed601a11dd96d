package main

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

// fuzzCheckpoint returns a language model (recurrent, or a transformer
// with tf) with Adam stepped twice, and the checkpoints save writes for
// it before and after those steps.
func fuzzCheckpoint(tb testing.TB, tf bool) (f *lmFile, before, after []byte) {
	if tf {
		m, err := tlm.New(tlm.Config{Vocab: 3, DModel: 2, Heads: 1, FF: 2, MaxLen: 4}, 1)
		if err != nil {
			tb.Fatal(err)
		}
		m.Tokenizer = rnn.NewChars("abc")
		f = &lmFile{tf: m, adam: optim.NewAdam(0.01)}
	} else {
		lm, err := rnn.NewLM(rnn.LMConfig{Cell: rnn.GRU, Vocab: 3, Embed: 2, Hidden: 2}, 1)
		if err != nil {
			tb.Fatal(err)
		}
		lm.Tokenizer = rnn.NewChars("abc")
		f = &lmFile{lm: lm, adam: optim.NewAdam(0.01)}
	}
	dir := tb.TempDir()
	p := filepath.Join(dir, "c.st")
	if err := f.save(p); err != nil {
		tb.Fatal(err)
	}
	var err error
	if before, err = os.ReadFile(p); err != nil {
		tb.Fatal(err)
	}
	toks := []int{0, 1, 2, 1, 0, 2, 2, 1, 0}
	for range 2 {
		if _, err := f.update(context.Background(), toks, 4, 2, 1, 1); err != nil {
			tb.Fatal(err)
		}
		f.steps++
	}
	if err := f.save(p); err != nil {
		tb.Fatal(err)
	}
	if after, err = os.ReadFile(p); err != nil {
		tb.Fatal(err)
	}
	return f, before, after
}

// adamState copies Adam's state.
func adamState(a *optim.Adam) (int, [][]float32, [][]float32) {
	steps, m, v := a.State()
	clone := func(x [][]float32) [][]float32 {
		var c [][]float32
		for _, r := range x {
			c = append(c, append([]float32(nil), r...))
		}
		return c
	}
	return steps, clone(m), clone(v)
}

// FuzzCheckpoint reads train's checkpoints (recurrent and transformer),
// mutated, as train -resume does: loadLM, then restoreAdam; and restores
// them into an Adam of the recurrent model that has stepped. Neither
// may panic. A refused optimiser state leaves that Adam exactly as it
// was; an accepted one holds the file's moments and step count, and a
// checkpoint saved from it restores to the same state again.
func FuzzCheckpoint(f *testing.F) {
	base, before, after := fuzzCheckpoint(f, false)
	_, tfBefore, tfAfter := fuzzCheckpoint(f, true)
	for _, b := range [][]byte{before, after, tfBefore, tfAfter} {
		n := binary.LittleEndian.Uint64(b)
		f.Add(b[8:8+n], b[8+n:])
	}
	ps := base.params()
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "c.st")
		if err := os.WriteFile(p, torchtest.RawFile(string(header), buffer), 0o644); err != nil {
			t.Fatal(err)
		}
		if lf, err := loadLM(p); err == nil {
			adam := optim.NewAdam(0.01)
			if _, err := restoreAdam(p, lf.params(), adam); err == nil {
				lf.adam = adam
				if err := lf.save(filepath.Join(dir, "again.st")); err != nil && adam.Steps() > 0 {
					// Only a non-finite model or state is not written.
					t.Logf("save: %v", err)
				}
			}
		}
		adam := optim.NewAdam(0.01)
		bs, bm, bv := adamState(base.adam)
		if err := adam.SetState(ps, bs, bm, bv); err != nil {
			t.Fatal(err)
		}
		s0, m0, v0 := adamState(adam)
		ok, err := restoreAdam(p, ps, adam)
		s1, m1, v1 := adamState(adam)
		if err != nil || !ok {
			if s0 != s1 || !reflect.DeepEqual(m0, m1) || !reflect.DeepEqual(v0, v1) {
				t.Fatalf("restoreAdam refused the state (%v, restored %v) but changed Adam", err, ok)
			}
			return
		}
		for i := range m1 {
			for j := range m1[i] {
				if math.IsNaN(float64(m1[i][j])) || math.IsNaN(float64(v1[i][j])) || v1[i][j] < 0 {
					t.Fatalf("restored an impossible moment %v, %v", m1[i][j], v1[i][j])
				}
			}
		}
		// The state survives another checkpoint.
		g := &lmFile{lm: base.lm, adam: adam, steps: s1}
		q := filepath.Join(dir, "again.st")
		if err := g.save(q); err != nil {
			t.Fatalf("saving a restored state: %v", err)
		}
		back := optim.NewAdam(0.01)
		if ok, err := restoreAdam(q, ps, back); s1 > 0 && (!ok || err != nil) {
			t.Fatalf("restoring a saved state: %v, %v", ok, err)
		}
		if s1 > 0 {
			s2, m2, v2 := adamState(back)
			if s2 != s1 || !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(v1, v2) {
				t.Fatalf("restore → save → restore changed Adam's state")
			}
		}
	})
}
