package onnx_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestAttentionDecodesWithPast: a causal Attention node run one position
// at a time, each step's present fed back as the next step's past (the
// way ONNX Runtime's GPT-2 decoders run), gives the rows and the present
// of the same node run on the whole sequence at once, within float
// rounding (the products see other shapes). It also checks a past of
// length 0 and the mask_index [B] end positions over the P + 1 keys.
func TestAttentionDecodesWithPast(t *testing.T) {
	const B, S, D, N, d = 2, 5, 6, 2, 3
	rng := rand.New(rand.NewPCG(7, 8))
	randv := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	x := randv(B * S * D)
	w := arg{t: ft([]int{D, 3 * N * d}, randv(D*3*N*d)...), init: true}
	bias := arg{t: ft([]int{3 * N * d}, randv(3*N*d)...), init: true}
	attrs := []pb{attrInt("num_heads", N), attrInt("unidirectional", 1)}
	// every key visible: end positions past the last key
	ends := func(T int) arg { return arg{t: it(onnx.Int32, []int{B}, int64(T+1), int64(T))} }

	full := []arg{{t: ft([]int{B, S, D}, x...)}, w, bias, ends(S)}
	s, outs, err := msOpSession(t, "Attention", 2, attrs, full...)
	require.NoError(t, err)
	want, err := runSession(s, outs, full)
	require.NoError(t, err)
	wantY, wantPresent := slices.Clone(want[0].Float), slices.Clone(want[1].Float)

	past := []float32{}
	for p := range S {
		step := make([]float32, 0, B*D)
		for b := range B {
			step = append(step, x[(b*S+p)*D:(b*S+p+1)*D]...)
		}
		args := []arg{{t: ft([]int{B, 1, D}, step...)}, w, bias, ends(p + 1), {t: ft([]int{2, B, N, p, d}, past...)}}
		s, outs, err := msOpSession(t, "Attention", 2, attrs, args...)
		require.NoError(t, err, "step %d", p)
		got, err := runSession(s, outs, args)
		require.NoError(t, err, "step %d", p)
		require.Equal(t, []int{2, B, N, p + 1, d}, got[1].Dims)
		for b := range B {
			for j := range N * d {
				g, w := got[0].Float[b*N*d+j], wantY[(b*S+p)*N*d+j]
				require.InDelta(t, w, g, 1e-5*math.Max(1, math.Abs(float64(w))), "step %d, batch %d, [%d]", p, b, j)
			}
		}
		past = slices.Clone(got[1].Float)
	}
	require.Len(t, past, len(wantPresent))
	for i, w := range wantPresent {
		require.InDelta(t, w, past[i], 1e-5*math.Max(1, math.Abs(float64(w))), "present[%d]", i)
	}
}
