package rnn

import (
	"sync"
	"sync/atomic"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds a Net's weights packed once for the matrix products
// of its batched paths, and the rule for changing weights.

// netPacks is every float32 weight matrix of a Net that a batched path
// multiplies by (X·W_ihᵀ, H·W_hhᵀ, M·W_hrᵀ, H·W_yᵀ), packed as
// kernel.PackedB for the level active when it was built: per cell (index
// l·Dirs+d) ih, hh and hr (hr only with Config.Proj), and the head's wy
// (only with a head).
type netPacks struct {
	level kernel.Level
	cells []cellPacks
	wy    kernel.PackedB
}

type cellPacks struct{ ih, hh, hr kernel.PackedB }

// packCache holds a Net's netPacks, built on first use and shared by
// every goroutine that runs the Net. cur is the published packs (nil
// before the first build and after WeightsChanged); mem is their memory,
// which every rebuild reuses, so that repacking after a weight change
// allocates nothing.
type packCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[netPacks]
	mem netPacks
}

// WeightsChanged tells n that its weights were changed in place after it
// was first run. A float32 Net packs its weight matrices into the layout
// of the matrix-product kernels (kernel.PackedB) the first time a batched
// path needs them (Forward, Last, ForwardBatch, ForwardInto, Trace, State.Step,
// BatchState.Step and the language model's calls above them), and every
// later call, on any goroutine, reuses that copy. Code that writes
// weights after that, through Params, the exported matrices or an
// optimiser stepping OptimParams, must call WeightsChanged before the
// next call that runs the Net; until then such calls may compute with
// the old weights. Train and LM.Train call it after every update;
// weights set before the first run (New, Load, a loader filling Params)
// need nothing. Like a change of weights, it must not run while another
// goroutine runs the Net. The next run repacks, into the same memory.
// The batch-1 products (State.Step, and Forward's recurrent steps at
// batch 1) read the same packed copy where that pays
// (kernel.GemvPackedPays: at AVX2 and AVX512, for matrices up to twice
// the L2 cache), and the matrices as they are elsewhere. The packed copy takes about as much memory as the weight
// matrices. A quantized Net has nothing to repack.
func (n *Net) WeightsChanged() {
	if n.packs != nil {
		n.packs.cur.Store(nil)
	}
}

// packed returns n's packed weights for the active level, building them
// on first use (or after WeightsChanged, or a change of level), or nil
// for a Net that keeps none (quantized, or not made by New or Load):
// such a Net multiplies by its matrices as they are.
func (n *Net) packed() *netPacks {
	pc := n.packs
	if pc == nil || n.quantized {
		return nil
	}
	if p := pc.cur.Load(); p != nil && p.level == kernel.Active() {
		return p
	}
	return pc.build(n)
}

func (pc *packCache) build(n *Net) *netPacks {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p := pc.cur.Load(); p != nil && p.level == kernel.Active() {
		return p // another goroutine built them meanwhile
	}
	p := &pc.mem
	p.level = kernel.Active()
	if len(p.cells) != len(n.Cells) {
		p.cells = make([]cellPacks, len(n.Cells))
	}
	for i := range n.Cells {
		c, cp := &n.Cells[i], &p.cells[i]
		cp.ih.Pack(kernel.Trans, c.Wih)
		cp.hh.Pack(kernel.Trans, c.Whh)
		if n.cfg.Proj > 0 {
			cp.hr.Pack(kernel.Trans, c.Whr)
		}
	}
	if n.cfg.Output > 0 {
		p.wy.Pack(kernel.Trans, n.Wy)
	}
	pc.cur.Store(p)
	return p
}

// cellWeights are one cell's weights as the engine multiplies by them,
// with their packed forms where the Net keeps them.
type cellWeights struct{ ih, hh, hr weight }

// weights returns cell i's weights, packed from p (nil: unpacked).
func (n *Net) weights(p *netPacks, i int) cellWeights {
	c := &n.Cells[i]
	w := cellWeights{c.ih(), c.hh(), c.hr()}
	if p != nil {
		cp := &p.cells[i]
		w.ih.p, w.hh.p = &cp.ih, &cp.hh
		if n.cfg.Proj > 0 {
			w.hr.p = &cp.hr
		}
	}
	return w
}

// headWeight returns the head's weight, packed from p (nil: unpacked).
func (n *Net) headWeight(p *netPacks) weight {
	w := n.wy()
	if p != nil && n.cfg.Output > 0 {
		w.p = &p.wy
	}
	return w
}
