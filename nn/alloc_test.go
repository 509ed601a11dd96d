package nn_test

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/alloctest"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// allocStacks returns the encoder and decoder stacks of the allocation
// tests (d_model 16, 4 heads, GELU, 2 layers, final norm), initialised
// from r.
func allocStacks(t *testing.T, r *rand.Rand) (*nn.Encoder, *nn.Decoder) {
	c := nn.Config{DModel: 16, Heads: 4, FF: 24, Activation: nn.GELU, Layers: 2, FinalNorm: true}
	enc, err := nn.NewEncoder(c)
	require.NoError(t, err)
	enc.Init(r)
	dec, err := nn.NewDecoder(c)
	require.NoError(t, err)
	dec.Init(r)
	return enc, dec
}

// TestForwardAllocs: with a caller's dst, steady-state Forward of every
// layer and stack allocates nothing, masks included; without a dst, one
// allocation, the result.
func TestForwardAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under the race detector: allocation counts mean nothing")
	}
	// A garbage collection lets the pools that lend the scratch drop
	// buffers: the next calls allocate afresh, which is not the steady
	// state, so there is none while this test measures.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	r := rand.New(rand.NewPCG(9, 10))
	enc, dec := allocStacks(t, r)
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

// TestForwardAllocsAlternating: once every call has run once, the layers'
// and stacks' Forward allocate nothing, each call counted on its own,
// while the calls alternate between shapes, on one thread and on two: the
// workspace a call takes (one inside another in Transformer), left by a
// call of another shape, must fit it.
func TestForwardAllocsAlternating(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector's runs look for races, not allocations")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // see TestForwardAllocs
	defer kernel.SetThreads(kernel.Threads())
	alloctest.WarmRuntime()
	r := rand.New(rand.NewPCG(11, 12))
	enc, dec := allocStacks(t, r)
	tr := &nn.Transformer{Encoder: enc, Decoder: dec}
	// The calls, shape by shape for each layer or stack, so that
	// consecutive calls differ in shape.
	var calls []alloctest.Call
	for kind := range 6 {
		for _, T := range []int{12, 256, 100, 40} {
			x, mem := randMatrix(r, T, 16), randMatrix(r, T/2+1, 16)
			y := kernel.NewMatrix(T, 16)
			keep := make([]bool, T)
			for i := range keep {
				keep[i] = i != 3
			}
			m := nn.Mask{Causal: true, KeepKeys: keep}
			name := fmt.Sprintf(" T=%d", T)
			switch kind {
			case 0:
				calls = append(calls, alloctest.Call{Name: "Transformer" + name, Run: func() error { _, err := tr.Forward(y, mem, x, nn.Mask{}, nn.Mask{Causal: true}, nn.Mask{}); return err }})
			case 1:
				calls = append(calls, alloctest.Call{Name: "EncoderLayer" + name, Run: func() error { _, err := enc.Layers[0].Forward(y, x, m); return err }})
			case 2:
				calls = append(calls, alloctest.Call{Name: "Encoder" + name, Run: func() error { _, err := enc.Forward(y, x, m); return err }})
			case 3:
				calls = append(calls, alloctest.Call{Name: "DecoderLayer" + name, Run: func() error { _, err := dec.Layers[0].Forward(y, x, mem, m, nn.Mask{}); return err }})
			case 4:
				calls = append(calls, alloctest.Call{Name: "Decoder" + name, Run: func() error { _, err := dec.Forward(y, x, mem, m, nn.Mask{}); return err }})
			default:
				calls = append(calls, alloctest.Call{Name: "FeedForward" + name, Run: func() error { _, err := enc.Layers[0].FF.Forward(y, x); return err }})
			}
		}
	}
	for _, th := range []int{1, 2} {
		kernel.SetThreads(th)
		allocated, err := alloctest.Alternating(calls, 4)
		require.NoError(t, err)
		require.Empty(t, allocated, "threads=%d: calls that allocated\n%s", th, strings.Join(allocated, "\n"))
	}
}
