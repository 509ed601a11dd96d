package onnx_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/onnx"
)

// TestKnownWeightsPacked: a MatMul or Gemm whose B is an initializer
// (packed once while planning) gives the bits of the same node with B as a
// graph input (packed by Gemm at every run), for one row and several, at
// every kernel level; a session planned at one level and run at another
// (kernel.SetLevel in between) gives that level's bits.
func TestKnownWeightsPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for _, m := range []int{1, 3, 40} {
		const k, n = 70, 33
		a := ft([]int{m, k}, rnd(m*k)...)
		b := ft([]int{k, n}, rnd(k*n)...)
		bT := ft([]int{n, k}, rnd(n*k)...)
		bias := ft([]int{n}, rnd(n)...)
		cases := []struct {
			op    string
			attrs []pb
			b     *onnx.Tensor
			extra []arg
		}{
			{"MatMul", nil, b, nil},
			{"Gemm", []pb{attrInt("transB", 1), attrF("alpha", 0.5)}, bT, []arg{{t: bias, init: true}}},
			{"Gemm", []pb{attrF("beta", 2)}, b, []arg{{t: ft([]int{1, n}, rnd(n)...), init: true}}},
			// C of one element over a one-column product: a scalar, [1] and [m, 1].
			{"Gemm", nil, ft([]int{k, 1}, rnd(k)...), []arg{{t: ft(nil, 0.5), init: true}}},
			{"Gemm", nil, ft([]int{k, 1}, rnd(k)...), []arg{{t: ft([]int{1}, -2), init: true}}},
			{"Gemm", nil, ft([]int{k, 1}, rnd(k)...), []arg{{t: ft([]int{m, 1}, rnd(m)...), init: true}}},
		}
		for _, c := range cases {
			var want [][]float32
			for _, l := range kernel.Available() {
				restore, err := kernel.SetLevel(l)
				require.NoError(t, err)
				t.Cleanup(restore) // also if a check below fails
				input, err := runOp(t, 13, c.op, 1, c.attrs, append([]arg{{t: a}, {t: c.b}}, c.extra...)...)
				require.NoError(t, err)
				packed, err := runOp(t, 13, c.op, 1, c.attrs, append([]arg{{t: a}, {t: c.b, init: true}}, c.extra...)...)
				require.NoError(t, err)
				require.Equal(t, input[0].Float, packed[0].Float, "%s m=%d at %v", c.op, m, l)
				want = append(want, append([]float32(nil), input[0].Float...))
				restore()
			}
			// Planned at the active level, run at each of the others.
			planned := kernel.Active()
			s, outs, err := opSession(t, 13, c.op, 1, c.attrs, append([]arg{{t: a}, {t: c.b, init: true}}, c.extra...)...)
			require.NoError(t, err)
			for i, l := range kernel.Available() {
				restore, err := kernel.SetLevel(l)
				require.NoError(t, err)
				t.Cleanup(restore)
				got, err := runSession(s, outs, []arg{{t: a}})
				require.NoError(t, err)
				require.Equal(t, want[i], got[0].Float, "%s m=%d planned at %v, run at %v", c.op, m, planned, l)
				restore()
			}
		}
	}
}
