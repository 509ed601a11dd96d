package attn_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// FuzzReadSaved feeds ReadMultiHead files mutated from what Encode
// writes for the layouts the fixtures lack: grouped heads, separate
// key and value widths, no bias, rotary positions, int8 and int8 with
// residual planes (self-attention's). It must never panic and fail only with a sentinel
// error of one line; a model it accepts runs, and survives Save → Load →
// Save byte for byte.
func FuzzReadSaved(f *testing.F) {
	r := rand.New(rand.NewPCG(4, 4))
	add := func(m *attn.MultiHead) {
		var b bytes.Buffer
		if err := m.Encode(&b, nil); err != nil {
			f.Fatal(err)
		}
		n := binary.LittleEndian.Uint64(b.Bytes())
		f.Add(b.Bytes()[8:8+n], b.Bytes()[8+n:])
	}
	for _, c := range []attn.MultiHeadConfig{
		{DModel: 4, Heads: 2, KVHeads: 1, Bias: true},
		{DModel: 4, Heads: 2, KDim: 3, VDim: 2},
		{DModel: 2, Heads: 1},
	} {
		m, err := attn.NewMultiHeadConfig(c)
		if err != nil {
			f.Fatal(err)
		}
		m.Init(r)
		add(m)
		if c.KDim == 0 {
			rot, err := attn.NewRotary(2, 0, c.Bias)
			if err != nil {
				f.Fatal(err)
			}
			withRot := *m
			withRot.Rotary = rot
			add(&withRot)
		}
		if c.KDim != 0 {
			continue // Quantize takes self-attention only
		}
		q, err := m.Quantize()
		if err != nil {
			f.Fatal(err)
		}
		add(q)
		if q, err = m.QuantizeResidual(); err != nil {
			f.Fatal(err)
		}
		add(q)
	}
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		m := readFuzzed(t, header, buffer)
		if m == nil {
			return
		}
		x := kernel.NewMatrix(3, m.DModel)
		for i := range x.Data {
			x.Data[i] = float32(i%5) - 2
		}
		kd, vd := m.KDim, m.VDim
		if kd == 0 {
			kd = m.DModel
		}
		if vd == 0 {
			vd = m.DModel
		}
		if kd == m.DModel && vd == m.DModel {
			if err := m.Forward(kernel.NewMatrix(3, m.DModel), x, attn.Options{Causal: true}); err != nil {
				t.Fatalf("Forward on a loaded model: %v", err)
			}
		} else if m.Rotary == nil {
			k, v := kernel.NewMatrix(2, kd), kernel.NewMatrix(2, vd)
			if err := m.Cross(kernel.NewMatrix(3, m.DModel), x, k, v, attn.Options{}); err != nil {
				t.Fatalf("Cross on a loaded model: %v", err)
			}
		}
		var first, second bytes.Buffer
		if err := m.Encode(&first, nil); err != nil {
			t.Fatalf("Encode of a loaded model: %v", err)
		}
		back, err := attn.ReadMultiHead(bytes.NewReader(first.Bytes()), int64(first.Len()), "", 0)
		if err != nil {
			t.Fatalf("reading back its own encoding: %v", err)
		}
		if err := back.Encode(&second, nil); err != nil {
			t.Fatalf("second Encode: %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("Save → Load → Save changed the file")
		}
	})
}
