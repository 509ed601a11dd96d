package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
)

// TestForwardAllocs: with a caller's dst, steady-state Forward of every
// layer and stack allocates nothing beyond what its attn.MultiHead calls
// allocate (Forward and Cross build closures that escape: attn's, not
// nn's), masks included; without a dst, one allocation more, the result.
func TestForwardAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under the race detector: allocation counts mean nothing")
	}
	r := rand.New(rand.NewPCG(9, 10))
	c := nn.Config{DModel: 16, Heads: 4, FF: 24, Activation: nn.GELU, Layers: 2, FinalNorm: true}
	enc, err := nn.NewEncoder(c)
	require.NoError(t, err)
	enc.Init(r)
	dec, err := nn.NewDecoder(c)
	require.NoError(t, err)
	dec.Init(r)
	const T, S = 12, 7
	x, mem := randMatrix(r, T, 16), randMatrix(r, S, 16)
	y, h := kernel.NewMatrix(T, 16), randMatrix(r, T, 24)
	keep := make([]bool, T)
	for i := range keep {
		keep[i] = i != 3
	}
	m := nn.Mask{Causal: true, KeepKeys: keep}
	sa := enc.Layers[0].SelfAttn
	attnAllocs := testing.AllocsPerRun(20, func() { _ = sa.Forward(y, x, attn.Options{Causal: true}) })
	crossAllocs := testing.AllocsPerRun(20, func() { _ = sa.Cross(y, x, mem, mem, attn.Options{}) })
	t.Logf("attn.MultiHead.Forward allocates %v times, Cross %v", attnAllocs, crossAllocs)
	calls := map[string]float64{"EncoderLayer": attnAllocs, "Encoder": 2 * attnAllocs,
		"DecoderLayer": attnAllocs + crossAllocs, "Decoder": 2 * (attnAllocs + crossAllocs)}
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
	}
	for name, run := range runs {
		require.NoError(t, run(y), name)
		require.Equal(t, calls[name], testing.AllocsPerRun(20, func() { _ = run(y) }), name)
		require.Equal(t, calls[name]+1, testing.AllocsPerRun(20, func() { _ = run(kernel.Matrix{}) }), name+" allocating its result")
	}
}
