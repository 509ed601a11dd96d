package nn_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestDecoderDecodeTorch: torch.nn.TransformerDecoder stacks run
// incrementally (a prompt through Prefill, then one row at a time through
// Decode, the memory projected once by SetMemory) give torch's output
// with a causal tgt_mask, tgt_key_padding_mask, a float memory_mask and
// memory_key_padding_mask, for the stack and layer by layer; a full cache
// is refused before anything changes.
func TestDecoderDecodeTorch(t *testing.T) {
	for _, name := range []string{"dec_post_relu", "dec_pre_gelu", "dec_gelu_tanh"} {
		t.Run(name, func(t *testing.T) {
			dec, err := nn.LoadDecoder(filepath.Join(torchtest.Dir, name+".safetensors"), "")
			require.NoError(t, err)
			x, mem := fixtureMatrix(t, name, "input"), fixtureMatrix(t, name, "memory")
			want := fixtureMatrix(t, name, "output_masked")
			tk, mk := keep(t, name, "tgt_pad"), keep(t, name, "memory_pad")
			mm := fixtureMatrix(t, name, "memory_mask").Data
			T, S, d := x.Rows, mem.Rows, x.Cols
			c, err := dec.NewCache(T, S)
			require.NoError(t, err)
			require.NoError(t, dec.SetMemory(c, mem))
			require.Equal(t, S, c.MemoryLen())
			const prompt = 2
			got := kernel.NewMatrix(T, d)
			_, err = dec.Prefill(got.Slice(0, prompt, 0, d), x.Slice(0, prompt, 0, d), c,
				nn.Mask{KeepKeys: tk[:prompt]}, nn.Mask{Add: mm[:prompt*S], KeepKeys: mk})
			require.NoError(t, err)
			require.Equal(t, prompt, c.Len())
			for i := prompt; i < T; i++ {
				require.NoError(t, dec.Decode(got.Row(i), x.Row(i), c,
					nn.Mask{KeepKeys: tk[:i+1]}, nn.Mask{Add: mm[i*S : (i+1)*S], KeepKeys: mk}))
			}
			require.Equal(t, T, c.Len())
			torchtest.RequireClose(t, name+" prefill+decode", got.Data, want.Data)

			err = dec.Decode(got.Row(0), x.Row(0), c, nn.Mask{}, nn.Mask{})
			require.ErrorIs(t, err, attn.ErrCacheFull)
			_, err = dec.Prefill(kernel.Matrix{}, x.Slice(0, 1, 0, d), c, nn.Mask{}, nn.Mask{})
			require.ErrorIs(t, err, attn.ErrCacheFull)
			require.Equal(t, T, c.Len())

			// The whole target in one Prefill after Reset (the memory
			// stays), and layer by layer with the layers' own caches.
			c.Reset()
			require.Equal(t, S, c.MemoryLen())
			all, err := dec.Prefill(kernel.Matrix{}, x, c, nn.Mask{KeepKeys: tk}, nn.Mask{Add: mm, KeepKeys: mk})
			require.NoError(t, err)
			torchtest.RequireClose(t, name+" prefill", all.Data, want.Data)
			h := x
			for _, l := range dec.Layers {
				lc, err := l.NewCache(T, S)
				require.NoError(t, err)
				require.NoError(t, l.SetMemory(lc, mem))
				next := kernel.NewMatrix(T, d)
				for i := range T {
					require.NoError(t, l.Decode(next.Row(i), h.Row(i), lc,
						nn.Mask{KeepKeys: tk[:i+1]}, nn.Mask{Add: mm[i*S : (i+1)*S], KeepKeys: mk}))
				}
				h = next
			}
			if dec.Norm != nil {
				_, err = dec.Norm.Forward(h, h)
				require.NoError(t, err)
			}
			torchtest.RequireClose(t, name+" layer decode", h.Data, want.Data)
		})
	}
}

// TestDecoderDecodeRandom: on random shapes (d_model, heads, ffn, layers,
// norm_first, relu, gelu and gelu_tanh, a final norm or none, T ≤ 64,
// memories of several lengths with padding), Prefill of a prompt and then
// Decode row by row match Forward with a causal tgt_mask within 1e-5
// relative; so do a layer's Prefill and Decode against its Forward.
func TestDecoderDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(20261206, 18))
	acts := []nn.Activation{nn.ReLU, nn.GELU, nn.GELUTanh}
	n := 12
	if testing.Short() {
		n = 4
	}
	for k := range n {
		heads := 1 + r.IntN(4)
		cfg := nn.Config{DModel: heads * (2 + r.IntN(12)), Heads: heads, FF: 4 + r.IntN(60),
			Activation: acts[k%3], NormFirst: k%2 == 0, Layers: 1 + r.IntN(3), FinalNorm: r.IntN(2) == 0}
		T, S := 1+r.IntN(64), 1+r.IntN(40)
		if k == 0 {
			T = 64
		}
		t.Run(fmt.Sprintf("%+v,T=%d,S=%d", cfg, T, S), func(t *testing.T) {
			dec, err := nn.NewDecoder(cfg)
			require.NoError(t, err)
			dec.Init(r)
			perturbNorms(r, dec)
			d := cfg.DModel
			x, mem := randMatrix(r, T, d), randMatrix(r, S, d)
			mk := make([]bool, S)
			for j := range mk {
				mk[j] = j == 0 || r.IntN(4) != 0
			}
			mm := nn.Mask{KeepKeys: mk}
			want, err := dec.Forward(kernel.Matrix{}, x, mem, nn.Mask{Causal: true}, mm)
			require.NoError(t, err)

			c, err := dec.NewCache(T, S+r.IntN(3))
			require.NoError(t, err)
			require.NoError(t, dec.SetMemory(c, mem))
			prompt := r.IntN(T + 1)
			got := kernel.NewMatrix(T, d)
			_, err = dec.Prefill(got.Slice(0, prompt, 0, d), x.Slice(0, prompt, 0, d), c, nn.Mask{}, mm)
			require.NoError(t, err)
			for i := prompt; i < T; i++ {
				require.NoError(t, dec.Decode(got.Row(i), x.Row(i), c, nn.Mask{}, mm))
			}
			torchtest.RequireClose(t, "stack", got.Data, want.Data)

			l := dec.Layers[0]
			lwant, err := l.Forward(kernel.Matrix{}, x, mem, nn.Mask{Causal: true}, mm)
			require.NoError(t, err)
			lc, err := l.NewCache(T, S)
			require.NoError(t, err)
			require.NoError(t, l.SetMemory(lc, mem))
			_, err = l.Prefill(got.Slice(0, prompt, 0, d), x.Slice(0, prompt, 0, d), lc, nn.Mask{Causal: true}, mm)
			require.NoError(t, err)
			for i := prompt; i < T; i++ {
				require.NoError(t, l.Decode(got.Row(i), x.Row(i), lc, nn.Mask{}, mm))
			}
			torchtest.RequireClose(t, "layer 0", got.Data, lwant.Data)
		})
	}
}

// perturbNorms moves every norm's γ and β away from 1 and 0, so that a
// mix-up of norms shows.
func perturbNorms(r *rand.Rand, dec *nn.Decoder) {
	norms := []*nn.LayerNorm{}
	for _, l := range dec.Layers {
		norms = append(norms, &l.Norm1, &l.Norm2, &l.Norm3)
	}
	if dec.Norm != nil {
		norms = append(norms, dec.Norm)
	}
	for _, n := range norms {
		randFill(r, n.Weight, 1, 0.2)
		randFill(r, n.Bias, 0, 0.2)
	}
}

// TestDecoderDecodeAllocs: Decoder.Decode allocates nothing per token.
func TestDecoderDecodeAllocs(t *testing.T) {
	cfg := nn.Config{DModel: 32, Heads: 4, FF: 64, Activation: nn.GELU, Layers: 2, FinalNorm: true}
	dec, err := nn.NewDecoder(cfg)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(13, 14))
	dec.Init(r)
	c, err := dec.NewCache(200, 16)
	require.NoError(t, err)
	require.NoError(t, dec.SetMemory(c, randMatrix(r, 16, 32)))
	x, y := randMatrix(r, 1, 32).Data, make([]float32, 32)
	mk := make([]bool, 16)
	for i := range mk {
		mk[i] = i != 3
	}
	mm := nn.Mask{KeepKeys: mk}
	require.NoError(t, dec.Decode(y, x, c, nn.Mask{}, mm))
	if !race.Enabled { // sync.Pool drops items at random under the race detector
		require.Zero(t, testing.AllocsPerRun(50, func() {
			if err := dec.Decode(y, x, c, nn.Mask{}, mm); err != nil {
				t.Fatal(err)
			}
		}))
	}
}

// TestDecoderDecodeErrors: misuse is an error naming the problem, and
// changes nothing.
func TestDecoderDecodeErrors(t *testing.T) {
	cfg := nn.Config{DModel: 16, Heads: 2, FF: 24, Layers: 2}
	dec, err := nn.NewDecoder(cfg)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(15, 16))
	dec.Init(r)
	x, y := randMatrix(r, 1, 16).Data, make([]float32, 16)
	c, err := dec.NewCache(4, 5)
	require.NoError(t, err)
	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{}, nn.Mask{}), nn.ErrShape, "no memory yet")
	require.ErrorIs(t, dec.SetMemory(c, randMatrix(r, 6, 16)), attn.ErrCacheFull)
	require.ErrorIs(t, dec.SetMemory(c, randMatrix(r, 5, 8)), attn.ErrShape)
	require.NoError(t, dec.SetMemory(c, randMatrix(r, 5, 16)))
	require.Equal(t, 5, c.MemoryLen())
	// A failing SetMemory leaves no memory, even when only a later layer
	// refuses it (here its cross-attention takes keys of another width).
	wide, err := nn.NewDecoderLayer(nn.Config{DModel: 16, Heads: 2, FF: 24})
	require.NoError(t, err)
	wide.CrossAttn, err = attn.NewMultiHeadConfig(attn.MultiHeadConfig{DModel: 16, Heads: 2, KVHeads: 2, KDim: 8, VDim: 8, Bias: true})
	require.NoError(t, err)
	mixed := &nn.Decoder{Layers: []*nn.DecoderLayer{dec.Layers[0], wide}}
	mc, err := mixed.NewCache(4, 5)
	require.NoError(t, err)
	require.NoError(t, mixed.Layers[0].SetMemory(mc.Layers[0], randMatrix(r, 5, 16)))
	require.ErrorIs(t, mixed.SetMemory(mc, randMatrix(r, 5, 16)), attn.ErrShape)
	require.Zero(t, mc.MemoryLen())
	require.ErrorIs(t, mixed.Decode(y, x, mc, nn.Mask{}, nn.Mask{}), nn.ErrShape)
	require.NoError(t, dec.Layers[0].SetMemory(mc.Layers[0], randMatrix(r, 5, 16)))
	require.ErrorIs(t, dec.Layers[0].SetMemory(mc.Layers[0], randMatrix(r, 5, 8)), attn.ErrShape)
	require.Zero(t, mc.Layers[0].MemoryLen())

	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{}, nn.Mask{Causal: true}), nn.ErrConfig)
	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{}, nn.Mask{Add: make([]float32, 4)}), nn.ErrShape)
	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{}, nn.Mask{KeepKeys: make([]bool, 4)}), nn.ErrShape)
	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{KeepKeys: make([]bool, 3)}, nn.Mask{}), attn.ErrShape)
	require.ErrorIs(t, dec.Decode(y[:3], x, c, nn.Mask{}, nn.Mask{}), nn.ErrShape)
	require.ErrorIs(t, dec.Decode(y, x, nil, nn.Mask{}, nn.Mask{}), nn.ErrShape)
	for _, l := range c.Layers {
		require.Zero(t, l.Len(), "a refused call appended nothing")
	}
	_, err = dec.Prefill(kernel.Matrix{}, randMatrix(r, 2, 16), c, nn.Mask{}, nn.Mask{Keep: make([]bool, 5)})
	require.ErrorIs(t, err, nn.ErrShape)
	require.Zero(t, c.Len())
	other, err := nn.NewDecoder(nn.Config{DModel: 16, Heads: 2, FF: 24, Layers: 3})
	require.NoError(t, err)
	require.ErrorIs(t, other.Decode(y, x, c, nn.Mask{}, nn.Mask{}), nn.ErrShape)
	c.Layers[1].Self.Truncate(0)
	require.NoError(t, dec.Layers[0].Decode(y, x, c.Layers[0], nn.Mask{}, nn.Mask{}))
	require.ErrorIs(t, dec.Decode(y, x, c, nn.Mask{}, nn.Mask{}), nn.ErrShape, "layers of different lengths")
	c.Truncate(0)
	require.Zero(t, c.Len())
}

// TestDecoderDecodeThreads: with two threads and a memory long enough for
// attn to split the cross-attention over helpers (flash-decoding), and a
// target long enough to split the self-attention, Decode still matches
// Forward, and allocates nothing per token. Its caches must hold 512
// tokens of d_model 256 for attn to split (a second of emulated arm64
// time per 100 tokens), so -short leaves it to the full run.
func TestDecoderDecodeThreads(t *testing.T) {
	if testing.Short() {
		t.Skip("caches of 512+ tokens: run without -short")
	}
	defer kernel.SetThreads(kernel.Threads())
	kernel.SetThreads(2)
	cfg := nn.Config{DModel: 256, Heads: 2, FF: 64, Activation: nn.GELUTanh, NormFirst: true, Layers: 1, FinalNorm: true}
	dec, err := nn.NewDecoder(cfg)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(17, 18))
	dec.Init(r)
	perturbNorms(r, dec)
	const T, S, prompt = 520, 520, 512
	x, mem := randMatrix(r, T, 256), randMatrix(r, S, 256)
	want, err := dec.Forward(kernel.Matrix{}, x, mem, nn.Mask{Causal: true}, nn.Mask{})
	require.NoError(t, err)
	c, err := dec.NewCache(T, S)
	require.NoError(t, err)
	require.NoError(t, dec.SetMemory(c, mem))
	got := kernel.NewMatrix(T, 256)
	_, err = dec.Prefill(got.Slice(0, prompt, 0, 256), x.Slice(0, prompt, 0, 256), c, nn.Mask{}, nn.Mask{})
	require.NoError(t, err)
	for i := prompt; i < T; i++ {
		require.NoError(t, dec.Decode(got.Row(i), x.Row(i), c, nn.Mask{}, nn.Mask{}))
	}
	torchtest.RequireClose(t, "decode, 2 threads", got.Data, want.Data)
	if !race.Enabled {
		c.Truncate(prompt)
		require.Zero(t, testing.AllocsPerRun(5, func() {
			if err := dec.Decode(got.Row(prompt), x.Row(prompt), c, nn.Mask{}, nn.Mask{}); err != nil {
				t.Fatal(err)
			}
			c.Truncate(prompt)
		}))
	}
}
