package onnx_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// onnxRecurrent is a float64 reference of ONNX's RNN, LSTM and GRU,
// written from the operators' definitions, independently of package rnn:
// gate blocks in ONNX's order (LSTM i,o,f,c; GRU z,r,h), B = [Wb, Rb],
// peepholes P = [p_i, p_o, p_f], clip on every activation's input,
// input_forget, linear_before_reset, sequence_lens (each sequence runs
// over its own length, the reverse direction from its own end; Y is zero
// past it), both layouts.
type onnxRecurrent struct {
	op                  string
	T, B, I, H, D       int
	reverse             bool // direction=reverse
	layout              int
	clip                float64
	lbr                 int
	inputForget         bool
	relu                bool // an RNN's activation Relu instead of Tanh
	x, w, r             []float32
	bias, h0, c0, p     []float32 // nil when absent
	lens                []int64   // nil: every sequence has T steps
	withLens, lensInput bool      // pass lens; as a graph input instead of an initializer
}

func (o *onnxRecurrent) gates() int {
	return map[string]int{"RNN": 1, "LSTM": 4, "GRU": 3}[o.op]
}

func (o *onnxRecurrent) xAt(t, b int) int {
	if o.layout == 1 {
		return (b*o.T + t) * o.I
	}
	return (t*o.B + b) * o.I
}

func (o *onnxRecurrent) yAt(t, d, b int) int {
	if o.layout == 1 {
		return ((b*o.T+t)*o.D + d) * o.H
	}
	return ((t*o.D+d)*o.B + b) * o.H
}

func (o *onnxRecurrent) stateAt(d, b int) int {
	if o.layout == 1 {
		return (b*o.D + d) * o.H
	}
	return (d*o.B + b) * o.H
}

// want returns Y, Y_h and Y_c (LSTM).
func (o *onnxRecurrent) want() (y, yh, yc []float64) {
	T, B, I, H, D, G := o.T, o.B, o.I, o.H, o.D, o.gates()
	y, yh, yc = make([]float64, T*D*B*H), make([]float64, D*B*H), make([]float64, D*B*H)
	clip := func(z float64) float64 {
		if o.clip == 0 {
			return z
		}
		return math.Max(-o.clip, math.Min(o.clip, z))
	}
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-clip(z))) }
	tanh := func(z float64) float64 { return math.Tanh(clip(z)) }
	for d := 0; d < D; d++ {
		back := o.reverse || d == 1
		for b := 0; b < B; b++ {
			L := T
			if o.lens != nil {
				L = int(o.lens[b])
			}
			h, c := make([]float64, H), make([]float64, H)
			for u := range H {
				if o.h0 != nil {
					h[u] = float64(o.h0[o.stateAt(d, b)+u])
				}
				if o.c0 != nil {
					c[u] = float64(o.c0[o.stateAt(d, b)+u])
				}
			}
			// xw and hr: block k, unit u of W·x + Wb and R·v + Rb.
			xw := func(k, u int, x []float32) float64 {
				row := (d*G*H + k*H + u) * I
				s := 0.0
				if o.bias != nil {
					s = float64(o.bias[d*2*G*H+k*H+u])
				}
				for j := range I {
					s += float64(o.w[row+j]) * float64(x[j])
				}
				return s
			}
			hr := func(k, u int, v []float64) float64 {
				row := (d*G*H + k*H + u) * H
				s := 0.0
				if o.bias != nil {
					s = float64(o.bias[d*2*G*H+G*H+k*H+u])
				}
				for j := range H {
					s += float64(o.r[row+j]) * v[j]
				}
				return s
			}
			peep := func(k, u int) float64 { // k: 0 i, 1 o, 2 f
				if o.p == nil {
					return 0
				}
				return float64(o.p[d*3*H+k*H+u])
			}
			for s := 0; s < L; s++ {
				t := s
				if back {
					t = L - 1 - s
				}
				x := o.x[o.xAt(t, b):][:I]
				hn, cn := make([]float64, H), make([]float64, H)
				rh := make([]float64, H)
				for u := range H {
					switch o.op {
					case "RNN":
						z := clip(xw(0, u, x) + hr(0, u, h))
						hn[u] = math.Tanh(z)
						if o.relu {
							hn[u] = math.Max(z, 0)
						}
					case "LSTM":
						i := sig(xw(0, u, x) + hr(0, u, h) + peep(0, u)*c[u])
						f := sig(xw(2, u, x) + hr(2, u, h) + peep(2, u)*c[u])
						if o.inputForget {
							f = 1 - i
						}
						g := tanh(xw(3, u, x) + hr(3, u, h))
						cn[u] = f*c[u] + i*g
						og := sig(xw(1, u, x) + hr(1, u, h) + peep(1, u)*cn[u])
						hn[u] = og * math.Tanh(cn[u])
					case "GRU":
						rh[u] = sig(xw(1, u, x)+hr(1, u, h)) * h[u]
					}
				}
				if o.op == "GRU" {
					for u := range H {
						z := sig(xw(0, u, x) + hr(0, u, h))
						r := sig(xw(1, u, x) + hr(1, u, h))
						var n float64
						if o.lbr == 0 {
							n = tanh(xw(2, u, x) + hr(2, u, rh))
						} else {
							n = tanh(xw(2, u, x) + r*hr(2, u, h))
						}
						hn[u] = (1-z)*n + z*h[u]
					}
				}
				h, c = hn, cn
				copy(y[o.yAt(t, d, b):][:H], h)
			}
			copy(yh[o.stateAt(d, b):][:H], h)
			copy(yc[o.stateAt(d, b):][:H], c)
		}
	}
	return y, yh, yc
}

// args returns the node's inputs and attributes.
func (o *onnxRecurrent) args() ([]arg, []pb) {
	T, B, I, H, D, G := o.T, o.B, o.I, o.H, o.D, o.gates()
	xDims, sDims := []int{T, B, I}, []int{D, B, H}
	if o.layout == 1 {
		xDims, sDims = []int{B, T, I}, []int{B, D, H}
	}
	opt := func(dims []int, v []float32) arg {
		if v == nil {
			return arg{}
		}
		return arg{t: ft(dims, v...)}
	}
	args := []arg{{t: ft(xDims, o.x...)}, {t: ft([]int{D, G * H, I}, o.w...), init: true}, {t: ft([]int{D, G * H, H}, o.r...), init: true}}
	b := opt([]int{D, 2 * G * H}, o.bias)
	b.init = true
	var lens arg
	if o.withLens {
		lens = arg{t: it(onnx.Int32, []int{B}, o.lens...), init: !o.lensInput}
	}
	args = append(args, b, lens, opt(sDims, o.h0), opt(sDims, o.c0))
	if o.p != nil {
		args = append(args, arg{t: ft([]int{D, 3 * H}, o.p...), init: true})
	}
	attrs := []pb{attrInt("hidden_size", int64(H)), attrInt("layout", int64(o.layout))}
	switch {
	case D == 2:
		attrs = append(attrs, attrStr("direction", "bidirectional"))
	case o.reverse:
		attrs = append(attrs, attrStr("direction", "reverse"))
	}
	if o.clip != 0 {
		attrs = append(attrs, attrF("clip", float32(o.clip)))
	}
	if o.op == "GRU" {
		attrs = append(attrs, attrInt("linear_before_reset", int64(o.lbr)))
	}
	if o.inputForget {
		attrs = append(attrs, attrInt("input_forget", 1))
	}
	if o.relu {
		attrs = append(attrs, attrStrs("activations", "Relu"))
	}
	return args, attrs
}

// waves returns n deterministic values in [−scale, scale].
func waves(n int, seed, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i)*0.731+seed) * scale)
	}
	return v
}

// newRecurrent fills a case's tensors for its sizes.
func newRecurrent(o onnxRecurrent, bias, h0, c0, peep bool) *onnxRecurrent {
	G := o.gates()
	o.x = waves(o.T*o.B*o.I, 1, 1)
	o.w = waves(o.D*G*o.H*o.I, 2, 0.6)
	o.r = waves(o.D*G*o.H*o.H, 3, 0.6)
	if bias {
		o.bias = waves(o.D*2*G*o.H, 4, 0.4)
	}
	if h0 {
		o.h0 = waves(o.D*o.B*o.H, 5, 0.8)
	}
	if c0 {
		o.c0 = waves(o.D*o.B*o.H, 6, 0.8)
	}
	if peep {
		o.p = waves(o.D*3*o.H, 7, 0.7)
	}
	o.withLens = o.withLens || o.lens != nil
	return &o
}

// TestRecurrentVariants runs ONNX's options that map onto rnn's cell
// variants (linear_before_reset=0, peepholes, clip, input_forget) and
// sequence_lens shorter than the sequence, in every direction and both
// layouts, against the float64 reference, and checks that a second run
// allocates nothing.
func TestRecurrentVariants(t *testing.T) {
	cases := map[string]*onnxRecurrent{
		"lstm bidi peepholes clip input_forget lens": newRecurrent(onnxRecurrent{op: "LSTM", T: 5, B: 3, I: 3, H: 4, D: 2,
			clip: 0.8, inputForget: true, lens: []int64{5, 2, 1}}, true, true, true, true),
		"lstm peepholes reverse layout 1 lens with 0": newRecurrent(onnxRecurrent{op: "LSTM", T: 4, B: 3, I: 2, H: 3, D: 1,
			reverse: true, layout: 1, lens: []int64{0, 4, 3}}, true, true, true, true),
		"lstm peepholes lens as a graph input": newRecurrent(onnxRecurrent{op: "LSTM", T: 4, B: 2, I: 2, H: 3, D: 1,
			lens: []int64{3, 1}, lensInput: true}, false, false, false, true),
		"lstm clip": newRecurrent(onnxRecurrent{op: "LSTM", T: 4, B: 2, I: 3, H: 3, D: 1, clip: 0.5}, true, false, false, false),
		"gru lbr 0 bidi layout 1 lens clip": newRecurrent(onnxRecurrent{op: "GRU", T: 5, B: 3, I: 3, H: 4, D: 2,
			layout: 1, clip: 0.7, lens: []int64{3, 5, 1}}, true, true, false, false),
		"gru lbr 0 batch 4": newRecurrent(onnxRecurrent{op: "GRU", T: 6, B: 4, I: 3, H: 5, D: 1}, true, true, false, false),
		"gru lbr 0 full lens": newRecurrent(onnxRecurrent{op: "GRU", T: 3, B: 2, I: 2, H: 3, D: 2,
			lens: []int64{3, 3}}, true, false, false, false),
		"gru lbr 1 reverse clip lens": newRecurrent(onnxRecurrent{op: "GRU", T: 4, B: 2, I: 2, H: 3, D: 1,
			reverse: true, lbr: 1, clip: 0.5, lens: []int64{2, 4}}, true, true, false, false),
		"rnn relu reverse clip lens": newRecurrent(onnxRecurrent{op: "RNN", T: 4, B: 2, I: 3, H: 3, D: 1,
			reverse: true, relu: true, clip: 0.6, lens: []int64{1, 3}}, true, true, false, false),
		"rnn bidi lens as a graph input": newRecurrent(onnxRecurrent{op: "RNN", T: 5, B: 3, I: 2, H: 4, D: 2,
			lens: []int64{5, 0, 2}, lensInput: true}, true, true, false, false),
	}
	for name, o := range cases {
		args, attrs := o.args()
		nOut := 2
		if o.op == "LSTM" {
			nOut = 3
		}
		s, outs, err := opSession(t, 14, o.op, nOut, attrs, args...)
		require.NoError(t, err, name)
		res, err := runSession(s, outs, args)
		require.NoError(t, err, name)
		y, yh, yc := o.want()
		near := func(what string, want []float64) {
			got := res[map[string]int{"Y": 0, "Y_h": 1, "Y_c": 2}[what]].Float
			require.Len(t, got, len(want), "%s %s", name, what)
			for i, w := range want {
				require.InDelta(t, w, got[i], 2e-6*(1+math.Abs(w)), "%s %s[%d]", name, what, i)
			}
		}
		near("Y", y)
		near("Y_h", yh)
		if nOut == 3 {
			near("Y_c", yc)
		}
		require.NoError(t, s.Run(), name) // the views of each length exist now
		if !raceEnabled {
			require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }), name)
		}
	}
}

// TestRecurrentVariantErrors: values out of the attributes' and
// sequence_lens's ranges are errors naming them.
func TestRecurrentVariantErrors(t *testing.T) {
	lstm := newRecurrent(onnxRecurrent{op: "LSTM", T: 3, B: 2, I: 2, H: 3, D: 1}, true, false, false, false)
	args, attrs := lstm.args()
	for _, c := range []struct {
		op    string
		attr  pb
		want  string
		extra []arg
	}{
		{"LSTM", attrF("clip", -1), "clip=-1", nil},
		{"LSTM", attrF("clip", float32(math.Inf(1))), "clip=+Inf", nil},
		{"LSTM", attrInt("input_forget", 2), "input_forget=2", nil},
		{"LSTM", attrStrs("activations", "Sigmoid", "Relu", "Tanh"), "activations", nil},
	} {
		_, err := runOp(t, 14, c.op, 2, append(attrs, c.attr), args...)
		require.ErrorIs(t, err, onnx.ErrUnsupported, c.want)
		require.ErrorContains(t, err, c.want)
	}
	gru := newRecurrent(onnxRecurrent{op: "GRU", T: 3, B: 2, I: 2, H: 3, D: 1}, true, false, false, false)
	gargs, gattrs := gru.args()
	_, err := runOp(t, 14, "GRU", 2, append(gattrs[:2], attrInt("linear_before_reset", 2)), gargs...)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	require.ErrorContains(t, err, "linear_before_reset=2")
	// P of the wrong shape.
	bad := append(append([]arg(nil), args...), arg{t: ft([]int{1, 8}, make([]float32, 8)...), init: true})
	_, err = runOp(t, 14, "LSTM", 3, attrs, bad...)
	require.ErrorIs(t, err, onnx.ErrShape)
	require.ErrorContains(t, err, "P is [1 8]")
	// sequence_lens out of range: known while planning, and as an input.
	for _, l := range []int64{4, -1} {
		withLens := append(append([]arg(nil), args[:4]...), arg{t: it(onnx.Int64, []int{2}, 3, l), init: true})
		_, err = runOp(t, 14, "LSTM", 3, attrs, withLens...)
		require.ErrorIs(t, err, onnx.ErrShape)
		require.ErrorContains(t, err, fmt.Sprintf("sequence_lens[1]=%d", l))
		withLens[4].init = false
		_, err = runOp(t, 14, "LSTM", 3, attrs, withLens...)
		require.ErrorIs(t, err, onnx.ErrInput)
		require.ErrorContains(t, err, fmt.Sprintf("sequence_lens[1]=%d", l))
	}
}
