package onnx

import (
	"fmt"
	"math"
	"strings"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

// RNN, LSTM and GRU, run by package rnn: the node becomes an rnn.Net of one
// layer (two directions when bidirectional) built while planning, and Run
// calls Net.ForwardInto, which allocates nothing.
//
// ONNX stacks the gate blocks of W, R and B in another order than torch
// (and rnn): LSTM i,o,f,c (rnn i,f,g,o) and GRU z,r,h (rnn r,z,n), with
// B = [Wb, Rb] becoming Bih and Bhh. Weights known while planning
// (initializers) are copied into the Net once; weights that are graph
// inputs are copied (reordered) at every Run.
//
// ONNX's options map onto rnn's cell variants: GRU linear_before_reset=0
// is Config.ResetBefore (torch's GRU, rnn's default, is
// linear_before_reset=1), LSTM peepholes (input P, [p_i, p_o, p_f]) are
// Config.Peepholes (Cell.P, [p_i, p_f, p_o]), input_forget is
// Config.InputForget and clip is Config.Clip. sequence_lens shorter than
// the sequence run each such sequence alone through a shorter view of a
// one-sequence workspace (rnn.Workspace.Shorter): Y is zero past a
// sequence's length, Y_h and Y_c hold the state after its last valid
// step, and the reverse direction starts at its own end. Activations
// other than the defaults are refused with ErrUnsupported naming the
// attribute, except an RNN's Tanh, Relu or Sigmoid, the same in both
// directions.

func init() {
	register("RNN", 1, func(c *nodeCtx) (func() error, error) { return buildRecurrent(c, rnn.Elman) })
	register("LSTM", 1, func(c *nodeCtx) (func() error, error) { return buildRecurrent(c, rnn.LSTM) })
	register("GRU", 1, func(c *nodeCtx) (func() error, error) { return buildRecurrent(c, rnn.GRU) })
}

// recurrentGates gives, for each of rnn's gate blocks in its order, the
// index of the ONNX block it comes from.
var recurrentGates = map[rnn.CellType][]int{
	rnn.Elman: {0},
	rnn.LSTM:  {0, 2, 3, 1}, // i←i, f←f, g←c, o←o from ONNX's i,o,f,c
	rnn.GRU:   {1, 0, 2},    // r←r, z←z, n←h from ONNX's z,r,h
}

// recurrentDefaults are each direction's default activations.
var recurrentDefaults = map[rnn.CellType][]string{
	rnn.Elman: {"tanh"},
	rnn.LSTM:  {"sigmoid", "tanh", "tanh"},
	rnn.GRU:   {"sigmoid", "tanh"},
}

// recurrentNode is one planned RNN, LSTM or GRU node.
type recurrentNode struct {
	net               *rnn.Net
	ws                *rnn.Workspace
	gates             []int
	x, w, r, b        *Tensor // b nil when absent
	h0, c0            *Tensor // nil when absent
	p                 *Tensor // LSTM peepholes, nil when absent
	lens              *Tensor // sequence_lens, nil when absent or all full while planning
	y, yh, yc         *Tensor
	T, B, I, H, D     int
	layout1, reverse  bool
	xs, ys            kernel.Matrix // ForwardInto's input and output
	permute           bool          // xs and ys are buffers that X and Y are copied through
	init, final       *rnn.States
	constant, hasInit bool
	// The run of sequences of their own lengths (lens): one at a time,
	// through the shorter views (short[L], made on first use) of ws1, a
	// workspace for one sequence of T steps, with its input, output and
	// states.
	ws1           *rnn.Workspace
	short         []*rnn.Workspace
	x1, y1        kernel.Matrix
	init1, final1 *rnn.States
}

func buildRecurrent(c *nodeCtx, cell rnn.CellType) (func() error, error) {
	ins, err := c.needAll(3, Float)
	if err != nil {
		return nil, err
	}
	G := len(recurrentGates[cell])
	nd := &recurrentNode{x: ins[0], w: ins[1], r: ins[2], gates: recurrentGates[cell]}
	act, v, err := recurrentAttrs(c, cell)
	if err != nil {
		return nil, err
	}
	nd.layout1 = c.attrInt("layout", 0) == 1
	switch dir := c.attrString("direction", "forward"); dir {
	case "forward":
		nd.D = 1
	case "reverse":
		nd.D, nd.reverse = 1, true
	case "bidirectional":
		nd.D = 2
	default:
		return nil, c.unsupported("direction %q", dir)
	}
	if l := c.attrInt("layout", 0); l != 0 && l != 1 {
		return nil, c.unsupported("layout %d", l)
	}
	if err := nd.shapes(c, G); err != nil {
		return nil, err
	}
	if err := nd.optionalInputs(c, cell, G); err != nil {
		return nil, err
	}
	cfg := rnn.Config{Cell: cell, Input: nd.I, Hidden: nd.H, Bidirectional: nd.D == 2, Activation: act, Bias: rnn.BiasNone,
		Clip: v.clip, ResetBefore: v.resetBefore, InputForget: v.inputForget, Peepholes: nd.p != nil}
	if nd.b != nil {
		cfg.Bias = rnn.BiasPair
	}
	runs := nd.B // sequences in the workspaces: B, and 1 more with sequence_lens
	if nd.lens != nil {
		runs++
	}
	if _, err := c.p.charge([]int{nd.D*G*nd.H*(nd.I+nd.H+2) + 4*runs*nd.T*(G*nd.H+nd.I+nd.D*nd.H)}); err != nil {
		return nil, err
	}
	if nd.net, err = rnn.New(cfg, 0); err != nil {
		return nil, c.unsupported("%v", err)
	}
	if nd.ws, err = nd.net.NewWorkspace(nd.B, nd.T); err != nil {
		return nil, c.shapeErr("%v", err)
	}
	if err := nd.outputs(c, cell); err != nil {
		return nil, err
	}
	nd.constant = c.known(1) && c.known(2) && (nd.b == nil || c.known(3)) && (nd.p == nil || c.known(7))
	if nd.lens != nil {
		if nd.ws1, err = nd.net.NewWorkspace(1, nd.T); err != nil {
			return nil, c.shapeErr("%v", err)
		}
		nd.short = make([]*rnn.Workspace, nd.T+1)
		nd.x1, nd.y1 = kernel.NewMatrix(nd.T, nd.I), kernel.NewMatrix(nd.T, nd.D*nd.H)
		nd.init1, nd.final1 = nd.net.NewBatchStates(1), nd.net.NewBatchStates(1)
	}
	if nd.constant {
		nd.loadWeights()
	}
	return nd.run, nil
}

// recurrentVariant is what a node's attributes select among rnn's cell
// variants (see rnn.Config).
type recurrentVariant struct {
	clip                     float32
	resetBefore, inputForget bool
}

// recurrentAttrs reads clip, input_forget and linear_before_reset into
// rnn's cell variants, checks the activations rnn's cells cannot honour,
// and returns an RNN's activation.
func recurrentAttrs(c *nodeCtx, cell rnn.CellType) (rnn.Activation, recurrentVariant, error) {
	var v recurrentVariant
	if c.node.Attr("clip") != nil {
		v.clip = c.attrFloat("clip", 0)
		if !(v.clip > 0) || v.clip > math.MaxFloat32 {
			return 0, v, c.unsupported("attribute clip=%v (want a finite clip > 0)", v.clip)
		}
	}
	if cell == rnn.LSTM {
		switch f := c.attrInt("input_forget", 0); f {
		case 0:
		case 1:
			v.inputForget = true
		default:
			return 0, v, c.unsupported("attribute input_forget=%d (want 0 or 1)", f)
		}
	}
	if cell == rnn.GRU {
		switch l := c.attrInt("linear_before_reset", 0); l {
		case 0:
			v.resetBefore = true
		case 1:
		default:
			return 0, v, c.unsupported("attribute linear_before_reset=%d (want 0 or 1)", l)
		}
	}
	acts, given, err := c.attrStrings("activations")
	if err != nil {
		return 0, v, err
	}
	def := recurrentDefaults[cell]
	act := rnn.Default
	if !given {
		return act, v, nil
	}
	if len(acts)%len(def) != 0 || len(acts) == 0 {
		return 0, v, c.unsupported("attribute activations %v (want %d per direction)", acts, len(def))
	}
	for i, a := range acts {
		a = strings.ToLower(a)
		if cell == rnn.Elman {
			elman := map[string]rnn.Activation{"tanh": rnn.Tanh, "relu": rnn.ReLU, "sigmoid": rnn.Sigmoid}[a]
			if elman == rnn.Default || (act != rnn.Default && elman != act) {
				return 0, v, c.unsupported("attribute activations %v (an RNN takes Tanh, Relu or Sigmoid, the same in both directions)", acts)
			}
			act = elman
			continue
		}
		if a != def[i%len(def)] {
			return 0, v, c.unsupported("attribute activations %v (only the defaults %v)", acts, def)
		}
	}
	return act, v, nil
}

// shapes reads T, B, I and H from X, W and R.
func (nd *recurrentNode) shapes(c *nodeCtx, G int) error {
	x, w, r := nd.x, nd.w, nd.r
	if len(x.Dims) != 3 || len(w.Dims) != 3 || len(r.Dims) != 3 {
		return c.shapeErr("X %v, W %v and R %v must have rank 3", x.Dims, w.Dims, r.Dims)
	}
	nd.T, nd.B, nd.I = x.Dims[0], x.Dims[1], x.Dims[2]
	if nd.layout1 {
		nd.T, nd.B = nd.B, nd.T
	}
	h := c.attrInt("hidden_size", int64(w.Dims[1]/G))
	if h > 1<<30 {
		return c.shapeErr("hidden_size %d, but W is %v", h, w.Dims)
	}
	nd.H = int(h)
	if nd.B < 1 || nd.I < 1 || nd.H < 1 {
		return c.unsupported("batch %d, input size %d, hidden size %d (all must be positive)", nd.B, nd.I, nd.H)
	}
	D, GH := nd.D, G*nd.H
	if w.Dims[0] != D || w.Dims[1] != GH || w.Dims[2] != nd.I || r.Dims[0] != D || r.Dims[1] != GH || r.Dims[2] != nd.H {
		return c.shapeErr("W %v and R %v, want [%d %d %d] and [%d %d %d] (X %v, hidden_size %d)",
			w.Dims, r.Dims, D, GH, nd.I, D, GH, nd.H, x.Dims, nd.H)
	}
	return nil
}

// optionalInputs reads B, sequence_lens, initial_h, initial_c and P.
func (nd *recurrentNode) optionalInputs(c *nodeCtx, cell rnn.CellType, G int) error {
	D, B, H := nd.D, nd.B, nd.H
	if b := c.input(3); b != nil {
		if err := c.needType(b, Float); err != nil {
			return err
		}
		if !equalDims(b.Dims, []int{D, 2 * G * H}) {
			return c.shapeErr("B is %v, want [%d %d]", b.Dims, D, 2*G*H)
		}
		nd.b = b
	}
	if s := c.input(4); s != nil {
		if !equalDims(s.Dims, []int{B}) || s.DType.storage() != storeInt {
			return c.shapeErr("sequence_lens is %v %v, want [%d] integers", s.DType, s.Dims, B)
		}
		nd.lens = s
		if c.known(4) {
			full, err := nd.checkSeqLens()
			if err != nil {
				return c.shapeErr("%v", err)
			}
			if full {
				nd.lens = nil // the batched run, as without sequence_lens
			}
		}
	}
	stateDims := []int{D, B, H}
	if nd.layout1 {
		stateDims = []int{B, D, H}
	}
	for i, p := range []**Tensor{&nd.h0, &nd.c0} {
		t := c.input(5 + i)
		if t == nil || (i == 1 && cell != rnn.LSTM) {
			continue
		}
		if err := c.needType(t, Float); err != nil {
			return err
		}
		if !equalDims(t.Dims, stateDims) {
			return c.shapeErr("input %d is %v, want %v", 5+i, t.Dims, stateDims)
		}
		*p = t
	}
	if p := c.input(7); p != nil && cell == rnn.LSTM {
		if err := c.needType(p, Float); err != nil {
			return err
		}
		if !equalDims(p.Dims, []int{D, 3 * H}) {
			return c.shapeErr("P is %v, want [%d %d]", p.Dims, D, 3*H)
		}
		nd.p = p
	}
	return nil
}

// checkSeqLens checks sequence_lens (0 ≤ each ≤ T) and reports whether
// every sequence has the full length T.
func (nd *recurrentNode) checkSeqLens() (full bool, err error) {
	full = true
	for i, l := range nd.lens.Int {
		if l < 0 || l > int64(nd.T) {
			return false, fmt.Errorf("sequence_lens[%d]=%d, want 0 ≤ length ≤ %d (the sequence's steps)", i, l, nd.T)
		}
		full = full && l == int64(nd.T)
	}
	return full, nil
}

// outputs declares Y, Y_h (and Y_c) and plans the copies between ONNX's
// layouts and ForwardInto's: none for one sequence, or layout 1, running
// forwards or both ways.
func (nd *recurrentNode) outputs(c *nodeCtx, cell rnn.CellType) error {
	T, B, D, H := nd.T, nd.B, nd.D, nd.H
	yDims, sDims := []int{T, D, B, H}, []int{D, B, H}
	if nd.layout1 {
		yDims, sDims = []int{B, T, D, H}, []int{B, D, H}
	}
	var err error
	if nd.y, err = c.output(0, Float, yDims); err != nil {
		return err
	}
	if nd.yh, err = c.output(1, Float, sDims); err != nil {
		return err
	}
	if cell == rnn.LSTM {
		if nd.yc, err = c.output(2, Float, sDims); err != nil {
			return err
		}
	}
	nd.permute = (B > 1 && !nd.layout1) || nd.reverse
	if nd.permute {
		nd.xs = kernel.NewMatrix(B*T, nd.I)
		nd.ys = kernel.NewMatrix(B*T, D*H)
	} else {
		nd.xs = kernel.MatrixFrom(B*T, nd.I, nd.x.Float)
		nd.ys = kernel.MatrixFrom(B*T, D*H, nd.y.Float)
	}
	nd.hasInit = nd.h0 != nil || nd.c0 != nil
	nd.init, nd.final = nd.net.NewBatchStates(B), nd.net.NewBatchStates(B)
	return nil
}

// loadWeights copies W, R and B into the Net, reordering the gate blocks.
func (nd *recurrentNode) loadWeights() {
	GH := len(nd.gates) * nd.H
	for d := 0; d < nd.D; d++ {
		cell := &nd.net.Cells[d]
		for k, src := range nd.gates {
			// block src of direction d, at base in from, to block k of dst
			rows := func(dst, from []float32, base, cols int) {
				off := base + src*nd.H*cols
				copy(dst[k*nd.H*cols:(k+1)*nd.H*cols], from[off:off+nd.H*cols])
			}
			rows(cell.Wih.Data, nd.w.Float, d*GH*nd.I, nd.I)
			rows(cell.Whh.Data, nd.r.Float, d*GH*nd.H, nd.H)
			if nd.b != nil {
				rows(cell.Bih, nd.b.Float, d*2*GH, 1)
				rows(cell.Bhh, nd.b.Float, d*2*GH+GH, 1)
			}
		}
		if nd.p != nil { // ONNX's [p_i, p_o, p_f] to rnn's [p_i, p_f, p_o]
			H, src := nd.H, nd.p.Float[d*3*nd.H:]
			copy(cell.P[:H], src[:H])
			copy(cell.P[H:2*H], src[2*H:3*H])
			copy(cell.P[2*H:], src[H:2*H])
		}
	}
}

// stateRow returns the offset of direction d, sequence b in an ONNX state
// tensor (initial_h, Y_h, …).
func (nd *recurrentNode) stateRow(d, b int) int {
	if nd.layout1 {
		return (b*nd.D + d) * nd.H
	}
	return (d*nd.B + b) * nd.H
}

// xRow returns the offset of step t of sequence b in X.
func (nd *recurrentNode) xRow(b, t int) int {
	if nd.layout1 {
		return (b*nd.T + t) * nd.I
	}
	return (t*nd.B + b) * nd.I
}

// yRow returns the offset of step t of sequence b, direction d in Y.
func (nd *recurrentNode) yRow(b, t, d int) int {
	if nd.layout1 {
		return ((b*nd.T+t)*nd.D + d) * nd.H
	}
	return ((t*nd.D+d)*nd.B + b) * nd.H
}

func (nd *recurrentNode) run() error {
	if !nd.constant {
		nd.loadWeights()
		nd.net.WeightsChanged() // repacked by ForwardInto, into the same memory
	}
	if nd.lens != nil {
		full, err := nd.checkSeqLens()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInput, err)
		}
		if !full {
			return nd.runLengths()
		}
	}
	T, B, D, H := nd.T, nd.B, nd.D, nd.H
	if nd.permute {
		for b := 0; b < B; b++ {
			for t := 0; t < T; t++ {
				copy(nd.xs.Row(b*T+nd.step(t)), nd.x.Float[nd.xRow(b, t):][:nd.I])
			}
		}
	}
	init := nd.init
	if nd.hasInit {
		for d := 0; d < D; d++ {
			for b := 0; b < B; b++ {
				o, row := nd.stateRow(d, b), d*B+b
				fillState(init.H.Row(row), nd.h0, o)
				if init.C.Rows > 0 {
					fillState(init.C.Row(row), nd.c0, o)
				}
			}
		}
	} else {
		init = nil
	}
	if err := nd.net.ForwardInto(nd.ws, nd.ys, nd.xs, init, nd.final); err != nil {
		return err
	}
	if nd.permute {
		for b := 0; b < B; b++ {
			for t := 0; t < T; t++ {
				row := nd.ys.Row(b*T + nd.step(t))
				for d := 0; d < D; d++ {
					copy(nd.y.Float[nd.yRow(b, t, d):][:H], row[d*H:(d+1)*H])
				}
			}
		}
	}
	for d := 0; d < D; d++ {
		for b := 0; b < B; b++ {
			o, row := nd.stateRow(d, b), d*B+b
			copy(nd.yh.Float[o:o+H], nd.final.H.Row(row))
			if nd.yc != nil {
				copy(nd.yc.Float[o:o+H], nd.final.C.Row(row))
			}
		}
	}
	return nil
}

// step maps ONNX's step t to ForwardInto's row: reversed for a node that
// runs backwards only (rnn's forward cell over the time-reversed input).
func (nd *recurrentNode) step(t int) int {
	if nd.reverse {
		return nd.T - 1 - t
	}
	return t
}

// fillState copies a state row from an ONNX initial state, or zeros.
func fillState(dst []float32, src *Tensor, off int) {
	if src == nil {
		clear(dst)
		return
	}
	copy(dst, src.Float[off:off+len(dst)])
}

// runLengths runs the sequences one at a time, each over its own length
// L (sequence_lens): rnn's cells see its L steps only, so the reverse
// direction starts at step L−1, Y_h and Y_c are the state after the last
// valid step, and Y is zero past L, as ONNX defines.
func (nd *recurrentNode) runLengths() error {
	T, D, H, I := nd.T, nd.D, nd.H, nd.I
	for b := 0; b < nd.B; b++ {
		L := int(nd.lens.Int[b])
		ws := nd.short[L]
		if ws == nil {
			var err error
			if ws, err = nd.ws1.Shorter(L); err != nil {
				return err
			}
			nd.short[L] = ws
		}
		// ONNX's step t of the sequence is row at(t) of rnn's input.
		at := func(t int) int {
			if nd.reverse {
				return L - 1 - t
			}
			return t
		}
		xs, ys := nd.x1.Slice(0, L, 0, I), nd.y1.Slice(0, L, 0, D*H)
		for t := 0; t < L; t++ {
			copy(xs.Row(at(t)), nd.x.Float[nd.xRow(b, t):][:I])
		}
		var init *rnn.States
		if nd.hasInit {
			init = nd.init1
			for d := 0; d < D; d++ {
				o := nd.stateRow(d, b)
				fillState(init.H.Row(d), nd.h0, o)
				if init.C.Rows > 0 {
					fillState(init.C.Row(d), nd.c0, o)
				}
			}
		}
		if err := nd.net.ForwardInto(ws, ys, xs, init, nd.final1); err != nil {
			return err
		}
		for t := 0; t < T; t++ {
			for d := 0; d < D; d++ {
				y := nd.y.Float[nd.yRow(b, t, d):][:H]
				if t < L {
					copy(y, ys.Row(at(t))[d*H:(d+1)*H])
				} else {
					clear(y)
				}
			}
		}
		for d := 0; d < D; d++ {
			o := nd.stateRow(d, b)
			copy(nd.yh.Float[o:o+H], nd.final1.H.Row(d))
			if nd.yc != nil {
				copy(nd.yc.Float[o:o+H], nd.final1.C.Row(d))
			}
		}
	}
	return nil
}
