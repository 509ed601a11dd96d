package onnx

import (
	"fmt"
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
// What rnn's cells do not compute is refused with ErrUnsupported naming
// it: LSTM peepholes (input P), clip, input_forget, activations other than
// the defaults (an RNN may use Tanh, Relu or Sigmoid, the same in both
// directions), GRU with linear_before_reset=0 (rnn's GRU is torch's, which
// ONNX calls linear_before_reset=1), and sequence_lens other than the full
// length of every sequence.

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
	seqLens           *Tensor // checked at run time when not known while planning
	y, yh, yc         *Tensor
	T, B, I, H, D     int
	layout1, reverse  bool
	xs, ys            kernel.Matrix // ForwardInto's input and output
	permute           bool          // xs and ys are buffers that X and Y are copied through
	init, final       *rnn.States
	constant, hasInit bool
}

func buildRecurrent(c *nodeCtx, cell rnn.CellType) (func() error, error) {
	ins, err := c.needAll(3, Float)
	if err != nil {
		return nil, err
	}
	G := len(recurrentGates[cell])
	nd := &recurrentNode{x: ins[0], w: ins[1], r: ins[2], gates: recurrentGates[cell]}
	act, err := recurrentAttrs(c, cell)
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
	cfg := rnn.Config{Cell: cell, Input: nd.I, Hidden: nd.H, Bidirectional: nd.D == 2, Activation: act, Bias: rnn.BiasNone}
	if nd.b != nil {
		cfg.Bias = rnn.BiasPair
	}
	if _, err := c.p.charge([]int{nd.D*G*nd.H*(nd.I+nd.H+2) + 4*nd.B*nd.T*(G*nd.H+nd.I+nd.D*nd.H)}); err != nil {
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
	nd.constant = c.known(1) && c.known(2) && (nd.b == nil || c.known(3))
	if nd.constant {
		nd.loadWeights()
	}
	return nd.run, nil
}

// recurrentAttrs checks the attributes rnn's cells cannot honour and
// returns an RNN's activation.
func recurrentAttrs(c *nodeCtx, cell rnn.CellType) (rnn.Activation, error) {
	if c.node.Attr("clip") != nil {
		return 0, c.unsupported("attribute clip (cell clipping)")
	}
	if cell == rnn.LSTM && c.attrInt("input_forget", 0) != 0 {
		return 0, c.unsupported("attribute input_forget=%d (coupled input and forget gates)", c.attrInt("input_forget", 0))
	}
	if cell == rnn.GRU && c.attrInt("linear_before_reset", 0) == 0 {
		return 0, c.unsupported("attribute linear_before_reset=0 (rnn's GRU is torch's, linear_before_reset=1, which applies the reset gate after the hidden-side product)")
	}
	acts, given, err := c.attrStrings("activations")
	if err != nil {
		return 0, err
	}
	def := recurrentDefaults[cell]
	act := rnn.Default
	if !given {
		return act, nil
	}
	if len(acts)%len(def) != 0 || len(acts) == 0 {
		return 0, c.unsupported("attribute activations %v (want %d per direction)", acts, len(def))
	}
	for i, a := range acts {
		a = strings.ToLower(a)
		if cell == rnn.Elman {
			elman := map[string]rnn.Activation{"tanh": rnn.Tanh, "relu": rnn.ReLU, "sigmoid": rnn.Sigmoid}[a]
			if elman == rnn.Default || (act != rnn.Default && elman != act) {
				return 0, c.unsupported("attribute activations %v (an RNN takes Tanh, Relu or Sigmoid, the same in both directions)", acts)
			}
			act = elman
			continue
		}
		if a != def[i%len(def)] {
			return 0, c.unsupported("attribute activations %v (only the defaults %v)", acts, def)
		}
	}
	return act, nil
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
		if c.known(4) {
			if err := nd.checkSeqLens(s); err != nil {
				return c.unsupported("%v", err)
			}
		} else {
			nd.seqLens = s
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
	if cell == rnn.LSTM && c.input(7) != nil {
		return c.unsupported("peepholes (input P)")
	}
	return nil
}

// checkSeqLens requires every sequence to have the full length T.
func (nd *recurrentNode) checkSeqLens(s *Tensor) error {
	for i, l := range s.Int {
		if l != int64(nd.T) {
			return fmt.Errorf("sequence_lens[%d]=%d: only sequences of the full length %d are supported", i, l, nd.T)
		}
	}
	return nil
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
	if nd.seqLens != nil {
		if err := nd.checkSeqLens(nd.seqLens); err != nil {
			return fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
	}
	if !nd.constant {
		nd.loadWeights()
		nd.net.WeightsChanged() // repacked by ForwardInto, into the same memory
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
