package rnn

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// variantCells lists the cell variants (Config.ResetBefore, Peepholes,
// InputForget, Clip), which the gradient and inference tests run through
// allCellVariants; they cannot be quantized or saved, so the tests of
// those keep to cellVariants. A clip of 0.3 is below many of the tests'
// pre-activations, so that it bites.
func variantCells() []cellVariant {
	return []cellVariant{
		{"gru-reset-before", func(c Config) Config { c.Cell, c.ResetBefore = GRU, true; return c }},
		{"gru-reset-before-clip", func(c Config) Config { c.Cell, c.ResetBefore, c.Clip = GRU, true, 0.3; return c }},
		{"gru-clip", func(c Config) Config { c.Cell, c.Clip = GRU, 0.3; return c }},
		{"lstm-peepholes", func(c Config) Config { c.Cell, c.Peepholes = LSTM, true; return c }},
		{"lstm-input-forget", func(c Config) Config { c.Cell, c.InputForget = LSTM, true; return c }},
		{"lstm-peepholes-forget-clip", func(c Config) Config {
			c.Cell, c.Peepholes, c.InputForget, c.Clip = LSTM, true, true, 0.3
			return c
		}},
		{"tanh-clip", func(c Config) Config { c.Activation, c.Clip = Tanh, 0.3; return c }},
		{"relu-clip", func(c Config) Config { c.Activation, c.Clip = ReLU, 0.3; return c }},
	}
}

// allCellVariants is every cell: torch's (cellVariants) and the
// variants.
func allCellVariants() []cellVariant { return append(cellVariants(), variantCells()...) }

// variantStep is the float64 reference of a variant cell's step, written
// from Config's equations: the new h and c (LSTM; nil otherwise).
func (r *refNet) variantStep(w refCell, x, h, c []float64) ([]float64, []float64) {
	cfg := r.cfg
	H := cfg.Hidden
	clip := func(z float64) float64 {
		if cfg.Clip == 0 {
			return z
		}
		return math.Max(-float64(cfg.Clip), math.Min(float64(cfg.Clip), z))
	}
	xi := matVec(w.wih, x, w.bih)
	hn := make([]float64, H)
	switch cfg.Cell {
	case LSTM:
		hh := matVec(w.whh, h, w.bhh)
		cn := make([]float64, H)
		p := w.p
		if p == nil {
			p = make([]float64, 3*H)
		}
		for u := range H {
			z := func(g int) float64 { return xi[g*H+u] + hh[g*H+u] }
			i := sigm(clip(z(0) + p[u]*c[u]))
			f := sigm(clip(z(1) + p[H+u]*c[u]))
			if cfg.InputForget {
				f = 1 - i
			}
			g := math.Tanh(clip(z(2)))
			cn[u] = f*c[u] + i*g
			o := sigm(clip(z(3) + p[2*H+u]*cn[u]))
			hn[u] = o * math.Tanh(cn[u])
		}
		return hn, cn
	case GRU:
		hh := matVec(w.whh, h, w.bhh) // n's block is used without ResetBefore only
		rg, zg := make([]float64, H), make([]float64, H)
		for u := range H {
			rg[u] = sigm(clip(xi[u] + hh[u]))
			zg[u] = sigm(clip(xi[H+u] + hh[H+u]))
		}
		nh := make([]float64, H) // the hidden side of n
		if cfg.ResetBefore {
			rh := make([]float64, H)
			for u := range H {
				rh[u] = rg[u] * h[u]
			}
			nh = matVec(w.whh[2*H*H:], rh, w.bhh[2*H:])
		} else {
			for u := range H {
				nh[u] = rg[u] * hh[2*H+u]
			}
		}
		for u := range H {
			n := math.Tanh(clip(xi[2*H+u] + nh[u]))
			hn[u] = (1-zg[u])*n + zg[u]*h[u]
		}
		return hn, nil
	}
	hh := matVec(w.whh, h, w.bhh)
	for u := range H {
		hn[u] = refAct(cfg.Activation, clip(xi[u]+hh[u]))
	}
	return hn, nil
}

// TestVariantConfig checks which cells take which variant, and the
// clip's range.
func TestVariantConfig(t *testing.T) {
	base := Config{Input: 2, Hidden: 3}
	for _, bad := range []Config{
		{Cell: LSTM, ResetBefore: true},
		{Cell: Elman, ResetBefore: true},
		{Cell: GRU, Peepholes: true},
		{Cell: Elman, InputForget: true},
		{Cell: GRU, Clip: -1},
		{Cell: GRU, Clip: float32(math.NaN())},
		{Cell: GRU, Clip: float32(math.Inf(1))},
		{Cell: LSTM, Peepholes: true, Proj: 2},
	} {
		bad.Input, bad.Hidden = base.Input, base.Hidden
		_, err := New(bad, 1)
		require.ErrorIs(t, err, ErrConfig, "%+v", bad)
	}
	n, err := New(Config{Cell: LSTM, Input: 2, Hidden: 3, Layers: 2, Peepholes: true}, 1)
	require.NoError(t, err)
	require.Len(t, n.Cells[1].P, 9)
	require.NotZero(t, n.Cells[1].P[0], "New draws the peepholes as the other weights")
	n.Cells[1].P = n.Cells[1].P[:8]
	_, err = n.Forward(kernel.NewMatrix(2, 2))
	require.ErrorIs(t, err, ErrShape)
}

// TestVariantRefusals: a variant has no int8 form and no file format;
// each says so with ErrVariant instead of doing it wrong. It trains.
func TestVariantRefusals(t *testing.T) {
	for _, v := range variantCells() {
		n, err := New(v.set(Config{Input: 3, Hidden: 4, Output: 2}), 1)
		require.NoError(t, err)
		xs := kernel.NewMatrix(5, 3)
		_, err = n.Train([]Sample{{X: xs, Y: kernel.NewMatrix(5, 2)}}, TrainConfig{Steps: 2})
		require.NoError(t, err, v.name)
		_, err = n.Quantize()
		require.ErrorIs(t, err, ErrVariant, v.name)
		path := filepath.Join(t.TempDir(), "v.safetensors")
		require.ErrorIs(t, n.Save(path, nil), ErrVariant, v.name)
		require.NoFileExists(t, path)
		var buf bytes.Buffer
		require.ErrorIs(t, n.Encode(&buf, nil), ErrVariant, v.name)
		require.Zero(t, buf.Len())
		require.True(t, errors.Is(n.refuseVariant("x"), ErrVariant))
	}
}

// TestVariantsDiffer guards the reference against testing nothing: each
// variant changes the outputs of its plain cell.
func TestVariantsDiffer(t *testing.T) {
	xs := kernel.NewMatrix(6, 3)
	for i := range xs.Data {
		xs.Data[i] = float32(math.Sin(float64(i)))
	}
	for _, v := range variantCells() {
		cfg := v.set(Config{Input: 3, Hidden: 4})
		n, err := New(cfg, 3)
		require.NoError(t, err)
		plain := *n
		plain.Cells = slices.Clone(n.Cells)
		plain.cfg.ResetBefore, plain.cfg.Peepholes, plain.cfg.InputForget, plain.cfg.Clip = false, false, false, 0
		for i := range plain.Cells {
			plain.Cells[i].P = nil
		}
		a, err := n.Forward(xs)
		require.NoError(t, err)
		b, err := plain.Forward(xs)
		require.NoError(t, err)
		require.NotEqual(t, a.Data, b.Data, v.name)
	}
}
