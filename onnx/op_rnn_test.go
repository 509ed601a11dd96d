package onnx_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

func attrStr(name, v string) pb { return pb{}.str(1, name).varint(20, 3).str(4, v) }

func attrStrs(name string, vs ...string) pb {
	b := pb{}.str(1, name).varint(20, 8)
	for _, v := range vs {
		b = b.str(9, v)
	}
	return b
}

func attrF(name string, v float32) pb {
	return pb{}.str(1, name).varint(20, 1).fixed32(2, math.Float32bits(v))
}

// seqArgs returns X, W, R (and B) of an ONNX recurrent node with G gates,
// T steps, batch B, input I and hidden H, with deterministic values.
func seqArgs(G, D, T, B, I, H int, bias bool) []arg {
	fill := func(dims []int, scale float64) *onnx.Tensor {
		n := 1
		for _, d := range dims {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i)*0.7+float64(n)) * scale)
		}
		return ft(dims, v...)
	}
	args := []arg{{t: fill([]int{T, B, I}, 1)}, {t: fill([]int{D, G * H, I}, 0.5), init: true}, {t: fill([]int{D, G * H, H}, 0.5), init: true}}
	if bias {
		args = append(args, arg{t: fill([]int{D, 2 * G * H}, 0.3), init: true})
	}
	return args
}

// TestRecurrentRefusals: what rnn's cells do not compute is refused with
// ErrUnsupported naming it (the attributes' values out of range:
// TestRecurrentVariantErrors).
func TestRecurrentRefusals(t *testing.T) {
	lstm := seqArgs(4, 1, 3, 1, 2, 3, true)
	for name, c := range map[string]struct {
		op    string
		attrs []pb
		args  []arg
		want  string
	}{
		"activations":     {"LSTM", []pb{attrStrs("activations", "Sigmoid", "Relu", "Tanh")}, lstm, "activations"},
		"gru activations": {"GRU", []pb{attrStrs("activations", "Sigmoid", "Relu")}, seqArgs(3, 1, 3, 1, 2, 3, false), "activations"},
		"rnn activations": {"RNN", []pb{attrStrs("activations", "Relu", "Tanh"), attrStr("direction", "bidirectional")}, seqArgs(1, 2, 3, 1, 2, 3, false), "the same in both directions"},
		"direction":       {"GRU", []pb{attrInt("linear_before_reset", 1), attrStr("direction", "sideways")}, seqArgs(3, 1, 3, 1, 2, 3, false), "direction"},
	} {
		_, err := runOp(t, 14, c.op, 2, c.attrs, c.args...)
		require.ErrorIs(t, err, onnx.ErrUnsupported, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
	out, err := runOp(t, 14, "RNN", 2, nil, append(seqArgs(1, 1, 3, 2, 2, 3, true), arg{t: it(onnx.Int32, []int{2}, 3, 3)})...)
	require.NoError(t, err, "full lengths run")
	require.Len(t, out[0].Float, 3*2*3)
}

// TestRecurrentShapes: inconsistent weights are ErrShape, not a panic.
func TestRecurrentShapes(t *testing.T) {
	good := seqArgs(4, 1, 3, 1, 2, 3, false)
	for name, args := range map[string][]arg{
		"W rows":  {good[0], {t: ft([]int{1, 8, 2}, make([]float32, 16)...), init: true}, good[2]},
		"W cols":  {good[0], {t: ft([]int{1, 12, 3}, make([]float32, 36)...), init: true}, good[2]},
		"R":       {good[0], good[1], {t: ft([]int{1, 12, 4}, make([]float32, 48)...), init: true}},
		"X rank":  {{t: ft([]int{3, 2}, make([]float32, 6)...)}, good[1], good[2]},
		"B":       {good[0], good[1], good[2], {t: ft([]int{1, 12}, make([]float32, 12)...), init: true}},
		"h0":      {good[0], good[1], good[2], {}, {}, {t: ft([]int{1, 2, 3}, make([]float32, 6)...)}},
		"W dirs":  {good[0], {t: ft([]int{2, 12, 2}, make([]float32, 48)...), init: true}, good[2]},
		"no rows": {good[0], {t: ft([]int{1, 0, 2}), init: true}, {t: ft([]int{1, 0, 3}), init: true}},
	} {
		_, err := runOp(t, 14, "LSTM", 3, []pb{attrInt("hidden_size", 3)}, args...)
		require.Error(t, err, name)
		assert.True(t, isShapeOrUnsupported(err), "%s: %v", name, err)
	}
	_, err := runOp(t, 14, "LSTM", 3, []pb{attrInt("hidden_size", 1<<62)}, good...)
	require.ErrorIs(t, err, onnx.ErrShape, "a huge hidden_size")
}

func isShapeOrUnsupported(err error) bool {
	return errors.Is(err, onnx.ErrShape) || errors.Is(err, onnx.ErrUnsupported)
}

// TestRecurrentReverse: direction=reverse is the forward cell over the
// time-reversed sequence: its Y is the forward node's Y on the reversed
// input, reversed, and Y_h the same final state.
func TestRecurrentReverse(t *testing.T) {
	for _, layout := range []int64{0, 1} {
		args := seqArgs(3, 1, 4, 2, 3, 5, true)
		x := args[0].t
		T, B, I := 4, 2, 3
		if layout == 1 { // the same values read as [B, T, I]
			x.Dims = []int{B, T, I}
		}
		at := func(b, s int) int {
			if layout == 1 {
				return (b*T + s) * I
			}
			return (s*B + b) * I
		}
		rev := ft(x.Dims, make([]float32, len(x.Float))...)
		for b := 0; b < B; b++ {
			for s := 0; s < T; s++ {
				copy(rev.Float[at(b, T-1-s):at(b, T-1-s)+I], x.Float[at(b, s):at(b, s)+I])
			}
		}
		lbr := attrInt("linear_before_reset", 1)
		back, err := runOp(t, 14, "GRU", 2, []pb{lbr, attrInt("layout", layout), attrStr("direction", "reverse")}, args...)
		require.NoError(t, err)
		fwdArgs := append([]arg{{t: rev}}, args[1:]...)
		fwd, err := runOp(t, 14, "GRU", 2, []pb{lbr, attrInt("layout", layout)}, fwdArgs...)
		require.NoError(t, err)
		H := 5
		for b := 0; b < B; b++ {
			for s := 0; s < T; s++ {
				y := func(s int) int { return at(b, s) / I * H }
				assert.InDeltaSlice(t, fwd[0].Float[y(T-1-s):y(T-1-s)+H], back[0].Float[y(s):y(s)+H], 1e-6, "layout %d b %d t %d", layout, b, s)
			}
		}
		assert.InDeltaSlice(t, fwd[1].Float, back[1].Float, 1e-6, "Y_h, layout %d", layout)
	}
}

// TestRecurrentWeightsAsInputs: W and R given as graph inputs, not
// initializers, are read again at every run, so a second run with other
// weights gives what a model with those weights as initializers gives
// (package rnn packs a Net's weights once; the runner has it repack them).
func TestRecurrentWeightsAsInputs(t *testing.T) {
	lbr := attrInt("linear_before_reset", 1)
	args := seqArgs(3, 1, 4, 3, 2, 5, true)
	for i := 1; i < len(args); i++ {
		args[i].init = false
	}
	s, outs, err := opSession(t, 14, "GRU", 2, []pb{lbr}, args...)
	require.NoError(t, err)
	for run, scale := range []float32{1, -0.5, 2} {
		for i := 1; i < len(args); i++ { // other weights each run
			w := *args[i].t
			w.Float = append([]float32(nil), w.Float...)
			for j := range w.Float {
				w.Float[j] *= scale
			}
			args[i].t = &w
		}
		got, err := runSession(s, outs, args)
		require.NoError(t, err)
		consts := append([]arg(nil), args...)
		for i := 1; i < len(consts); i++ {
			consts[i].init = true
		}
		want, err := runOp(t, 14, "GRU", 2, []pb{lbr}, consts...)
		require.NoError(t, err)
		for o := range want {
			require.Equal(t, want[o].Float, got[o].Float, "run %d output %d", run, o)
		}
	}
}
