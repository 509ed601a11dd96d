package rnn_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// gatedFixtures are the LSTM and GRU fixtures scripts/torch_fixtures.py
// wrote, with the configuration Load must infer for each: the fields
// Cell, Input, Hidden, Proj, Layers, Bidirectional and Bias. batch is the
// number of sequences of the batch fixtures (0: one sequence).
var gatedFixtures = []struct {
	name  string
	cfg   rnn.Config
	batch int
}{
	{"lstm_stacked", rnn.Config{Cell: rnn.LSTM, Input: 3, Hidden: 5, Layers: 2, Bias: rnn.BiasPair}, 0},
	{"lstm_bidir", rnn.Config{Cell: rnn.LSTM, Input: 4, Hidden: 3, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 0},
	{"lstm_proj", rnn.Config{Cell: rnn.LSTM, Input: 3, Hidden: 6, Proj: 4, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 0},
	{"lstm_nobias", rnn.Config{Cell: rnn.LSTM, Input: 5, Hidden: 4, Layers: 2, Bias: rnn.BiasNone}, 0},
	{"lstm_f16", rnn.Config{Cell: rnn.LSTM, Input: 4, Hidden: 5, Proj: 3, Layers: 2, Bias: rnn.BiasPair}, 0},
	{"lstm_batch", rnn.Config{Cell: rnn.LSTM, Input: 3, Hidden: 4, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 3},
	{"gru_stacked", rnn.Config{Cell: rnn.GRU, Input: 3, Hidden: 5, Layers: 2, Bias: rnn.BiasPair}, 0},
	{"gru_bidir", rnn.Config{Cell: rnn.GRU, Input: 4, Hidden: 3, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 0},
	{"gru_nobias", rnn.Config{Cell: rnn.GRU, Input: 5, Hidden: 4, Layers: 2, Bias: rnn.BiasNone}, 0},
	{"gru_bf16", rnn.Config{Cell: rnn.GRU, Input: 3, Hidden: 4, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 0},
	{"gru_batch", rnn.Config{Cell: rnn.GRU, Input: 4, Hidden: 3, Layers: 2, Bias: rnn.BiasPair}, 4},
	{"lstm_wide", rnn.Config{Cell: rnn.LSTM, Input: 17, Hidden: 19, Proj: 11, Layers: 2, Bidirectional: true, Bias: rnn.BiasPair}, 0},
	{"gru_wide", rnn.Config{Cell: rnn.GRU, Input: 17, Hidden: 21, Layers: 2, Bias: rnn.BiasPair}, 5},
}

// flat returns m's elements row by row (m may have a stride).
func flat(m kernel.Matrix) []float32 {
	out := make([]float32, 0, m.Rows*m.Cols)
	for i := range m.Rows {
		out = append(out, m.Row(i)...)
	}
	return out
}

// batchAxis values for seqPart: where a batch fixture's tensor keeps the
// sequences.
const (
	seqFirst   = 0 // input and output: batch×T×width
	stateFirst = 1 // h0, h_n, c0, c_n: (L·D)×batch×width, torch's layout
)

// seqPart returns sequence b's matrix from a fixture tensor: the whole
// 2-D tensor when batch is 0, else the 3-D tensor's slice b along axis.
func seqPart(t *testing.T, tt weights.Tensor, batch, b, axis int) kernel.Matrix {
	t.Helper()
	if batch == 0 {
		require.Len(t, tt.Shape, 2, tt.Name)
		return kernel.MatrixFrom(tt.Shape[0], tt.Shape[1], tt.Data)
	}
	require.Len(t, tt.Shape, 3, tt.Name)
	require.Equal(t, batch, tt.Shape[axis], tt.Name)
	d1, w := tt.Shape[1], tt.Shape[2]
	rows := tt.Shape[1-axis]
	m := kernel.NewMatrix(rows, w)
	for r := range rows {
		off := (b*d1 + r) * w
		if axis == stateFirst {
			off = (r*d1 + b) * w
		}
		copy(m.Row(r), tt.Data[off:off+w])
	}
	return m
}

// gatedCase is one fixture, loaded.
type gatedCase struct {
	n     *rnn.Net
	io    *weights.File
	batch int             // the fixture's batch size, 0 for one sequence
	xs    []kernel.Matrix // its sequences, T×Input each
}

func loadGated(t *testing.T, name string, batch int) gatedCase {
	t.Helper()
	n, err := rnn.Load(filepath.Join(torchDir, name+".safetensors"))
	require.NoError(t, err)
	c := gatedCase{n: n, io: torchIO(t, name), batch: batch}
	in := tensor(t, c.io, "input")
	for b := range max(batch, 1) {
		c.xs = append(c.xs, seqPart(t, in, batch, b, seqFirst))
	}
	return c
}

// seq returns sequence b's part of the T×width tensor name (input, output).
func (c gatedCase) seq(t *testing.T, name string, b int) kernel.Matrix {
	return seqPart(t, tensor(t, c.io, name), c.batch, b, seqFirst)
}

// state returns sequence b's part of the state tensor name (h0, h_n, …).
func (c gatedCase) state(t *testing.T, name string, b int) kernel.Matrix {
	return seqPart(t, tensor(t, c.io, name), c.batch, b, stateFirst)
}

// streams returns the sequence index of each stream of a batched call:
// the fixture's sequences, or three copies of its only one.
func (c gatedCase) streams() []int {
	if c.batch == 0 {
		return []int{0, 0, 0}
	}
	idx := make([]int, c.batch)
	for b := range idx {
		idx[b] = b
	}
	return idx
}

// TestTorchGated loads every LSTM and GRU fixture (F32, F16, BF16;
// stacked, bidirectional, proj_size, no bias) and compares with PyTorch,
// to 1e-5 of the largest value: Forward and Last from the zero state,
// ForwardState's and LastState's output, h_n and c_n from torch's
// nonzero h0 and c0 and from nil (zeros), and ForwardBatch.
func TestTorchGated(t *testing.T) {
	for _, fx := range gatedFixtures {
		t.Run(fx.name, func(t *testing.T) {
			c := loadGated(t, fx.name, fx.batch)
			cfg, want := c.n.Config(), fx.cfg
			require.Equal(t, want.Cell, cfg.Cell, "cell")
			require.Equal(t, []any{want.Input, want.Hidden, want.Proj, want.Layers, want.Bidirectional, want.Bias},
				[]any{cfg.Input, cfg.Hidden, cfg.Proj, cfg.Layers, cfg.Bidirectional, cfg.Bias},
				"Input, Hidden, Proj, Layers, Bidirectional, Bias")
			lstm := want.Cell == rnn.LSTM
			dirs := cfg.Dirs()
			for b, x := range c.xs {
				what := func(s string) string { return fmt.Sprintf("seq %d %s", b, s) }
				// requireStates compares a final state with torch's h_n
				// and c_n (named by suffix: "" or "_zero").
				requireStates := func(call string, fin *rnn.States, suffix string) {
					hn := c.state(t, "h_n"+suffix, b)
					require.Equal(t, [2]int{hn.Rows, hn.Cols}, [2]int{fin.H.Rows, fin.H.Cols}, what(call+" h_n shape"))
					torchtest.RequireClose(t, what(call+" h_n"), flat(fin.H), flat(hn))
					if lstm {
						cn := c.state(t, "c_n"+suffix, b)
						require.Equal(t, [2]int{cn.Rows, cn.Cols}, [2]int{fin.C.Rows, fin.C.Cols}, what(call+" c_n shape"))
						torchtest.RequireClose(t, what(call+" c_n"), flat(fin.C), flat(cn))
					}
				}
				// top is the many-to-one answer: the top layer's h_n rows.
				top := func(suffix string) []float32 {
					hn := c.state(t, "h_n"+suffix, b)
					return flat(hn.Slice(hn.Rows-dirs, hn.Rows, 0, hn.Cols))
				}

				// From the zero state.
				y, err := c.n.Forward(x)
				require.NoError(t, err)
				out0 := c.seq(t, "output_zero", b)
				require.Equal(t, [2]int{out0.Rows, out0.Cols}, [2]int{y.Rows, y.Cols}, what("Forward shape"))
				torchtest.RequireClose(t, what("Forward"), flat(y), flat(out0))
				last, err := c.n.Last(x)
				require.NoError(t, err)
				torchtest.RequireClose(t, what("Last"), last, top("_zero"))
				y, fin, err := c.n.ForwardState(x, nil)
				require.NoError(t, err)
				torchtest.RequireClose(t, what("ForwardState(nil) output"), flat(y), flat(out0))
				requireStates("ForwardState(nil)", fin, "_zero")

				// From torch's h0 (and c0).
				init := &rnn.States{H: c.state(t, "h0", b)}
				if lstm {
					init.C = c.state(t, "c0", b)
				}
				y, fin, err = c.n.ForwardState(x, init)
				require.NoError(t, err)
				torchtest.RequireClose(t, what("ForwardState output"), flat(y), flat(c.seq(t, "output", b)))
				requireStates("ForwardState", fin, "")
				last, fin, err = c.n.LastState(x, init)
				require.NoError(t, err)
				torchtest.RequireClose(t, what("LastState"), last, top(""))
				requireStates("LastState", fin, "")
			}

			// Every sequence in one batch, from the zero state.
			var batch []kernel.Matrix
			for _, i := range c.streams() {
				batch = append(batch, c.xs[i])
			}
			outs, err := c.n.ForwardBatch(batch)
			require.NoError(t, err)
			require.Len(t, outs, len(batch))
			for b, i := range c.streams() {
				torchtest.RequireClose(t, fmt.Sprintf("ForwardBatch[%d]", b), flat(outs[b]), flat(c.seq(t, "output_zero", i)))
			}
		})
	}
}

// TestTorchGatedStream streams the unidirectional fixtures from the zero
// state, each sequence by a State and all of them at once by a
// BatchState, and compares every step's output and the final states
// (State.Hidden and CellState, layer by layer) with PyTorch's.
func TestTorchGatedStream(t *testing.T) {
	for _, fx := range gatedFixtures {
		if fx.cfg.Bidirectional {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			c := loadGated(t, fx.name, fx.batch)
			cfg := c.n.Config()
			// requireFinal compares st's layers with torch's final state
			// of sequence i.
			requireFinal := func(what string, st *rnn.State, i int) {
				hn, cn := c.state(t, "h_n_zero", i), kernel.Matrix{}
				if cfg.Cell == rnn.LSTM {
					cn = c.state(t, "c_n_zero", i)
				}
				for l := range cfg.Layers {
					torchtest.RequireClose(t, fmt.Sprintf("%s layer %d h", what, l), st.Hidden(l), hn.Row(l))
					if cfg.Cell == rnn.LSTM {
						torchtest.RequireClose(t, fmt.Sprintf("%s layer %d c", what, l), st.CellState(l), cn.Row(l))
					} else {
						require.Nil(t, st.CellState(l))
					}
				}
			}
			for i, x := range c.xs {
				st := c.n.NewState()
				y := kernel.NewMatrix(x.Rows, cfg.OutWidth())
				for tt := range x.Rows {
					require.NoError(t, st.Step(y.Row(tt), x.Row(tt)))
				}
				torchtest.RequireClose(t, fmt.Sprintf("seq %d State.Step", i), flat(y), flat(c.seq(t, "output_zero", i)))
				requireFinal(fmt.Sprintf("seq %d State", i), st, i)
			}

			idx := c.streams()
			bs := c.n.NewBatchState(len(idx))
			T := c.xs[0].Rows
			x, dst := kernel.NewMatrix(len(idx), cfg.Input), kernel.NewMatrix(len(idx), cfg.OutWidth())
			ys := make([]kernel.Matrix, len(idx))
			for b := range ys {
				ys[b] = kernel.NewMatrix(T, cfg.OutWidth())
			}
			for tt := range T {
				for b, i := range idx {
					copy(x.Row(b), c.xs[i].Row(tt))
				}
				require.NoError(t, bs.Step(dst, x))
				for b := range idx {
					copy(ys[b].Row(tt), dst.Row(b))
				}
			}
			st := c.n.NewState()
			for b, i := range idx {
				torchtest.RequireClose(t, fmt.Sprintf("BatchState stream %d", b), flat(ys[b]), flat(c.seq(t, "output_zero", i)))
				require.NoError(t, bs.GetStream(st, b))
				requireFinal(fmt.Sprintf("BatchState stream %d", b), st, i)
			}
		})
	}
}

// TestTorchGatedLoadErrors breaks the LSTM and GRU fixtures one way each
// and checks that Load refuses them with an error that says what the file
// holds.
func TestTorchGatedLoadErrors(t *testing.T) {
	// with returns fixture's own metadata with key set to value.
	with := func(fixture, key, value string) map[string]string {
		f, err := weights.Open(filepath.Join(torchDir, fixture+".safetensors"))
		require.NoError(t, err)
		m := maps.Clone(f.Metadata())
		m[key] = value
		return m
	}
	drop := func(name string) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) { delete(ts, name) }
	}
	// cut replaces tensor name by its first rows of a shape (rows, cols...).
	cut := func(name string, shape ...int) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) {
			w := ts[name]
			n := 1
			for _, d := range shape {
				n *= d
			}
			w.Shape, w.Data = shape, w.Data[:n]
			ts[name] = w
		}
	}
	keep := func(map[string]weights.Tensor) {}
	cases := []struct {
		fixture string
		meta    map[string]string
		edit    func(map[string]weights.Tensor)
		is      error
		msg     string
	}{
		{"lstm_stacked", with("lstm_stacked", "mode", "GRU"), keep, rnn.ErrShape,
			"metadata mode=GRU but the tensors are a 4-gate LSTM with input 3, hidden 5"},
		{"lstm_f16", with("lstm_f16", "mode", "RNN_TANH"), keep, rnn.ErrShape,
			"metadata mode=RNN_TANH but the tensors are a 4-gate LSTM with input 4, hidden 5, proj_size 3"},
		{"lstm_proj", with("lstm_proj", "proj_size", "0"), keep, rnn.ErrShape,
			"metadata proj_size=0 but the tensors are a 4-gate LSTM with input 3, hidden 6, proj_size 4"},
		{"lstm_proj", nil, drop("weight_hr_l0"), rnn.ErrMissing,
			`"weight_hr_l0" missing (metadata proj_size=4: an LSTM's projection)`},
		{"lstm_proj", nil, drop("weight_hr_l1"), rnn.ErrMissing,
			`"weight_hr_l1" missing (a 4-gate LSTM with input 3, hidden 6, proj_size 4, 2 layers, bidirectional`},
		{"gru_bidir", nil, drop("weight_hh_l1_reverse"), rnn.ErrMissing,
			`"weight_hh_l1_reverse" missing (a 3-gate GRU with input 4, hidden 3, 2 layers, bidirectional`},
		{"gru_stacked", nil, cut("weight_ih_l1", 15, 3), rnn.ErrShape,
			`"weight_ih_l1" has shape [15 3], want [15 5] (a 3-gate GRU with input 3, hidden 5, 2 layers`},
		{"gru_stacked", nil, cut("bias_hh_l0", 5), rnn.ErrShape,
			`"bias_hh_l0" has shape [5], want [15]`},
		{"lstm_nobias", with("lstm_nobias", "bias", "True"), keep, rnn.ErrMissing,
			`"bias_ih_l0" missing (metadata bias=True)`},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			_, err := rnn.Load(rewrite(t, c.fixture, c.meta, c.edit))
			require.ErrorIs(t, err, c.is)
			require.ErrorContains(t, err, c.msg)
		})
	}
}
