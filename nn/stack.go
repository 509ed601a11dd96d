package nn

import (
	"math/rand/v2"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds what Encoder and Decoder share: their layers are
// *EncoderLayer or *DecoderLayer.

// stackLayer is what a stack needs of its layers.
type stackLayer interface {
	*EncoderLayer | *DecoderLayer
	DModel() int
	Init(r *rand.Rand)
	check(fn string) error
	need(t int) int
}

// newStack returns c.Layers layers made by mk and the final norm if
// c.FinalNorm.
func newStack[L stackLayer](c Config, fn string, mk func(Config) (L, error)) ([]L, *LayerNorm, error) {
	if err := c.check(fn, true); err != nil {
		return nil, nil, err
	}
	ls := make([]L, c.Layers)
	for i := range ls {
		ls[i], _ = mk(c) // c is checked
	}
	if !c.FinalNorm {
		return ls, nil, nil
	}
	n := c.newNorm()
	return ls, &n, nil
}

// initStack initialises every layer and the final norm (γ = 1, β = 0).
func initStack[L stackLayer](r *rand.Rand, layers []L, norm *LayerNorm) {
	for _, l := range layers {
		l.Init(r)
	}
	if norm != nil {
		resetNorm(norm)
	}
}

// stackDModel is the width of the first layer, 0 without layers.
func stackDModel[L stackLayer](layers []L) int {
	if len(layers) == 0 {
		return 0
	}
	return layers[0].DModel()
}

// checkStack checks every layer, that they have one width, and the final
// norm.
func checkStack[L stackLayer](fn string, layers []L, norm *LayerNorm) error {
	if len(layers) == 0 {
		return shapeErr(fn, "no layers")
	}
	d := stackDModel(layers)
	for i, l := range layers {
		if err := l.check(fn); err != nil {
			return err
		}
		if l.DModel() != d {
			return shapeErr(fn, "layer %d has width %d, layer 0 %d", i, l.DModel(), d)
		}
	}
	if norm == nil {
		return nil
	}
	if norm.Dim != d {
		return shapeErr(fn, "final norm of %d features, layers of %d", norm.Dim, d)
	}
	return norm.check(fn)
}

// stackNeed is the largest workspace a layer's forward needs for t rows.
func stackNeed[L stackLayer](layers []L, t int) int {
	need := 0
	for _, l := range layers {
		need = max(need, l.need(t))
	}
	return need
}

// stack runs n layers from src, alternating between dst and tmp so that
// the last layer writes dst and no layer's output overlaps its input.
func stack(n int, src, dst, tmp kernel.Matrix, layer func(i int, out, in kernel.Matrix) error) error {
	in := src
	for i := range n {
		out := dst
		if (n-1-i)%2 == 1 {
			out = tmp
		}
		if err := layer(i, out, in); err != nil {
			return err
		}
		in = out
	}
	return nil
}

// runStack runs the n = len(layers) layers from x into dst (T×d_model,
// checked) through one pooled workspace, layer(i, out, in, ws) being
// layer i on checked shapes with its intermediates in ws, then the final
// norm if not nil.
func runStack[L stackLayer](layers []L, norm *LayerNorm, dst, x kernel.Matrix, layer func(i int, out, in kernel.Matrix, ws []float32) error) error {
	t, d := x.Rows, stackDModel(layers)
	ws := getWS(t*d + stackNeed(layers, t))
	defer putWS(ws)
	lw := ws.Data[t*d:]
	err := stack(len(layers), x, dst, rowsOf(ws.Data, t, d), func(i int, out, in kernel.Matrix) error {
		return layer(i, out, in, lw)
	})
	if err == nil && norm != nil {
		norm.apply(dst, dst)
	}
	return err
}
