package onnx_test

import (
	"errors"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// ConvTranspose against a direct scatter loop over random geometries
// (groups, 1 to 3 spatial dimensions, strides, dilations, pads,
// output_padding, output_shape and auto_pad), and its refusals of hostile
// attributes. The ONNX backend tests and torch exports run in
// TestConformance and the torch checks.

// ctCase is one ConvTranspose geometry.
type ctCase struct {
	N, C, M, G          int
	in, k               []int
	stride, dil, outPad []int
	pads                []int // begin…, end…; nil: absent
	outShape            []int // nil: absent
	auto                string
	bias                bool
}

// ctReference computes ConvTranspose directly: every input element times
// every kernel element is added at its output position, the pads derived
// from output_shape or auto_pad as the operator's contract states.
func ctReference(c ctCase, x, w, b []float32) ([]int, []float32) {
	nd := len(c.in)
	full := make([]int, nd)
	out, pb := make([]int, nd), make([]int, nd)
	for j := range nd {
		full[j] = c.stride[j]*(c.in[j]-1) + c.outPad[j] + c.dil[j]*(c.k[j]-1) + 1
		switch {
		case c.outShape != nil || c.auto == "SAME_UPPER" || c.auto == "SAME_LOWER":
			if c.outShape != nil {
				out[j] = c.outShape[j]
			} else {
				out[j] = c.in[j] * c.stride[j]
			}
			total := full[j] - out[j]
			if total > 0 {
				pb[j] = total - total/2
				if c.auto == "SAME_UPPER" {
					pb[j] = total / 2
				}
			}
		case c.pads != nil:
			pb[j], out[j] = c.pads[j], full[j]-c.pads[j]-c.pads[nd+j]
		default:
			out[j] = full[j]
		}
	}
	dims := append([]int{c.N, c.M}, out...)
	y := make([]float32, prodInts(dims))
	outSize, inSize, kSize := prodInts(out), prodInts(c.in), prodInts(c.k)
	Cg, Mg := c.C/c.G, c.M/c.G
	for n := range c.N {
		for m := range c.M {
			for o := range outSize {
				if b != nil {
					y[(n*c.M+m)*outSize+o] = b[m]
				}
			}
		}
		for ci := range c.C {
			g := ci / Cg
			for i := range inSize {
				ic := unflatten(i, c.in)
				for kk := range kSize {
					kc := unflatten(kk, c.k)
					o, inside := 0, true
					for j := range nd {
						p := ic[j]*c.stride[j] + kc[j]*c.dil[j] - pb[j]
						inside = inside && p >= 0 && p < out[j]
						o = o*out[j] + p
					}
					if !inside {
						continue
					}
					for mg := range Mg {
						m := g*Mg + mg
						y[(n*c.M+m)*outSize+o] += x[(n*c.C+ci)*inSize+i] * w[(ci*Mg+mg)*kSize+kk]
					}
				}
			}
		}
	}
	return dims, y
}

func prodInts(v []int) int {
	p := 1
	for _, e := range v {
		p *= e
	}
	return p
}

func unflatten(i int, dims []int) []int {
	c := make([]int, len(dims))
	for j := len(dims) - 1; j >= 0; j-- {
		c[j] = i % dims[j]
		i /= dims[j]
	}
	return c
}

func randFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, e := range v {
		out[i] = int64(e)
	}
	return out
}

func TestConvTransposeReference(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	autos := []string{"", "", "", "VALID", "SAME_UPPER", "SAME_LOWER"}
	for it := range 120 {
		nd := 1 + r.Intn(3)
		G := 1 + r.Intn(3)
		c := ctCase{N: 1 + r.Intn(2), C: G * (1 + r.Intn(3)), M: G * (1 + r.Intn(3)), G: G, auto: autos[r.Intn(len(autos))], bias: r.Intn(2) == 0}
		for range nd {
			c.in = append(c.in, 1+r.Intn(4))
			c.k = append(c.k, 1+r.Intn(3))
			c.stride = append(c.stride, 1+r.Intn(3))
			c.dil = append(c.dil, 1+r.Intn(2))
			c.outPad = append(c.outPad, 0)
		}
		for j := range nd {
			if r.Intn(3) == 0 {
				c.outPad[j] = r.Intn(max(c.stride[j], c.dil[j]))
			}
		}
		if c.auto == "" && r.Intn(3) == 0 {
			// output_shape: from the full size minus up to 3 to plus 2
			c.outShape = make([]int, nd)
			for j := range nd {
				full := c.stride[j]*(c.in[j]-1) + c.outPad[j] + c.dil[j]*(c.k[j]-1) + 1
				c.outShape[j] = max(1, full-3+r.Intn(6))
			}
		} else if c.auto == "" && r.Intn(2) == 0 {
			c.pads = make([]int, 2*nd)
			for j := range nd {
				full := c.stride[j]*(c.in[j]-1) + c.outPad[j] + c.dil[j]*(c.k[j]-1) + 1
				c.pads[j] = r.Intn(full)
				c.pads[nd+j] = r.Intn(full - c.pads[j])
			}
		}
		x := randFloats(r, c.N*c.C*prodInts(c.in))
		w := randFloats(r, c.C*(c.M/c.G)*prodInts(c.k))
		var b []float32
		if c.bias {
			b = randFloats(r, c.M)
		}
		dims, want := ctReference(c, x, w, b)

		attrs := []pb{attrInts("strides", ints64(c.stride)...), attrInts("dilations", ints64(c.dil)...), attrInt("group", int64(c.G)), attrInts("output_padding", ints64(c.outPad)...)}
		if r.Intn(2) == 0 {
			attrs = append(attrs, attrInts("kernel_shape", ints64(c.k)...))
		}
		if c.auto != "" {
			attrs = append(attrs, attrStr("auto_pad", c.auto))
		}
		if c.pads != nil {
			attrs = append(attrs, attrInts("pads", ints64(c.pads)...))
		}
		if c.outShape != nil {
			attrs = append(attrs, attrInts("output_shape", ints64(c.outShape)...))
		}
		args := []arg{
			{t: ft(append([]int{c.N, c.C}, c.in...), x...)},
			{t: ft(append([]int{c.C, c.M / c.G}, c.k...), w...), init: it%2 == 0},
		}
		if c.bias {
			args = append(args, arg{t: ft([]int{c.M}, b...), init: true})
		}
		out, err := runOp(t, 11, "ConvTranspose", 1, attrs, args...)
		require.NoError(t, err, "%+v", c)
		require.Equal(t, dims, out[0].Dims, "%+v", c)
		for i := range want {
			require.InDelta(t, want[i], out[0].Float[i], 1e-4, "%+v: element %d", c, i)
		}
	}
}

func TestConvTransposeRefuses(t *testing.T) {
	x := ft([]int{1, 2, 3, 3}, make([]float32, 18)...)
	w := ft([]int{2, 1, 2, 2}, make([]float32, 8)...)
	for _, c := range []struct {
		name  string
		attrs []pb
		w     *onnx.Tensor
		want  error
	}{
		{"zero stride", []pb{attrInts("strides", 0, 1)}, w, onnx.ErrShape},
		{"negative stride", []pb{attrInts("strides", -1, 1)}, w, onnx.ErrShape},
		{"zero dilation", []pb{attrInts("dilations", 1, 0)}, w, onnx.ErrShape},
		{"strides of the wrong rank", []pb{attrInts("strides", 1)}, w, onnx.ErrShape},
		{"zero group", []pb{attrInt("group", 0)}, w, onnx.ErrShape},
		{"group not dividing C", []pb{attrInt("group", 3)}, w, onnx.ErrShape},
		{"negative group", []pb{attrInt("group", -2)}, w, onnx.ErrShape},
		{"W of other channels", nil, ft([]int{3, 1, 2, 2}, make([]float32, 12)...), onnx.ErrShape},
		{"W of another rank", nil, ft([]int{2, 1, 2}, make([]float32, 4)...), onnx.ErrShape},
		{"kernel_shape unlike W", []pb{attrInts("kernel_shape", 3, 3)}, w, onnx.ErrShape},
		{"negative pads", []pb{attrInts("pads", -1, 0, 0, 0)}, w, onnx.ErrUnsupported},
		{"pads leaving no output", []pb{attrInts("pads", 2, 0, 2, 0)}, w, onnx.ErrShape},
		{"huge pads", []pb{attrInts("pads", 1<<62, 1<<62, 1<<62, 1<<62)}, w, onnx.ErrShape},
		{"pads of the wrong count", []pb{attrInts("pads", 1, 1)}, w, onnx.ErrShape},
		{"unknown auto_pad", []pb{attrStr("auto_pad", "SAME")}, w, onnx.ErrUnsupported},
		{"output_shape of the wrong count", []pb{attrInts("output_shape", 5)}, w, onnx.ErrShape},
		{"zero output_shape", []pb{attrInts("output_shape", 0, 4)}, w, onnx.ErrShape},
		{"output_shape past any tensor", []pb{attrInts("output_shape", 1<<50, 4)}, w, onnx.ErrShape},
		// a small file asking for 2^60 output elements: the budget refuses it
		{"huge output_shape", []pb{attrInts("output_shape", 1<<30, 1<<30)}, w, onnx.ErrLimit},
		{"huge strides", []pb{attrInts("strides", 1<<30, 1<<30)}, w, onnx.ErrLimit},
		{"huge dilations", []pb{attrInts("dilations", 1<<30, 1<<30)}, w, onnx.ErrLimit},
		{"huge output_padding", []pb{attrInts("output_padding", 1<<30, 1<<30)}, w, onnx.ErrLimit},
		{"strides past the attribute range", []pb{attrInts("strides", 1<<40, 1)}, w, onnx.ErrShape},
	} {
		_, err := runOp(t, 11, "ConvTranspose", 1, c.attrs, arg{t: x}, arg{t: c.w, init: true})
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// SAME_UPPER asks for D·stride: 2^14 · 2^30 overflows the tensors' range.
	long := ft([]int{1, 1, 1 << 14}, make([]float32, 1<<14)...)
	_, err := runOp(t, 11, "ConvTranspose", 1, []pb{attrInts("strides", 1<<30), attrStr("auto_pad", "SAME_UPPER")},
		arg{t: long}, arg{t: ft([]int{1, 1, 1}, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrLimit)
	// a bias of the wrong length
	_, err = runOp(t, 11, "ConvTranspose", 1, nil, arg{t: x}, arg{t: w, init: true}, arg{t: ft([]int{2}, 1, 2), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
}
