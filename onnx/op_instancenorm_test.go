package onnx_test

import (
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// InstanceNormalization and GroupNormalization against float64 loops
// (GroupNormalization's per-group scale and bias of opsets 18 to 20 and
// per-channel ones of opset 21), and their refusals.

// groupNormRef normalizes each (n, group) slice of x (N×C×S) in float64
// and applies the parameter of index param(channel).
func groupNormRef(x []float32, N, C, S, G int, eps float64, scale, bias []float32, param func(ch int) int) []float32 {
	y := make([]float32, len(x))
	Cg := C / G
	for n := range N {
		for g := range G {
			o := (n*C + g*Cg) * S
			sl := x[o : o+Cg*S]
			var s float64
			for _, v := range sl {
				s += float64(v)
			}
			mu := s / float64(len(sl))
			var q float64
			for _, v := range sl {
				q += (float64(v) - mu) * (float64(v) - mu)
			}
			r := 1 / math.Sqrt(q/float64(len(sl))+eps)
			for i, v := range sl {
				ch := g*Cg + i/S
				y[o+i] = float32((float64(v)-mu)*r*float64(scale[param(ch)]) + float64(bias[param(ch)]))
			}
		}
	}
	return y
}

func requireClose(t *testing.T, want, got []float32, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		require.InDelta(t, want[i], got[i], 2e-5*(1+math.Abs(float64(want[i]))), "%s: element %d", what, i)
	}
}

func TestInstanceNorm(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	N, C, H, W := 2, 3, 4, 5
	x := randFloats(r, N*C*H*W)
	for i := range x {
		x[i] = x[i]*4 + 100 // a mean far from zero
	}
	// one constant plane: its variance is 0, its output B
	for i := range H * W {
		x[(C+1)*H*W+i] = 7
	}
	scale, bias := randFloats(r, C), randFloats(r, C)
	want := groupNormRef(x, N, C, H*W, C, 0.01, scale, bias, func(ch int) int { return ch })
	out, err := runOp(t, 6, "InstanceNormalization", 1, []pb{attrF("epsilon", 0.01)},
		arg{t: ft([]int{N, C, H, W}, x...)}, arg{t: ft([]int{C}, scale...), init: true}, arg{t: ft([]int{C}, bias...), init: true})
	require.NoError(t, err)
	requireClose(t, want, out[0].Float, "InstanceNormalization")
	for i := range H * W {
		require.Equal(t, bias[1], out[0].Float[(C+1)*H*W+i])
	}

	// 1-D spatial, and no spatial dimension at all (each plane one element)
	for _, dims := range [][]int{{2, 3, 7}, {2, 3}} {
		x := randFloats(r, prodInts(dims))
		S := prodInts(dims[2:])
		want := groupNormRef(x, 2, 3, S, 3, 1e-5, scale, bias, func(ch int) int { return ch })
		out, err := runOp(t, 6, "InstanceNormalization", 1, nil,
			arg{t: ft(dims, x...)}, arg{t: ft([]int{3}, scale...)}, arg{t: ft([]int{3}, bias...)})
		require.NoError(t, err)
		requireClose(t, want, out[0].Float, "InstanceNormalization")
	}

	bad := []struct {
		name    string
		x, s, b *onnx.Tensor
		want    error
	}{
		{"scale of the wrong length", ft([]int{1, 2, 2}, 1, 2, 3, 4), ft([]int{3}, 1, 1, 1), ft([]int{2}, 0, 0), onnx.ErrShape},
		{"B of the wrong shape", ft([]int{1, 2, 2}, 1, 2, 3, 4), ft([]int{2}, 1, 1), ft([]int{1, 2}, 0, 0), onnx.ErrShape},
		{"rank 1", ft([]int{4}, 1, 2, 3, 4), ft([]int{4}, 1, 1, 1, 1), ft([]int{4}, 0, 0, 0, 0), onnx.ErrShape},
		{"integer X", it(onnx.Int64, []int{1, 1, 2}, 1, 2), ft([]int{1}, 1), ft([]int{1}, 0), onnx.ErrUnsupported},
	}
	for _, c := range bad {
		_, err := runOp(t, 6, "InstanceNormalization", 1, nil, arg{t: c.x}, arg{t: c.s, init: true}, arg{t: c.b, init: true})
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
}

func TestGroupNorm(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	N, C, S, G := 2, 6, 5, 3
	x := randFloats(r, N*C*S)
	xa := arg{t: ft([]int{N, C, S}, x...)}
	attrs := []pb{attrInt("num_groups", int64(G)), attrF("epsilon", 1e-3)}

	// opset 18: one scale and bias per group
	gs, gb := randFloats(r, G), randFloats(r, G)
	want := groupNormRef(x, N, C, S, G, 1e-3, gs, gb, func(ch int) int { return ch / (C / G) })
	out, err := runOp(t, 18, "GroupNormalization", 1, attrs, xa, arg{t: ft([]int{G}, gs...), init: true}, arg{t: ft([]int{G}, gb...), init: true})
	require.NoError(t, err)
	requireClose(t, want, out[0].Float, "GroupNormalization-18")

	// opset 21: one per channel
	cs, cb := randFloats(r, C), randFloats(r, C)
	want = groupNormRef(x, N, C, S, G, 1e-3, cs, cb, func(ch int) int { return ch })
	out, err = runOp(t, 21, "GroupNormalization", 1, attrs, xa, arg{t: ft([]int{C}, cs...), init: true}, arg{t: ft([]int{C}, cb...), init: true})
	require.NoError(t, err)
	requireClose(t, want, out[0].Float, "GroupNormalization-21")

	// The other version's parameter shapes are refused.
	_, err = runOp(t, 18, "GroupNormalization", 1, attrs, xa, arg{t: ft([]int{C}, cs...), init: true}, arg{t: ft([]int{C}, cb...), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 21, "GroupNormalization", 1, attrs, xa, arg{t: ft([]int{G}, gs...), init: true}, arg{t: ft([]int{G}, gb...), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)

	gp := []arg{xa, {t: ft([]int{G}, gs...), init: true}, {t: ft([]int{G}, gb...), init: true}}
	for _, c := range []struct {
		name  string
		opset int64
		attrs []pb
		want  error
	}{
		{"no num_groups", 18, nil, onnx.ErrShape},
		{"zero groups", 18, []pb{attrInt("num_groups", 0)}, onnx.ErrShape},
		{"negative groups", 18, []pb{attrInt("num_groups", -3)}, onnx.ErrShape},
		{"groups not dividing C", 18, []pb{attrInt("num_groups", 4)}, onnx.ErrShape},
		{"more groups than channels", 18, []pb{attrInt("num_groups", 1<<40)}, onnx.ErrShape},
		{"before opset 18", 17, []pb{attrInt("num_groups", 3)}, onnx.ErrUnsupported},
	} {
		_, err := runOp(t, c.opset, "GroupNormalization", 1, c.attrs, gp...)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	_, err = runOp(t, 21, "GroupNormalization", 1, []pb{attrInt("num_groups", 3), attrInt("stash_type", 0)},
		xa, arg{t: ft([]int{C}, cs...), init: true}, arg{t: ft([]int{C}, cb...), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}
