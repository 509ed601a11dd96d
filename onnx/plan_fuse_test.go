package onnx_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/onnx"
)

// constScalar is a Constant node of one FLOAT value of rank 0.
func constScalar(out string, v float32) pb {
	return node("Constant", nil, []string{out}, attrTensor("value", floatTensor("", nil, v)))
}

// layerNormChain is torch 1.13's opset-14 export of nn.LayerNorm(d) on x
// (plan_fuse.go), ending in y; the intermediate values are named.
func layerNormChain(eps float32, bias bool) []pb {
	ns := []pb{
		node("ReduceMean", []string{"x"}, []string{"m"}, attrInts("axes", -1)),
		node("Sub", []string{"x", "m"}, []string{"d"}),
		constScalar("two", 2),
		node("Pow", []string{"d", "two"}, []string{"p"}),
		node("ReduceMean", []string{"p"}, []string{"v"}, attrInts("axes", -1)),
		constScalar("eps", eps),
		node("Add", []string{"v", "eps"}, []string{"e"}),
		node("Sqrt", []string{"e"}, []string{"s"}),
		node("Div", []string{"d", "s"}, []string{"n"}),
	}
	if !bias {
		return append(ns, node("Mul", []string{"n", "w"}, []string{"y"}))
	}
	return append(ns,
		node("Mul", []string{"n", "w"}, []string{"yw"}),
		node("Add", []string{"yw", "b"}, []string{"y"}))
}

// fuseCase plans nodes on x (rows×d, random) with the initializers and
// returns x and the output of each named output.
func fuseCase(t *testing.T, rows, d int, inits []pb, nodes []pb, outs ...string) ([]float32, map[string][]float32) {
	t.Helper()
	spec := graphSpec{nodes: nodes, inits: inits, inputs: []pb{valueInfo("x", onnx.Float, int64(rows), int64(d))}}
	for _, o := range outs {
		spec.outputs = append(spec.outputs, pb{}.str(1, o))
	}
	m, err := onnx.Parse(model(14, graph("g", spec)))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(uint64(rows), uint64(d)))
	x := s.Input("x").Float
	for i := range x {
		x[i] = float32(r.NormFloat64()*3 + 0.5)
	}
	require.NoError(t, s.Run())
	got := map[string][]float32{}
	for _, o := range outs {
		got[o] = s.Output(o).Float
	}
	return x, got
}

// layerNormRef is the float64 answer for rows of x (as GroupNormalization
// with one group over a row); w and b have one element or one per column,
// b may be nil.
func layerNormRef(x []float32, d int, w, b []float32, eps float32) []float32 {
	full := func(p []float32) []float32 {
		out := make([]float32, d)
		for i := range out {
			if p != nil {
				out[i] = p[i%len(p)]
			}
		}
		return out
	}
	return groupNormRef(x, len(x)/d, d, 1, 1, float64(eps), full(w), full(b), func(ch int) int { return ch })
}

func requireNear(t *testing.T, want, got []float32, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		require.InDelta(t, want[i], got[i], tol*(1+math.Abs(float64(want[i]))), "%s: element %d", msg, i)
	}
}

// TestLayerNormChainFused: torch's decomposed layer norm runs as one
// LayerNormalization (kernel.LayerNorm's bits); where a value inside the
// chain is also read elsewhere, or the weight broadcasts past the
// normalised dimension, the chain runs as written, with the same answer
// to float32 rounding.
func TestLayerNormChainFused(t *testing.T) {
	const rows, d = 5, 37
	r := rand.New(rand.NewPCG(7, 8))
	w, b := make([]float32, d), make([]float32, d)
	for i := range w {
		w[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	inits := []pb{floatTensor("w", []int64{d}, w...), floatTensor("b", []int64{d}, b...)}
	for _, bias := range []bool{true, false} {
		var bb []float32
		if bias {
			bb = b
		}
		x, got := fuseCase(t, rows, d, inits, layerNormChain(1e-5, bias), "y")
		for i := range rows {
			want := make([]float32, d)
			kernel.LayerNorm(want, x[i*d:(i+1)*d], w, bb, 1e-5)
			require.Equal(t, want, got["y"][i*d:(i+1)*d], "bias %v row %d: not kernel.LayerNorm's bits", bias, i)
			requireNear(t, layerNormRef(x[i*d:(i+1)*d], d, w, bb, 1e-5), got["y"][i*d:(i+1)*d], 1e-6, "fused")
		}
	}

	// The mean is also a graph output: nothing fused, same answer.
	x, got := fuseCase(t, rows, d, inits, layerNormChain(1e-5, true), "y", "m")
	for i := range rows {
		requireNear(t, layerNormRef(x[i*d:(i+1)*d], d, w, b, 1e-5), got["y"][i*d:(i+1)*d], 1e-5, "unfused (m read)")
	}
	require.Len(t, got["m"], rows)

	// A [1, d] weight: LayerNormalization refuses it, the chain runs.
	inits2 := []pb{floatTensor("w", []int64{1, d}, w...), floatTensor("b", []int64{d}, b...)}
	x, got = fuseCase(t, rows, d, inits2, layerNormChain(1e-5, true), "y")
	for i := range rows {
		requireNear(t, layerNormRef(x[i*d:(i+1)*d], d, w, b, 1e-5), got["y"][i*d:(i+1)*d], 1e-5, "fallback ([1,d] weight)")
	}

	// A weight of one element broadcasts over every column either way.
	inits3 := []pb{floatTensor("w", []int64{1}, 2.5), floatTensor("b", []int64{d}, b...)}
	x, got = fuseCase(t, rows, d, inits3, layerNormChain(1e-3, true), "y")
	for i := range rows {
		requireNear(t, layerNormRef(x[i*d:(i+1)*d], d, []float32{2.5}, b, 1e-3), got["y"][i*d:(i+1)*d], 1e-6, "one-element weight")
	}
}

// geluChain is torch 1.13's export of F.gelu(x) (erf form) or
// F.gelu(x, approximate="tanh"), ending in y.
func geluChain(tanh bool) []pb {
	if !tanh {
		return []pb{
			constScalar("r2", float32(math.Sqrt2)),
			node("Div", []string{"x", "r2"}, []string{"q"}),
			node("Erf", []string{"q"}, []string{"e"}),
			constScalar("one", 1),
			node("Add", []string{"e", "one"}, []string{"a"}),
			node("Mul", []string{"x", "a"}, []string{"xm"}),
			constScalar("half", 0.5),
			node("Mul", []string{"xm", "half"}, []string{"y"}),
		}
	}
	return []pb{
		node("Mul", []string{"x", "x"}, []string{"x2"}),
		node("Mul", []string{"x", "x2"}, []string{"x3"}),
		constScalar("c", 0.044715),
		node("Mul", []string{"c", "x3"}, []string{"cx3"}),
		node("Add", []string{"x", "cx3"}, []string{"u"}),
		constScalar("k", float32(math.Sqrt(2/math.Pi))),
		node("Mul", []string{"k", "u"}, []string{"ku"}),
		node("Tanh", []string{"ku"}, []string{"th"}),
		constScalar("one", 1),
		node("Add", []string{"one", "th"}, []string{"a"}),
		node("Mul", []string{"x", "a"}, []string{"xm"}),
		constScalar("half", 0.5),
		node("Mul", []string{"half", "xm"}, []string{"y"}),
	}
}

// TestActivationChainsFused: both of torch's GELU chains run as one Gelu
// node (kernel.GELU's and kernel.GELUTanh's bits), and x·sigmoid(x) as
// kernel.SiLU; with an inner value read elsewhere they run as written,
// within float32 rounding of the kernel.
func TestActivationChainsFused(t *testing.T) {
	silu := []pb{
		node("Sigmoid", []string{"x"}, []string{"a"}),
		node("Mul", []string{"a", "x"}, []string{"y"}),
	}
	for _, c := range []struct {
		name  string
		nodes []pb
		f     func(dst, src []float32)
	}{
		{"gelu", geluChain(false), kernel.GELU},
		{"gelu tanh", geluChain(true), kernel.GELUTanh},
		{"silu", silu, kernel.SiLU},
	} {
		x, got := fuseCase(t, 3, 50, nil, c.nodes, "y")
		want := make([]float32, len(x))
		c.f(want, x)
		require.Equal(t, want, got["y"], "%s: not the kernel's bits", c.name)

		x, got = fuseCase(t, 3, 50, nil, c.nodes, "y", "a")
		c.f(want, x)
		requireNear(t, want, got["y"], 2e-6, c.name+" unfused")
	}
}
