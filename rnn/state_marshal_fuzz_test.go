package rnn

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// fuzzStateNets are the networks FuzzStateUnmarshal restores into: every
// cell, with a projection, and two layers.
func fuzzStateNets(tb testing.TB) []*Net {
	var ns []*Net
	for _, c := range []Config{
		{Cell: Elman, Input: 2, Hidden: 3, Output: 1},
		{Cell: LSTM, Input: 2, Hidden: 3, Proj: 2, Layers: 2},
		{Cell: GRU, Input: 1, Hidden: 2, Layers: 2, Output: 2},
	} {
		n, err := New(c, 5)
		if err != nil {
			tb.Fatal(err)
		}
		ns = append(ns, n)
	}
	return ns
}

// FuzzStateUnmarshal restores arbitrary bytes into a State that has
// already stepped. UnmarshalBinary must never panic; when it refuses the
// data the State's binary form is what it was before, byte for byte, and
// when it accepts them MarshalBinary gives back exactly the data. Seeds
// are every network's marshalled states; the first byte picks the
// network.
func FuzzStateUnmarshal(f *testing.F) {
	nets := fuzzStateNets(f)
	for i, n := range nets {
		s := n.NewState()
		b, err := s.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(byte(i), b)
	}
	f.Fuzz(func(t *testing.T, pick byte, data []byte) {
		n := nets[int(pick)%len(nets)]
		s := n.NewState()
		r := rand.New(rand.NewPCG(uint64(pick), 1))
		x := make([]float32, n.cfg.Input)
		y := make([]float32, n.cfg.OutWidth())
		for range 3 {
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			if err := s.Step(y, x); err != nil {
				t.Fatal(err)
			}
		}
		before, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UnmarshalBinary(data); err != nil {
			after, err2 := s.MarshalBinary()
			if err2 != nil || !bytes.Equal(before, after) {
				t.Fatalf("UnmarshalBinary refused the data (%v) but changed the State", err)
			}
			return
		}
		after, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(after, data) {
			t.Fatalf("UnmarshalBinary accepted %d bytes that MarshalBinary does not give back (%d bytes, %v)", len(data), len(after), err)
		}
	})
}
