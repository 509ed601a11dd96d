package attn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// torchDir holds the fixtures scripts/torch_fixtures.py wrote with PyTorch.
const torchDir = torchtest.Dir

func torchTensor(t *testing.T, file, name string) weights.Tensor {
	t.Helper()
	f, err := weights.Open(filepath.Join(torchDir, file))
	require.NoError(t, err)
	tt, err := f.Tensor(name)
	require.NoError(t, err)
	return tt
}

func TestLoadMultiHeadTorch(t *testing.T) {
	m, err := attn.LoadMultiHead(filepath.Join(torchDir, "mha_causal.safetensors"), "", 0)
	require.NoError(t, err)
	require.Equal(t, 8, m.DModel)
	require.Equal(t, 2, m.Heads) // from the metadata
	in := torchTensor(t, "mha_causal.io.safetensors", "input")
	want := torchTensor(t, "mha_causal.io.safetensors", "output")
	T, e := in.Shape[0], in.Shape[1]
	x := kernel.MatrixFrom(T, e, in.Data)

	causal := kernel.NewMatrix(T, e)
	require.NoError(t, m.Forward(causal, x, attn.Options{Causal: true}))
	torchtest.RequireClose(t, "causal", causal.Data, want.Data)

	// PyTorch's boolean mask (True = masked) as an additive mask and as Keep.
	mask := make([]float32, T*T)
	keep := make([]bool, T*T)
	for i := range T {
		for j := range T {
			keep[i*T+j] = j <= i
			if j > i {
				mask[i*T+j] = float32(math.Inf(-1))
			}
		}
	}
	for name, opt := range map[string]attn.Options{"mask": {Mask: mask}, "keep": {Keep: keep}} {
		y := kernel.NewMatrix(T, e)
		require.NoError(t, m.Forward(y, x, opt))
		torchtest.RequireClose(t, name, y.Data, want.Data)
	}

	// Decoding token by token against a cache gives the causal rows.
	cache, err := attn.NewKVCache(m, T)
	require.NoError(t, err)
	row := make([]float32, e)
	for i := range T {
		require.NoError(t, m.Decode(row, x.Row(i), cache, attn.Options{}))
		torchtest.RequireClose(t, "decode", row, want.Data[i*e:(i+1)*e])
	}

	// Without the mask, or with other heads, the answer differs.
	y := kernel.NewMatrix(T, e)
	require.NoError(t, m.Forward(y, x, attn.Options{}))
	require.NotEqual(t, causal.Data, y.Data)
	m1, err := attn.LoadMultiHead(filepath.Join(torchDir, "mha_causal.safetensors"), "", 1)
	require.NoError(t, err)
	require.Equal(t, 1, m1.Heads)
	require.NoError(t, m1.Forward(y, x, attn.Options{Causal: true}))
	require.NotEqual(t, causal.Data, y.Data)

	// The same weights as separate q/k/v projections load the same.
	path := rewriteMHA(t, nil, func(ts map[string]weights.Tensor) {
		w := ts["in_proj_weight"]
		delete(ts, "in_proj_weight")
		for i, n := range []string{"q_proj_weight", "k_proj_weight", "v_proj_weight"} {
			ts[n] = weights.Tensor{Name: n, Shape: []int{e, e}, Data: w.Data[i*e*e : (i+1)*e*e]}
		}
	})
	m2, err := attn.LoadMultiHead(path, "", 0)
	require.NoError(t, err)
	m.WeightsChanged() // the packed projections are a cache, not weights
	require.Equal(t, m, m2)
}

func TestMultiHeadSaveLoad(t *testing.T) {
	dir := t.TempDir()
	for _, bias := range []bool{false, true} {
		m, err := attn.NewMultiHead(12, 3, bias)
		require.NoError(t, err)
		for i := range m.InProj.Data {
			m.InProj.Data[i] = float32(math.Sin(float64(i)))
		}
		for i := range m.OutProj.Data {
			m.OutProj.Data[i] = float32(math.Cos(float64(i)))
		}
		for i := range m.InBias {
			m.InBias[i] = float32(i) / 10
		}
		path := filepath.Join(dir, "m.safetensors")
		require.NoError(t, m.Save(path, map[string]string{"note": "x"}))
		back, err := attn.LoadMultiHead(path, "", 0)
		require.NoError(t, err)
		require.Equal(t, m, back)
		f, err := weights.Open(path)
		require.NoError(t, err)
		meta := f.Metadata()
		require.Equal(t, "x", meta["note"])
		require.Equal(t, "3", meta["num_heads"])
		var b bytes.Buffer
		require.NoError(t, m.Encode(&b, map[string]string{"note": "x"}))
		saved, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, saved, b.Bytes())
	}
	// A model whose matrices are windows (Stride > Cols) saves densely.
	big := kernel.NewMatrix(12, 10)
	for i := range big.Data {
		big.Data[i] = float32(i)
	}
	m := &attn.MultiHead{DModel: 4, Heads: 2, InProj: big.Slice(0, 12, 0, 4), OutProj: big.Slice(0, 4, 5, 9)}
	path := filepath.Join(dir, "w.safetensors")
	require.NoError(t, m.Save(path, nil))
	back, err := attn.LoadMultiHead(path, "", 0)
	require.NoError(t, err)
	for i := range 12 {
		require.Equal(t, m.InProj.Row(i), back.InProj.Row(i))
	}
	for i := range 4 {
		require.Equal(t, m.OutProj.Row(i), back.OutProj.Row(i))
	}
	bad := &attn.MultiHead{DModel: 4, Heads: 3}
	require.ErrorIs(t, bad.Save(path, nil), attn.ErrShape)
}

// rewriteMHA copies the torch fixture's tensors through edit into a
// temporary file, with metadata meta (the fixture's if nil).
func rewriteMHA(t *testing.T, meta map[string]string, edit func(map[string]weights.Tensor)) string {
	return torchtest.Rewrite(t, filepath.Join(torchDir, "mha_causal.safetensors"), meta, edit)
}

func TestLoadMultiHeadErrors(t *testing.T) {
	fixture := filepath.Join(torchDir, "mha_causal.safetensors")
	orig, err := os.ReadFile(fixture)
	require.NoError(t, err)
	heads := map[string]string{"num_heads": "2"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"num_heads": "2"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	set := func(name string, shape ...int) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) {
			n := 1
			for _, d := range shape {
				n *= d
			}
			ts[name] = weights.Tensor{Name: name, Shape: shape, Data: make([]float32, n)}
		}
	}
	del := func(name string) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) { delete(ts, name) }
	}
	nothing := func(map[string]weights.Tensor) {}
	// separate replaces in_proj_weight by q_proj_weight (e×e), k_proj_weight
	// (kr×kc) and v_proj_weight (vr×vc), keeping the biases or not.
	separate := func(e, kr, kc, vr, vc int, biases bool) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) {
			delete(ts, "in_proj_weight")
			if !biases {
				delete(ts, "in_proj_bias")
				delete(ts, "out_proj.bias")
			}
			set("q_proj_weight", e, e)(ts)
			set("k_proj_weight", kr, kc)(ts)
			set("v_proj_weight", vr, vc)(ts)
		}
	}
	file := func(b []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "f.safetensors")
			require.NoError(t, os.WriteFile(p, b, 0o644))
			return p
		}
	}
	edit := func(meta map[string]string, e func(map[string]weights.Tensor)) func(t *testing.T) string {
		return func(t *testing.T) string { return rewriteMHA(t, meta, e) }
	}
	cases := []struct {
		name     string
		path     func(t *testing.T) string
		prefix   string
		heads    int
		sentinel error
		msg      string
	}{
		{"truncated", file(orig[:len(orig)-1]), "", 0, attn.ErrFormat, "tensors cover"},
		{"empty", file(nil), "", 0, attn.ErrFormat, "shorter than"},
		{"no attention", edit(heads, del("in_proj_weight")), "", 0, attn.ErrMissing, "in_proj_weight"},
		{"no out_proj", edit(heads, del("out_proj.weight")), "", 0, attn.ErrMissing, `"out_proj.weight" missing`},
		{"in_proj shape", edit(heads, set("in_proj_weight", 16, 8)), "", 0, attn.ErrShape, `"in_proj_weight" has shape [16 8], want [24 8]`},
		{"in_proj_bias shape", edit(heads, set("in_proj_bias", 8)), "", 0, attn.ErrShape, `"in_proj_bias" has shape [8], want [24]`},
		{"out_proj shape", edit(heads, set("out_proj.weight", 8, 7)), "", 0, attn.ErrShape, "want [E E]"},
		{"out_proj.bias shape", edit(heads, set("out_proj.bias", 8, 1)), "", 0, attn.ErrShape, `"out_proj.bias" has shape [8 1], want [8]`},
		{"k_proj shape", edit(heads, func(ts map[string]weights.Tensor) {
			delete(ts, "in_proj_weight")
			set("q_proj_weight", 8, 8)(ts)
			set("k_proj_weight", 5, 8)(ts) // 5 rows: not a multiple of d_head 4
			set("v_proj_weight", 8, 8)(ts)
		}), "", 0, attn.ErrShape, `"k_proj_weight" has shape [5 8]`},
		{"v_proj missing", edit(heads, func(ts map[string]weights.Tensor) {
			delete(ts, "in_proj_weight")
			set("q_proj_weight", 8, 8)(ts)
			set("k_proj_weight", 8, 8)(ts)
		}), "", 0, attn.ErrMissing, `"v_proj_weight" missing`},
		{"heads unknown", edit(map[string]string{}, nothing), "", 0, attn.ErrFormat, "number of heads is unknown"},
		{"heads not dividing", edit(with("num_heads", "3"), nothing), "", 0, attn.ErrShape, "3 heads do not divide embed_dim 8"},
		{"heads option not dividing", edit(heads, nothing), "", 5, attn.ErrShape, "5 heads"},
		{"heads not a number", edit(with("num_heads", "two"), nothing), "", 0, attn.ErrFormat, `num_heads="two"`},
		{"embed_dim", edit(with("embed_dim", "16"), nothing), "", 0, attn.ErrShape, "metadata embed_dim=16"},
		{"kdim", edit(with("kdim", "4"), nothing), "", 0, attn.ErrShape, "metadata kdim=4"},
		{"add_bias_kv", edit(with("add_bias_kv", "True"), nothing), "", 0, attn.ErrFormat, "add_bias_kv=True is not supported"},
		{"num_kv_heads", edit(with("num_kv_heads", "1"), nothing), "", 0, attn.ErrShape, "metadata num_kv_heads=1 but the tensors say 2"},
		{"rotary_dims odd", edit(with("rotary_dims", "3"), nothing), "", 0, attn.ErrFormat, "rotary_dims=3"},
		{"rotary_dims wide", edit(with("rotary_dims", "6"), nothing), "", 0, attn.ErrShape, "Rotary rotates 6 features of heads of 4"},
		{"rotary_base", edit(with("rotary_dims", "4", "rotary_base", "0.5"), nothing), "", 0, attn.ErrFormat, "rotary_base=0.5"},
		{"rotary_interleaved", edit(with("rotary_dims", "4", "rotary_interleaved", "maybe"), nothing), "", 0, attn.ErrFormat, `rotary_interleaved="maybe"`},
		{"kv heads not dividing", edit(heads, separate(8, 6, 8, 6, 8, false)), "", 4, attn.ErrShape, "3 key/value heads do not divide 4 heads"},
		{"separate kdim metadata", edit(with("kdim", "8"), separate(8, 8, 5, 8, 8, false)), "", 0, attn.ErrShape, "metadata kdim=8 but the tensors say 5"},
		{"grouped bias shape", edit(heads, separate(8, 4, 8, 4, 8, true)), "", 0, attn.ErrShape, `"in_proj_bias" has shape [24], want [16]`},
		{"add_zero_attn", edit(with("add_zero_attn", "yes"), nothing), "", 0, attn.ErrFormat, "not a boolean"},
		{"bias missing", edit(with("bias", "True"), del("out_proj.bias")), "", 0, attn.ErrMissing, `"out_proj.bias" missing (the biases go together)`},
		{"in bias alone", edit(heads, del("in_proj_bias")), "", 0, attn.ErrMissing, `"in_proj_bias" missing (the biases go together)`},
		{"bias unexpected", edit(with("bias", "False"), nothing), "", 0, attn.ErrFormat, "bias=False but the file has biases"},
		{"bias_k", edit(heads, set("bias_k", 1, 1, 8)), "", 0, attn.ErrFormat, `"bias_k" is not part of the model`},
		// Without the metadata, torch's add_bias_kv is named by the tensors.
		{"bias_v add_bias_kv", edit(heads, set("bias_v", 1, 1, 8)), "", 0, attn.ErrFormat, `"bias_v" is not part of the model: torch's add_bias_kv=True`},
		{"two modules", edit(heads, set("other.in_proj_weight", 24, 8)), "", 0, attn.ErrFormat, `"other.in_proj_weight" is not part of the model`},
		{"wrong prefix", edit(heads, nothing), "self_attn.", 0, attn.ErrMissing, `"self_attn.in_proj_weight" missing`},
		{"integer weights", file(torchtest.RawFile(`{"__metadata__":{"num_heads":"1"},"in_proj_weight":{"dtype":"I32","shape":[3,1],"data_offsets":[0,12]},"out_proj.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[12,16]}}`, make([]byte, 16))),
			"", 0, attn.ErrFormat, "I32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			m, err := attn.LoadMultiHead(path, c.prefix, c.heads)
			require.Nil(t, m)
			require.ErrorIs(t, err, c.sentinel)
			require.ErrorContains(t, err, c.msg)
			require.Contains(t, err.Error(), path)
			require.NotContains(t, err.Error(), "\n")
			for _, other := range []error{attn.ErrFormat, attn.ErrMissing, attn.ErrShape} {
				if other != c.sentinel {
					require.NotErrorIs(t, err, other)
				}
			}
		})
	}
	// Inside a parent module, with the prefix given.
	path := rewriteMHA(t, heads, func(ts map[string]weights.Tensor) {
		for n, tt := range ts {
			delete(ts, n)
			tt.Name = "layer.0.self_attn." + n
			ts[tt.Name] = tt
		}
	})
	m, err := attn.LoadMultiHead(path, "layer.0.self_attn.", 0)
	require.NoError(t, err)
	require.Len(t, m.InBias, 24)
	_, err = attn.LoadMultiHead(path, "", 0)
	require.ErrorIs(t, err, attn.ErrMissing)
}

// FuzzLoad feeds arbitrary files (header length, header, buffer) to
// ReadMultiHead. It must never panic; it either fails with one of the
// sentinel errors or returns a model that runs and saves. Seeds are in
// testdata/fuzz/FuzzLoad.
// readFuzzed reads a fuzzed safetensors file (header and buffer) with
// ReadMultiHead: the model, or nil after checking that the error wraps
// one of the package's sentinels and stays on one line.
func readFuzzed(t *testing.T, header, buffer []byte) *attn.MultiHead {
	t.Helper()
	data := torchtest.RawFile(string(header), buffer)
	m, err := attn.ReadMultiHead(bytes.NewReader(data), int64(len(data)), "", 0)
	if err != nil {
		if !errors.Is(err, attn.ErrFormat) && !errors.Is(err, attn.ErrMissing) && !errors.Is(err, attn.ErrShape) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		return nil
	}
	return m
}

func FuzzLoad(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(torchDir, "mha_causal.safetensors"))
	if err != nil {
		f.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	f.Add(b[8:8+n], b[8+n:])
	f.Fuzz(func(t *testing.T, header, buffer []byte) {
		m := readFuzzed(t, header, buffer)
		if m == nil {
			return
		}
		x := kernel.NewMatrix(3, m.DModel)
		for i := range x.Data {
			x.Data[i] = float32(i%5) - 2
		}
		y := kernel.NewMatrix(3, m.DModel)
		if err := m.Forward(y, x, attn.Options{Causal: true}); err != nil {
			t.Fatalf("Forward on a loaded model: %v", err)
		}
		var out bytes.Buffer
		if err := m.Encode(&out, nil); err != nil {
			t.Fatal(err)
		}
		back, err := attn.ReadMultiHead(bytes.NewReader(out.Bytes()), int64(out.Len()), "", 0)
		if err != nil || back.DModel != m.DModel || back.Heads != m.Heads {
			t.Fatalf("re-Read: %v", err)
		}
	})
}

// TestLoadMultiHeadDTypes loads separate q/k/v projections stored as BF16,
// F16 and F64.
func TestLoadMultiHeadDTypes(t *testing.T) {
	b := torchtest.RawFile(`{"__metadata__":{"num_heads":"1"},"k_proj_weight":{"dtype":"F16","shape":[1,1],"data_offsets":[0,2]},"out_proj.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[2,6]},"q_proj_weight":{"dtype":"BF16","shape":[1,1],"data_offsets":[6,8]},"v_proj_weight":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}`,
		[]byte{0x00, 0xc0, 0, 0, 0x80, 0x3f, 0x40, 0x40, 0, 0, 0, 0, 0, 0, 0x10, 0x40})
	m, err := attn.ReadMultiHead(bytes.NewReader(b), int64(len(b)), "", 0)
	require.NoError(t, err)
	require.Equal(t, []float32{3, -2, 4}, m.InProj.Data) // q (BF16 3), k (F16 −2), v (F64 4)
	require.Equal(t, []float32{1}, m.OutProj.Data)
	require.Nil(t, m.InBias)
	require.Nil(t, m.OutBias)
}
