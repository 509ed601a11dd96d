// Package rnn implements recurrent networks — Elman (torch.nn.RNN), LSTM
// (torch.nn.LSTM, with proj_size) and GRU (torch.nn.GRU) cells — in every
// textbook topology: many-to-one, causal many-to-many (streaming),
// bidirectional, stacked; a language model over tokens; and training by
// backpropagation through time.
//
// The cell is one field, Config.Cell; everything else is shared. An
// Elman network, with ψ the hidden activation, is
//
//	z_t = W_ih·x_t + b_ih + W_hh·h_{t-1} + b_hh,  h_t = ψ(z_t)
//	o_t = W_y·h_t + b_y,                          ŷ_t = σ(o_t) or softmax(o_t)
//
// and LSTM and GRU document their gates. The state starts at zero unless
// an initial state is given (ForwardState, LastState). The weights use
// torch's names and shapes (see Net.Params), so a checkpoint maps onto
// them one to one.
//
// The topologies and the calls that serve them:
//
//   - many-to-one (a sentence's sentiment): Last, TraceLast;
//   - many-to-many, causal (day t from the weather up to day t):
//     Forward, Trace, or NewState + State.Step to stream with zero
//     allocations per step, and NewBatchState to step many independent
//     streams together;
//   - bidirectional (the whole sequence is known): Config.Bidirectional;
//     the two directions' states are concatenated, forward first;
//   - stacked: Config.Layers;
//   - a language model, P(y_t | y_0..y_{t-1}) over a vocabulary: LM,
//     with the Bytes and Chars tokenizers, which LM.Save stores with the
//     model and LoadLM restores;
//   - batches of equal-length sequences: ForwardBatch.
//
// Training: Trace (or TraceLast) records a forward pass; Loss (or
// package loss) gives the gradient with respect to the head's logits;
// Backward, or BackwardTruncated for truncated BPTT(k), adds every
// weight's gradient to a Net made by NewGrad and returns the gradient
// with respect to the inputs; package optim clips by global norm and
// applies SGD with momentum or Adam. Net.Train and LM.Train wrap that
// loop with a progress callback.
//
// Everything is float32 and built on package kernel: the input
// projection of all time steps is one Gemm, each step is one GemvAdd
// (batch 1) or Gemm (batch B) followed by the cell's pointwise update
// (the activation, or the fused kernel.LSTMCell and kernel.GRUCell), and
// the weight gradients of BPTT are summed over time by Gemm. The batched
// products multiply by weights packed once per Net, on its first run
// (code that changes weights in place afterwards calls
// Net.WeightsChanged). A Net is read-only during inference, so any
// number of goroutines may run Forward or their own State on one shared
// Net. ForwardBatch and LM.Train split large work across
// kernel.Threads() goroutines.
//
// Net.Quantize (and LM.Quantize) gives a copy whose weight matrices are
// int8 (kernel.QGemv and QGemm instead of Gemv and Gemm, activations
// quantized at each product), for inference only; Save writes it as I8
// tensors with F32 scales, and Load reads it back (see QuantizedKey).
package rnn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/kernel"
)

// ErrShape is wrapped by every error about mismatched sizes; the message
// names the sizes involved.
var ErrShape = errors.New("rnn: shape mismatch")

// ErrConfig is wrapped by errors about an invalid Config.
var ErrConfig = errors.New("rnn: invalid config")

// ErrNotCausal is returned by State.Step on a bidirectional Net, which
// needs the whole sequence and cannot stream.
var ErrNotCausal = errors.New("rnn: bidirectional network cannot stream")

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...)
}

// Activation names an elementwise function. Hidden layers use Tanh,
// Sigmoid or ReLU; the output head uses Identity, Sigmoid or Softmax.
// The zero value means the default: Tanh for the hidden layers,
// Identity for the output.
type Activation int

const (
	Default  Activation = iota // Tanh for hidden layers, Identity for the head
	Tanh                       // tanh(z)
	Sigmoid                    // 1/(1+e^−z)
	ReLU                       // max(z, 0)
	Identity                   // z (head only)
	Softmax                    // e^z_i/Σ_j e^z_j over the row (head only)
)

// String returns the activation's lower-case name.
func (a Activation) String() string {
	switch a {
	case Default:
		return "default"
	case Tanh:
		return "tanh"
	case Sigmoid:
		return "sigmoid"
	case ReLU:
		return "relu"
	case Identity:
		return "identity"
	case Softmax:
		return "softmax"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Bias selects the bias layout of the recurrent layers.
type Bias int

const (
	// BiasSingle is one bias vector b_h per layer and direction.
	BiasSingle Bias = iota
	// BiasPair is PyTorch's pair b_ih and b_hh (both added), so that
	// torch.nn.RNN weights load without folding.
	BiasPair
	// BiasNone has no recurrent bias (torch.nn.RNN(bias=False)).
	BiasNone
)

// Config describes a network.
type Config struct {
	// Cell is the recurrent cell: Elman (the zero value), LSTM or GRU.
	Cell CellType

	Input  int // width of x_t
	Hidden int // width of h_t per direction (of c_t for an LSTM)
	Layers int // stacked layers; 0 means 1

	// Proj is an LSTM's proj_size: h_t = W_hr·(o⊙tanh(c_t)) is Proj wide
	// (0 < Proj < Hidden), and so are the layers' outputs. 0 means no
	// projection; other cells must leave it 0.
	Proj int

	// Bidirectional adds a second recurrence per layer that runs from the
	// end of the sequence; the two states are concatenated (forward
	// first), so a layer's output is 2·Hidden wide.
	Bidirectional bool

	// Activation is an Elman cell's ψ: Tanh (default), Sigmoid or ReLU.
	// LSTM and GRU have their own; leave it Default.
	Activation Activation

	// Output is the width of the head W_y·h + b_y. 0 means no head:
	// Forward returns the top layer's states, T×Width (Width is
	// Hidden, or Proj, times 2 when bidirectional), as torch does.
	Output int
	// OutputActivation is applied after the head: Identity (default),
	// Sigmoid or Softmax.
	OutputActivation Activation

	Bias Bias // recurrent bias layout

	// The cell variants below are the options of ONNX's RNN, LSTM and
	// GRU operators that torch's cells lack. Their zero values are
	// torch's cells. A network with any of them runs every inference
	// call (Forward, ForwardState, Last, LastState, ForwardBatch,
	// ForwardInto, State, BatchState) and trains (Trace, Backward,
	// Train), but cannot be quantized and is not saved (Quantize, Save
	// and Encode return ErrVariant: torch has no such parameters, and a
	// GRU's weights under torch's names would load into torch's other
	// GRU); they do not combine with Proj.

	// ResetBefore (GRU only) applies the reset gate to h before the
	// hidden-side product of n, as ONNX's linear_before_reset=0:
	//
	//	n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn)
	//
	// instead of torch's n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)).
	ResetBefore bool
	// Peepholes (LSTM only) adds ONNX's peephole connections: each Cell
	// has P = [p_i, p_f, p_o] (3·Hidden, in rnn's gate order; ONNX's
	// input P is [p_i, p_o, p_f]), and
	//
	//	i = σ(… + p_i⊙c_{t-1})  f = σ(… + p_f⊙c_{t-1})  o = σ(… + p_o⊙c_t)
	Peepholes bool
	// InputForget (LSTM only) couples the forget gate to the input gate,
	// f = 1 − i, as ONNX's input_forget=1 (the f rows of the weights are
	// then unused).
	InputForget bool
	// Clip, if positive, clips every gate's pre-activation (the input of
	// each σ, tanh or an Elman cell's ψ, peephole terms included) to
	// [−Clip, Clip], as ONNX's clip attribute; the cell state c itself
	// is not clipped. 0 means no clipping. Backward passes no gradient
	// through a clipped pre-activation.
	Clip float32
}

func (c Config) normalized() (Config, error) {
	if c.Layers == 0 {
		c.Layers = 1
	}
	if c.Activation == Default && c.Cell == Elman {
		c.Activation = Tanh
	}
	if c.OutputActivation == Default {
		c.OutputActivation = Identity
	}
	switch {
	case c.Cell.kind() == nil:
		return c, fmt.Errorf("%w: unknown cell %v", ErrConfig, c.Cell)
	case c.Input <= 0 || c.Hidden <= 0 || c.Layers < 0 || c.Output < 0 || c.Proj < 0:
		return c, fmt.Errorf("%w: Input=%d Hidden=%d Layers=%d Output=%d Proj=%d: sizes must be positive (Output, Proj ≥ 0)",
			ErrConfig, c.Input, c.Hidden, c.Layers, c.Output, c.Proj)
	case c.Proj > 0 && c.Cell != LSTM:
		return c, fmt.Errorf("%w: Proj=%d on a %v cell (only an LSTM projects)", ErrConfig, c.Proj, c.Cell)
	case c.Proj >= c.Hidden:
		return c, fmt.Errorf("%w: Proj=%d must be smaller than Hidden=%d (as torch's proj_size)", ErrConfig, c.Proj, c.Hidden)
	case c.Cell != Elman && c.Activation != Default:
		return c, fmt.Errorf("%w: activation %v on a %v cell (its activations are fixed; leave Activation Default)", ErrConfig, c.Activation, c.Cell)
	case c.Cell == Elman && c.Activation != Tanh && c.Activation != Sigmoid && c.Activation != ReLU:
		return c, fmt.Errorf("%w: hidden activation %v (want tanh, sigmoid or relu)", ErrConfig, c.Activation)
	case c.OutputActivation != Identity && c.OutputActivation != Sigmoid && c.OutputActivation != Softmax:
		return c, fmt.Errorf("%w: output activation %v (want identity, sigmoid or softmax)", ErrConfig, c.OutputActivation)
	case c.Bias < BiasSingle || c.Bias > BiasNone:
		return c, fmt.Errorf("%w: bias layout %d", ErrConfig, int(c.Bias))
	case c.Output == 0 && c.OutputActivation != Identity:
		return c, fmt.Errorf("%w: output activation %v without a head (Output=0)", ErrConfig, c.OutputActivation)
	}
	if err := c.checkVariant(); err != nil {
		return c, err
	}
	if _, ok := weightCount(c); !ok {
		return c, fmt.Errorf("%w: Input=%d Hidden=%d Layers=%d Output=%d (bidirectional %v): more than MaxWeights=%d weights",
			ErrConfig, c.Input, c.Hidden, c.Layers, c.Output, c.Bidirectional, MaxWeights)
	}
	return c, nil
}

// Dirs returns 2 for a bidirectional network, 1 otherwise.
func (c Config) Dirs() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// gates returns G, the number of gate blocks of the cell (1 Elman,
// 4 LSTM, 3 GRU): W_ih and W_hh have G·Hidden rows.
func (c Config) gates() int { return c.Cell.kind().gates() }

// HiddenOut returns the width of one direction's h_t: Proj if set, else
// Hidden.
func (c Config) HiddenOut() int {
	if c.Proj > 0 {
		return c.Proj
	}
	return c.Hidden
}

// Width returns the width of a layer's output: Dirs·HiddenOut.
func (c Config) Width() int { return c.Dirs() * c.HiddenOut() }

// OutWidth returns the width of Forward's rows: Output, or Width when
// there is no head.
func (c Config) OutWidth() int {
	if c.Output > 0 {
		return c.Output
	}
	return c.Width()
}

// Cell holds the weights of one direction of one layer, in torch's
// shapes, with G gate blocks of rows (1 Elman, 4 LSTM in the order
// i,f,g,o, 3 GRU in the order r,z,n): Wih is G·Hidden×in (in = Input for
// layer 0, Width above), Whh is G·Hidden×HiddenOut.
type Cell struct {
	Wih kernel.Matrix // weight_ih_l{k}[_reverse]
	Whh kernel.Matrix // weight_hh_l{k}[_reverse]
	// Bih (G·Hidden) is bias_ih_l{k} with BiasPair, the single bias with
	// BiasSingle, nil with BiasNone.
	Bih []float32
	// Bhh (G·Hidden) is bias_hh_l{k} with BiasPair, nil otherwise.
	Bhh []float32
	// Whr is an LSTM's projection weight_hr_l{k}, Proj×Hidden; empty
	// without Config.Proj.
	Whr kernel.Matrix
	// P is an LSTM's peephole weights [p_i, p_f, p_o] (3·Hidden) with
	// Config.Peepholes, nil otherwise.
	P []float32
	// qih, qhh and qhr are Wih, Whh and Whr in int8 in a quantized Net
	// (Net.Quantize), whose float matrices are then empty; nil otherwise.
	qih, qhh, qhr *kernel.QMatrix
}

// Net is a recurrent network. Its exported weights may be read and filled
// by users and loaders; Params lists them by name. During inference a
// Net is only read, so it may be shared between goroutines.
type Net struct {
	cfg Config
	// Cells holds layer l, direction d (0 forward, 1 reverse) at
	// index l·Dirs+d.
	Cells []Cell
	// Wy (Output×Width) and By (Output) are the head; empty when
	// Output is 0.
	Wy kernel.Matrix
	By []float32
	// quantized marks a Net made by Quantize or loaded from a quantized
	// file: its weight matrices are the cells' qih, qhh, qhr and qy (Wy
	// in int8), and the float ones are empty.
	quantized bool
	qy        *kernel.QMatrix
	// packs holds the weights packed for the batched paths, built on
	// first use (see WeightsChanged); nil for a Net not made by newShape.
	packs *packCache
}

// New returns a network with weights drawn as PyTorch draws them:
// every recurrent weight and bias (projections included) from
// U(−1/√Hidden, 1/√Hidden), and
// the head (like torch.nn.Linear) from U(−1/√Width, 1/√Width). The
// same seed gives the same weights.
func New(cfg Config, seed uint64) (*Net, error) {
	n, err := newZero(cfg)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x726e6e))
	k := 1 / math.Sqrt(float64(n.cfg.Hidden))
	kh := 1 / math.Sqrt(float64(n.cfg.Width()))
	for _, p := range n.Params() {
		lim := k
		if p.Name == "head.weight" || p.Name == "head.bias" {
			lim = kh
		}
		for i := range p.Data {
			p.Data[i] = float32((2*r.Float64() - 1) * lim)
		}
	}
	return n, nil
}

// newZero returns a network of the given shape with all weights zero.
func newZero(cfg Config) (*Net, error) { return newShape(cfg, false) }

// newShape returns a network of the given shape with all weights zero,
// or, quantized, with zero biases and no weight matrices (the loader
// fills in the int8 ones).
func newShape(cfg Config, quantized bool) (*Net, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	n := &Net{cfg: c, quantized: quantized, packs: new(packCache)}
	mat := func(rows, cols int) kernel.Matrix {
		if quantized {
			return kernel.Matrix{}
		}
		return kernel.NewMatrix(rows, cols)
	}
	dirs, GH := c.Dirs(), c.gates()*c.Hidden
	for l := 0; l < c.Layers; l++ {
		in := c.Input
		if l > 0 {
			in = c.Width()
		}
		for d := 0; d < dirs; d++ {
			cell := Cell{Wih: mat(GH, in), Whh: mat(GH, c.HiddenOut())}
			if c.Bias != BiasNone {
				cell.Bih = make([]float32, GH)
			}
			if c.Bias == BiasPair {
				cell.Bhh = make([]float32, GH)
			}
			if c.Proj > 0 {
				cell.Whr = mat(c.Proj, c.Hidden)
			}
			if c.Peepholes {
				cell.P = make([]float32, peepholeLen(c))
			}
			n.Cells = append(n.Cells, cell)
		}
	}
	if c.Output > 0 {
		n.Wy = mat(c.Output, c.Width())
		n.By = make([]float32, c.Output)
	}
	return n, nil
}

// Config returns the network's configuration, with defaults filled in.
func (n *Net) Config() Config { return n.cfg }

// Cell returns the weights of one layer and direction.
func (n *Net) Cell(layer int, reverse bool) *Cell {
	i := layer * n.cfg.Dirs()
	if reverse {
		i++
	}
	return &n.Cells[i]
}

// NewGrad returns a zeroed Net of the same shape, to accumulate
// gradients into: Backward adds ∂J/∂w to the weight of the same name.
func (n *Net) NewGrad() *Net {
	g, err := newZero(n.cfg)
	if err != nil {
		panic(err) // n.cfg was validated by New
	}
	return g
}

// Zero sets every weight to zero (used to reset a gradient).
func (n *Net) Zero() {
	for _, p := range n.Params() {
		clear(p.Data)
	}
}

// Clone returns a deep copy of the network.
func (n *Net) Clone() *Net {
	if n.quantized {
		return n.cloneQuantized()
	}
	c := n.NewGrad()
	src := n.Params()
	for i, p := range c.Params() {
		copy(p.Data, src[i].Data)
	}
	return c
}

// cellSuffix is the suffix of cell i's weight names: "_l{k}", and
// "_reverse" for the reverse direction.
func cellSuffix(i, dirs int) string {
	suf := fmt.Sprintf("_l%d", i/dirs)
	if i%dirs == 1 {
		suf += "_reverse"
	}
	return suf
}

// Param is one named weight tensor of a Net. Data aliases the Net's
// storage (row-major, Rows×Cols; Cols is 1 for vectors).
type Param struct {
	Name       string
	Rows, Cols int
	Data       []float32
}

// Params lists every weight with torch's names, in a fixed order: for
// each layer k and direction ("" or "_reverse"): weight_ih_l{k},
// weight_hh_l{k}, then bias_ih_l{k} and bias_hh_l{k} (BiasPair) or
// bias_l{k} (BiasSingle), then weight_hr_l{k} (an LSTM with Proj) or
// peephole_l{k} (Cell.P, an LSTM with Peepholes; not a torch name); and
// last the head, head.weight and head.bias (torch.nn.Linear's weight and
// bias).
func (n *Net) Params() []Param {
	var ps []Param
	dirs := n.cfg.Dirs()
	for i := range n.Cells {
		c := &n.Cells[i]
		suf := cellSuffix(i, dirs)
		ps = append(ps,
			Param{"weight_ih" + suf, c.Wih.Rows, c.Wih.Cols, c.Wih.Data},
			Param{"weight_hh" + suf, c.Whh.Rows, c.Whh.Cols, c.Whh.Data})
		switch n.cfg.Bias {
		case BiasPair:
			ps = append(ps, Param{"bias_ih" + suf, len(c.Bih), 1, c.Bih}, Param{"bias_hh" + suf, len(c.Bhh), 1, c.Bhh})
		case BiasSingle:
			ps = append(ps, Param{"bias" + suf, len(c.Bih), 1, c.Bih})
		}
		if n.cfg.Proj > 0 {
			ps = append(ps, Param{"weight_hr" + suf, c.Whr.Rows, c.Whr.Cols, c.Whr.Data})
		}
		if n.cfg.Peepholes {
			ps = append(ps, Param{"peephole" + suf, len(c.P), 1, c.P})
		}
	}
	if n.cfg.Output > 0 {
		ps = append(ps, Param{"head.weight", n.Wy.Rows, n.Wy.Cols, n.Wy.Data}, Param{"head.bias", len(n.By), 1, n.By})
	}
	return ps
}
