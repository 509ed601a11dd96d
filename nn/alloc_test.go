package nn_test

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestForwardAllocs: with a caller's dst, steady-state Forward of every
// layer and stack allocates nothing, masks included; without a dst, one
// allocation, the result.
func TestForwardAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under the race detector: allocation counts mean nothing")
	}
	// A garbage collection empties the sync.Pools that lend the scratch
	// (and the parallel tasks): the next calls allocate afresh, which is
	// not the steady state, so there is none while this test measures.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	r := rand.New(rand.NewPCG(9, 10))
	c := nn.Config{DModel: 16, Heads: 4, FF: 24, Activation: nn.GELU, Layers: 2, FinalNorm: true}
	enc, err := nn.NewEncoder(c)
	require.NoError(t, err)
	enc.Init(r)
	dec, err := nn.NewDecoder(c)
	require.NoError(t, err)
	dec.Init(r)
	defer kernel.SetThreads(kernel.Threads())
	// 12 rows: attn's heads on the caller; 256 on two threads: over the
	// worker pool.
	for _, tc := range []struct{ threads, T, S int }{{1, 12, 7}, {2, 256, 256}} {
		kernel.SetThreads(tc.threads)
		T, S := tc.T, tc.S
		x, mem := randMatrix(r, T, 16), randMatrix(r, S, 16)
		y, h := kernel.NewMatrix(T, 16), randMatrix(r, T, 24)
		keep := make([]bool, T)
		for i := range keep {
			keep[i] = i != 3
		}
		m := nn.Mask{Causal: true, KeepKeys: keep}
		runs := map[string]func(dst kernel.Matrix) error{
			"Linear":       func(dst kernel.Matrix) error { _, err := enc.Layers[0].FF.Linear2.Forward(dst, h); return err },
			"LayerNorm":    func(dst kernel.Matrix) error { _, err := enc.Norm.Forward(dst, x); return err },
			"FeedForward":  func(dst kernel.Matrix) error { _, err := enc.Layers[0].FF.Forward(dst, x); return err },
			"EncoderLayer": func(dst kernel.Matrix) error { _, err := enc.Layers[0].Forward(dst, x, m); return err },
			"Encoder":      func(dst kernel.Matrix) error { _, err := enc.Forward(dst, x, m); return err },
			"DecoderLayer": func(dst kernel.Matrix) error {
				_, err := dec.Layers[0].Forward(dst, x, mem, m, nn.Mask{})
				return err
			},
			"Decoder": func(dst kernel.Matrix) error { _, err := dec.Forward(dst, x, mem, m, nn.Mask{}); return err },
			"Transformer": func(dst kernel.Matrix) error {
				_, err := (&nn.Transformer{Encoder: enc, Decoder: dec}).Forward(dst, mem, x, nn.Mask{}, m, nn.Mask{})
				return err
			},
		}
		for name, run := range runs {
			name = fmt.Sprintf("%s threads=%d T=%d", name, tc.threads, T)
			require.NoError(t, run(y), name)
			require.Zero(t, testing.AllocsPerRun(20, func() { _ = run(y) }), name)
			require.Equal(t, 1.0, testing.AllocsPerRun(20, func() { _ = run(kernel.Matrix{}) }), name+" allocating its result")
		}
	}
}
