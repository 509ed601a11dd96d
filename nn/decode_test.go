package nn_test

import (
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

// TestEncoderDecode: a prompt through Prefill, then the remaining rows
// one by one through Decode, gives torch's causal output row for row (the
// same sums as Forward up to the attention's order), and a full cache is
// refused before anything changes.
func TestEncoderDecode(t *testing.T) {
	for _, name := range []string{"enc_post_relu", "enc_pre_gelu", "enc_gelu_tanh"} {
		t.Run(name, func(t *testing.T) {
			e, err := nn.LoadEncoder(filepath.Join(torchtest.Dir, name+".safetensors"), "")
			require.NoError(t, err)
			x, want := fixtureMatrix(t, name, "input"), fixtureMatrix(t, name, "output_causal")
			T, d := x.Rows, x.Cols
			c, err := e.NewCache(T)
			require.NoError(t, err)
			const prompt = 3
			got := kernel.NewMatrix(T, d)
			_, err = e.Prefill(got.Slice(0, prompt, 0, d), x.Slice(0, prompt, 0, d), c)
			require.NoError(t, err)
			require.Equal(t, prompt, c.Len())
			for i := prompt; i < T; i++ {
				require.NoError(t, e.Decode(got.Row(i), x.Row(i), c))
			}
			require.Equal(t, T, c.Len())
			torchtest.RequireClose(t, name+" prefill+decode", got.Data, want.Data)

			err = e.Decode(got.Row(0), x.Row(0), c)
			require.ErrorIs(t, err, attn.ErrCacheFull)
			_, err = e.Prefill(kernel.Matrix{}, x.Slice(0, 1, 0, d), c)
			require.ErrorIs(t, err, attn.ErrCacheFull)
			require.Equal(t, T, c.Len())

			// The whole sequence in one Prefill after Reset, and layer by
			// layer with the layers' own caches.
			c.Reset()
			all, err := e.Prefill(kernel.Matrix{}, x, c)
			require.NoError(t, err)
			torchtest.RequireClose(t, name+" prefill", all.Data, want.Data)
			h := x
			for _, l := range e.Layers {
				kv, err := l.NewCache(T)
				require.NoError(t, err)
				next := kernel.NewMatrix(T, d)
				for i := range T {
					require.NoError(t, l.Decode(next.Row(i), h.Row(i), kv, nn.Mask{}))
				}
				h = next
			}
			if e.Norm != nil {
				_, err = e.Norm.Forward(h, h)
				require.NoError(t, err)
			}
			torchtest.RequireClose(t, name+" layer decode", h.Data, want.Data)
		})
	}
}

// TestDecodeAllocs: Encoder.Decode allocates nothing per token.
func TestDecodeAllocs(t *testing.T) {
	e, err := nn.NewEncoder(nn.Config{DModel: 32, Heads: 4, FF: 64, Activation: nn.GELU, NormFirst: true, Layers: 2, FinalNorm: true})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(11, 12))
	e.Init(r)
	c, err := e.NewCache(200)
	require.NoError(t, err)
	x, y := randMatrix(r, 1, 32).Data, make([]float32, 32)
	require.NoError(t, e.Decode(y, x, c))
	if !race.Enabled { // sync.Pool drops items at random under the race detector
		require.Zero(t, testing.AllocsPerRun(50, func() {
			if err := e.Decode(y, x, c); err != nil {
				t.Fatal(err)
			}
		}))
	}
	other, err := nn.NewEncoder(nn.Config{DModel: 32, Heads: 4, FF: 64, Layers: 3})
	require.NoError(t, err)
	require.ErrorIs(t, other.Decode(y, x, c), nn.ErrShape)
	require.ErrorIs(t, e.Decode(y[:3], x, c), nn.ErrShape)
	require.ErrorIs(t, e.Decode(y, x, nil), nn.ErrShape)
}
