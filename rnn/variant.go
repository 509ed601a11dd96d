package rnn

import (
	"errors"
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// ErrVariant is returned by what a cell variant (Config.ResetBefore,
// Peepholes, InputForget, Clip) does not support: Quantize, Save and
// Encode.
var ErrVariant = errors.New("rnn: not supported for a cell variant")

// variant is a cell with the options of Config that torch's cells lack.
// Its step runs in the engine's places (cellForward, State.Step,
// BatchState.Step) through variantStep instead of the cell's fused
// kernel: the same matrix products, and a pointwise update in plain Go
// and kernel's vector functions (cell_gru_reset_before.go,
// cell_lstm_peephole.go, cell_elman_clip.go); its backward pass is
// variantBackward (variant_backward.go), called by cellBackward.
type variant struct {
	cell        CellType
	act         Activation // an Elman cell's ψ
	clip        float32    // 0: none
	resetBefore bool
	peepholes   bool
	inputForget bool
}

// variant returns the configuration's cell variant, and false for
// torch's cells.
func (c Config) variant() (variant, bool) {
	v := variant{cell: c.Cell, act: c.Activation, clip: c.Clip, resetBefore: c.ResetBefore, peepholes: c.Peepholes, inputForget: c.InputForget}
	return v, c.ResetBefore || c.Peepholes || c.InputForget || c.Clip != 0
}

// checkVariant validates the variant options (see Config).
func (c Config) checkVariant() error {
	_, isVar := c.variant()
	switch {
	case c.ResetBefore && c.Cell != GRU:
		return fmt.Errorf("%w: ResetBefore on a %v cell (GRU only)", ErrConfig, c.Cell)
	case (c.Peepholes || c.InputForget) && c.Cell != LSTM:
		return fmt.Errorf("%w: Peepholes=%v InputForget=%v on a %v cell (LSTM only)", ErrConfig, c.Peepholes, c.InputForget, c.Cell)
	case !(c.Clip >= 0) || math.IsInf(float64(c.Clip), 1):
		return fmt.Errorf("%w: Clip=%v (want a finite Clip ≥ 0; 0 means none)", ErrConfig, c.Clip)
	case isVar && c.Proj > 0:
		return fmt.Errorf("%w: Proj=%d with a cell variant (ResetBefore, Peepholes, InputForget, Clip)", ErrConfig, c.Proj)
	}
	return nil
}

// hgWidth is the width of a split cell's hidden-side buffer hg: its G·Hidden
// pre-activations, and for ResetBefore Hidden more for r⊙h_{t-1}, the
// input of the second hidden-side product.
func (c Config) hgWidth() int {
	if c.ResetBefore {
		return (c.gates() + 1) * c.Hidden
	}
	return c.gates() * c.Hidden
}

// refuseVariant returns ErrVariant naming fn for a network with a cell
// variant, nil otherwise.
func (n *Net) refuseVariant(fn string) error {
	if _, isVar := n.cfg.variant(); isVar {
		c := n.cfg
		return fmt.Errorf("%w: %s: %v cell with ResetBefore=%v Peepholes=%v InputForget=%v Clip=%v",
			ErrVariant, fn, c.Cell, c.ResetBefore, c.Peepholes, c.InputForget, c.Clip)
	}
	return nil
}

// product adds w·x to every row of dst: x·wᵀ, by Gemv for one row.
func product(w weight, dst, x kernel.Matrix, qs *actQ) {
	if dst.Rows == 1 {
		w.gemv(dst.Row(0), x.Row(0), true, qs)
		return
	}
	w.gemm(dst, x, true, qs)
}

// rowsOf returns rows [lo, hi) of a float weight (variants are never
// quantized).
func rowsOf(w weight, lo, hi int) weight {
	return weight{f: w.f.Slice(lo, hi, 0, w.f.Cols)}
}

// vecRow returns x as a 1×len(x) matrix, the empty matrix for nil.
func vecRow(x []float32) kernel.Matrix {
	if x == nil {
		return kernel.Matrix{}
	}
	return kernel.MatrixFrom(1, len(x), x)
}

// stepView is stepRows, or the empty matrix for an empty m (a buffer the
// cell does not use).
func stepView(m kernel.Matrix, t, T, B int) kernel.Matrix {
	if m.Rows == 0 {
		return m
	}
	return stepRows(m, t, T, B)
}

// variantStep runs one step of B rows (sequences or streams) of a
// variant cell, in place of the engine's hidden-side product and its
// cell's forward. g (B×G·Hidden) holds the input side with b_ih (and
// b_hh for a cell that does not split); hg (B×hgWidth, GRU only) is the
// hidden side's scratch; hPrev and cPrev are the previous state (an
// empty matrix: zeros, read from zeros). It writes h into out and c into
// cs, and leaves the activated gates in g. out may be hPrev and cs
// cPrev.
func (n *Net) variantStep(v variant, cell *Cell, out, cs, g, hg, hPrev, cPrev kernel.Matrix, zeros []float32, qs *actQ) {
	H, B := n.cfg.Hidden, g.Rows
	row := func(m kernel.Matrix, b int) []float32 {
		if m.Rows == 0 {
			return zeros[:H]
		}
		return m.Row(b)
	}
	if v.cell != GRU {
		if hPrev.Rows > 0 {
			product(cell.hh(), g, hPrev, qs)
		}
		for b := 0; b < B; b++ {
			if v.cell == LSTM {
				v.lstmStep(out.Row(b), cs.Row(b), g.Row(b), row(cPrev, b), cell.P)
			} else {
				v.elmanStep(out.Row(b), g.Row(b))
			}
		}
		return
	}
	GH := 3 * H
	hs := hg.Slice(0, B, 0, GH)
	fillRows(hs, cell.Bhh, nil)
	if !v.resetBefore {
		if hPrev.Rows > 0 {
			product(cell.hh(), hs, hPrev, qs)
		}
		for b := 0; b < B; b++ {
			v.gruAfterStep(out.Row(b), g.Row(b), hs.Row(b), row(hPrev, b))
		}
		return
	}
	// ResetBefore: the hidden side in two products, r and z's rows on
	// h_{t-1}, then n's rows on r⊙h_{t-1}.
	if hPrev.Rows > 0 {
		product(rowsOf(cell.hh(), 0, 2*H), hs.Slice(0, B, 0, 2*H), hPrev, qs)
	}
	rh := hg.Slice(0, B, GH, GH+H)
	for b := 0; b < B; b++ {
		v.gruGates(g.Row(b), hs.Row(b), row(hPrev, b), rh.Row(b))
	}
	if hPrev.Rows > 0 {
		product(rowsOf(cell.hh(), 2*H, GH), hs.Slice(0, B, 2*H, GH), rh, qs)
	}
	for b := 0; b < B; b++ {
		v.gruNew(out.Row(b), g.Row(b), hs.Row(b), row(hPrev, b))
	}
}

// variantLayer is State.Step's and BatchState.Step's layer l for a
// variant cell: the input side of x into g, then variantStep on the
// stored state (h, c), which it advances in place.
func (n *Net) variantLayer(v variant, l int, x, h, c, g, hg kernel.Matrix, qs *actQ) {
	cell := &n.Cells[l]
	if v.cell == GRU {
		fillRows(g, cell.Bih, nil)
	} else {
		fillRows(g, cell.Bih, cell.Bhh)
	}
	product(cell.ih(), g, x, qs)
	n.variantStep(v, cell, h, c, g, hg, h, c, nil, qs)
}

// clipTo clips x to [−clip, clip] in place when clip is set (NaN stays
// NaN).
func (v variant) clipTo(x []float32) {
	if v.clip == 0 {
		return
	}
	for i, e := range x {
		x[i] = min(max(e, -v.clip), v.clip)
	}
}

// peepholeLen is the length of each Cell's P: 3·Hidden with Peepholes,
// else 0.
func peepholeLen(c Config) int {
	if c.Peepholes {
		return 3 * c.Hidden
	}
	return 0
}

// matAt returns v[l], or the empty matrix when v is not used by the cell
// (BatchState's at).
func matAt(v []kernel.Matrix, l int) kernel.Matrix {
	if v == nil {
		return kernel.Matrix{}
	}
	return v[l]
}
