package attn_test

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// quantTorchTol is the accuracy ACCURACY.md states for a quantized
// MultiHead on each torch fixture: every output within it (absolute) of
// PyTorch's float model. The target is 1e-2, which every fixture meets
// with QuantizeResidual's weights. With Quantize's (one int8 plane per
// row) mha_causal (d_model 8) meets it and the grouped-query rotary
// fixtures (d_model 32, inputs up to 3.2 in magnitude) do not: rounding
// their weights alone to one plane (float activations) already moves
// the outputs by 1.1e-2, and quantizing the activations too brings them
// to 1.8e-2 and 1.2e-2; that scheme's bound for them is 2e-2, stated in
// ACCURACY.md.
var quantTorchTol = map[string]float64{"mha_causal": 1e-2, "gqa_rope_half": 2e-2, "gqa_rope_inter": 2e-2}

// quantResidualTol is QuantizeResidual's bound on every fixture: two
// weight planes and the activations' remainder leave about 1e-4
// (ACCURACY.md), so 1e-3 would catch the loss of either.
const quantResidualTol = 1e-3

// maxAbsDiff returns max |a[i] − b[i]|.
func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestQuantizedMultiHeadTorch quantizes the self-attention torch fixtures
// (packed multi-head; grouped-query with rotary embeddings, both
// conventions) and compares Forward (causal), Prefill then Decode, and
// Decode token by token with PyTorch's float output, to quantTorchTol
// (Quantize) and quantResidualTol (QuantizeResidual);
// the largest differences are logged (ACCURACY.md quotes them).
func TestQuantizedMultiHeadTorch(t *testing.T) {
	for _, c := range []struct {
		name     string
		residual bool
	}{{"mha_causal", false}, {"gqa_rope_half", false}, {"gqa_rope_inter", false},
		{"mha_causal", true}, {"gqa_rope_half", true}, {"gqa_rope_inter", true}} {
		name := c.name
		f, err := attn.LoadMultiHead(filepath.Join(torchDir, name+".safetensors"), "", 0)
		require.NoError(t, err)
		quantize, tol := f.Quantize, quantTorchTol[name]
		if c.residual {
			quantize, tol = f.QuantizeResidual, quantResidualTol
		}
		q, err := quantize()
		require.NoError(t, err)
		require.True(t, q.Quantized())
		require.Equal(t, c.residual, q.QuantizedResidual())
		require.False(t, f.Quantized())
		x, want := ioMatrix(t, name, "input"), ioMatrix(t, name, "output")
		y := kernel.NewMatrix(x.Rows, x.Cols)
		require.NoError(t, q.Forward(y, x, attn.Options{Causal: true}))
		dF := maxAbsDiff(y.Data, want.Data)
		require.LessOrEqual(t, dF, tol, "%s Forward", name)

		cache, err := attn.NewKVCache(q, x.Rows)
		require.NoError(t, err)
		half := x.Rows / 2
		require.NoError(t, q.Prefill(y.Slice(0, half, 0, x.Cols), x.Slice(0, half, 0, x.Cols), cache, attn.Options{Causal: true}))
		for i := half; i < x.Rows; i++ {
			require.NoError(t, q.Decode(y.Row(i), x.Row(i), cache, attn.Options{}))
		}
		dP := maxAbsDiff(y.Data, want.Data)
		require.LessOrEqual(t, dP, tol, "%s Prefill+Decode", name)

		cache.Reset()
		for i := range x.Rows {
			require.NoError(t, q.Decode(y.Row(i), x.Row(i), cache, attn.Options{}))
		}
		dD := maxAbsDiff(y.Data, want.Data)
		require.LessOrEqual(t, dD, tol, "%s Decode", name)
		require.Greater(t, dD, 0.0, "%s: the quantized model gave PyTorch's outputs exactly: its int8 projections did not run", name)
		t.Logf("%-14s residual=%-5v max |int8 − torch float|: Forward %.2e, Prefill+Decode %.2e, Decode %.2e", name, c.residual, dF, dP, dD)
	}
}

// TestQuantizedDecodeAllocatesNothing: a quantized model's Decode
// allocates nothing per token, and stays within 1e-2 of the float model's
// Forward. (Not closer to the quantized Forward than that: their float
// attention rounds differently, and an activation that lands on the other
// side of an int8 rounding boundary moves an output by a whole step,
// about 5e-4 here, measured under qemu's NEON.)
func TestQuantizedDecodeAllocatesNothing(t *testing.T) {
	m, err := attn.NewMultiHead(64, 4, true)
	require.NoError(t, err)
	m.Init(rand.New(rand.NewPCG(1, 2)))
	q, err := m.Quantize()
	require.NoError(t, err)
	const T = 40
	x := kernel.NewMatrix(T, 64)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = float32(2*r.Float64() - 1)
	}
	want := kernel.NewMatrix(T, 64)
	require.NoError(t, m.Forward(want, x, attn.Options{Causal: true}))
	cache, err := attn.NewKVCache(q, T+200)
	require.NoError(t, err)
	y := make([]float32, 64)
	for i := range T {
		require.NoError(t, q.Decode(y, x.Row(i), cache, attn.Options{}))
		require.LessOrEqual(t, maxAbsDiff(y, want.Row(i)), 1e-2, "token %d", i)
	}
	if !race.Enabled {
		require.Zero(t, testing.AllocsPerRun(100, func() { _ = q.Decode(y, x.Row(0), cache, attn.Options{}) }))
	}
}

// TestQuantizedMultiHeadFile: a quantized model (one plane, or with
// residual planes) saves as I8 projections with F32 scales and loads
// back (LoadMultiHead) quantized, with the same outputs to the bit, in
// the packed and the grouped-query layouts; a damaged file is refused.
func TestQuantizedMultiHeadFile(t *testing.T) {
	for _, name := range []string{"mha_causal", "gqa_rope_half", "residual:mha_causal", "residual:gqa_rope_half"} {
		name, residual := strings.CutPrefix(name, "residual:")
		f, err := attn.LoadMultiHead(filepath.Join(torchDir, name+".safetensors"), "", 0)
		require.NoError(t, err)
		quantize, scheme := f.Quantize, attn.QuantizedScheme
		if residual {
			quantize, scheme = f.QuantizeResidual, attn.QuantizedResidualScheme
		}
		q, err := quantize()
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "q.safetensors")
		require.NoError(t, q.Save(path, nil))
		file, err := weights.Open(path)
		require.NoError(t, err)
		require.Equal(t, scheme, file.Metadata()[attn.QuantizedKey])
		info, ok := file.Info("out_proj.weight")
		require.True(t, ok)
		require.Equal(t, weights.I8, info.DType)
		back, err := attn.LoadMultiHead(path, "", 0)
		require.NoError(t, err)
		require.True(t, back.Quantized())
		require.Equal(t, residual, back.QuantizedResidual())
		x := ioMatrix(t, name, "input")
		want, got := kernel.NewMatrix(x.Rows, x.Cols), kernel.NewMatrix(x.Rows, x.Cols)
		require.NoError(t, q.Forward(want, x, attn.Options{Causal: true}))
		require.NoError(t, back.Forward(got, x, attn.Options{Causal: true}))
		require.Equal(t, want.Data, got.Data, name)

		for what, edit := range map[string]func(ts map[string]weights.Tensor, m map[string]string) error{
			"unknown scheme": func(_ map[string]weights.Tensor, m map[string]string) error {
				m[attn.QuantizedKey] = "int4/7"
				return attn.ErrFormat
			},
			"no scale": func(ts map[string]weights.Tensor, _ map[string]string) error {
				delete(ts, "out_proj.weight.scale")
				return attn.ErrMissing
			},
			"float weight": func(ts map[string]weights.Tensor, _ map[string]string) error {
				w := ts["out_proj.weight"]
				ts["out_proj.weight"] = weights.Tensor{Name: w.Name, Shape: w.Shape, Data: make([]float32, len(w.Int8))}
				return attn.ErrFormat
			},
			"−128": func(ts map[string]weights.Tensor, _ map[string]string) error {
				ts["out_proj.weight"].Int8[0] = -128
				return attn.ErrFormat
			},
			"negative scale": func(ts map[string]weights.Tensor, _ map[string]string) error {
				ts["out_proj.weight.scale"].Data[1] = -1
				return attn.ErrFormat
			},
			"no metadata": func(_ map[string]weights.Tensor, m map[string]string) error {
				delete(m, attn.QuantizedKey)
				return attn.ErrFormat
			},
		} {
			if residual {
				break // the residual planes' own cases follow
			}
			bad := rewriteFile(t, path, edit)
			_, err := attn.LoadMultiHead(bad, "", 0)
			require.Error(t, err, what)
		}
		if !residual {
			continue
		}
		for what, edit := range map[string]func(ts map[string]weights.Tensor, m map[string]string) error{
			"no residual plane": func(ts map[string]weights.Tensor, _ map[string]string) error {
				delete(ts, "out_proj.weight.residual")
				return attn.ErrMissing
			},
			"no residual scale": func(ts map[string]weights.Tensor, _ map[string]string) error {
				delete(ts, "out_proj.weight.residual.scale")
				return attn.ErrMissing
			},
			"residual planes, one-plane scheme": func(_ map[string]weights.Tensor, m map[string]string) error {
				m[attn.QuantizedKey] = attn.QuantizedScheme
				return attn.ErrFormat
			},
			"−128 in a residual plane": func(ts map[string]weights.Tensor, _ map[string]string) error {
				ts["out_proj.weight.residual"].Int8[0] = -128
				return attn.ErrFormat
			},
		} {
			bad := rewriteFile(t, path, edit)
			_, err := attn.LoadMultiHead(bad, "", 0)
			require.Error(t, err, what)
		}
	}
}

// rewriteFile copies the safetensors file at path through edit
// (torchtest.Rewrite), which may change its tensors and metadata, and
// requires the loader's error to wrap what edit returns.
func rewriteFile(t *testing.T, path string, edit func(ts map[string]weights.Tensor, m map[string]string) error) string {
	t.Helper()
	f, err := weights.Open(path)
	require.NoError(t, err)
	meta := f.Metadata()
	var want error
	out := torchtest.Rewrite(t, path, meta, func(ts map[string]weights.Tensor) { want = edit(ts, meta) })
	_, err = attn.LoadMultiHead(out, "", 0)
	require.ErrorIs(t, err, want)
	return out
}

// TestQuantizedMultiHeadRefuses: the calls that need float projections
// return ErrQuantized, and Quantize refuses a quantized or cross model.
func TestQuantizedMultiHeadRefuses(t *testing.T) {
	m, err := attn.NewMultiHead(8, 2, true)
	require.NoError(t, err)
	m.Init(rand.New(rand.NewPCG(1, 2)))
	q, err := m.Quantize()
	require.NoError(t, err)
	x := kernel.NewMatrix(3, 8)
	y := kernel.NewMatrix(3, 8)
	require.ErrorIs(t, q.Cross(y, x, x, x, attn.Options{}), attn.ErrQuantized)
	cache, err := attn.NewKVCache(q, 4)
	require.NoError(t, err)
	require.ErrorIs(t, q.SetMemory(cache, x, x), attn.ErrQuantized)
	require.ErrorIs(t, q.DecodeCross(y.Row(0), x.Row(0), cache, attn.Options{}), attn.ErrQuantized)
	g := m.NewGrads()
	require.ErrorIs(t, q.Backward(g, y, y, x, attn.Options{}), attn.ErrQuantized)
	require.ErrorIs(t, q.CrossBackward(g, y, y, y, y, x, x, x, attn.Options{}), attn.ErrQuantized)
	_, err = q.Quantize()
	require.ErrorIs(t, err, attn.ErrQuantized)
	_, err = q.QuantizeResidual()
	require.ErrorIs(t, err, attn.ErrQuantized)

	cross, err := attn.LoadMultiHead(filepath.Join(torchDir, "mha_cross.safetensors"), "", 0)
	require.NoError(t, err)
	_, err = cross.Quantize()
	require.ErrorIs(t, err, attn.ErrShape)
	_, err = cross.QuantizeResidual()
	require.ErrorIs(t, err, attn.ErrShape)
}
