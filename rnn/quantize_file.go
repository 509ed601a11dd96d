package rnn

import (
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// This file stores a quantized network (Net.Quantize) in safetensors, and
// reads it back.
//
// A quantized file has the float file's names and layout (see Net.Save),
// with every weight matrix — weight_ih_l{k}, weight_hh_l{k},
// weight_hr_l{k} (with "_reverse" for the reverse direction, under the
// LM's "rnn." prefix) and head.weight — stored as an I8 tensor of the
// same shape, the int8 values q of Int8 kernels in package kernel, and
// beside it "<name>.scale", an F32 tensor of one scale per row: row r of
// the weight is scale[r]·q[r,:]. Biases, the embedding and everything
// else stay F32 under their usual names. The metadata key
// simdcore.quantized = "int8-rowwise/1" marks the file and names the
// scheme and its version. Load, Read, LoadLM and ReadLM read such a file
// into a quantized Net (or LM) directly, without float weights; PyTorch
// does not load it into nn.RNN, nn.LSTM or nn.GRU.

// Metadata of a quantized file: the key and the scheme it names.
const (
	QuantizedKey    = "simdcore.quantized"
	QuantizedScheme = "int8-rowwise/1"
)

// scaleSuffix ends the name of a weight matrix's row scales.
const scaleSuffix = ".scale"

// qSlot is one int8 weight matrix of a network: its name as Params names
// the float matrix, its shape, and where the Net keeps it.
type qSlot struct {
	name       string
	rows, cols int
	q          **kernel.QMatrix
}

// qSlots lists n's weight matrices in Params order.
func (n *Net) qSlots() []qSlot {
	c := n.cfg
	dirs, GH := c.Dirs(), c.gates()*c.Hidden
	var ss []qSlot
	for i := range n.Cells {
		cell, suf := &n.Cells[i], cellSuffix(i, dirs)
		in := c.Input
		if i >= dirs {
			in = c.Width()
		}
		ss = append(ss, qSlot{"weight_ih" + suf, GH, in, &cell.qih}, qSlot{"weight_hh" + suf, GH, c.HiddenOut(), &cell.qhh})
		if c.Proj > 0 {
			ss = append(ss, qSlot{"weight_hr" + suf, c.Proj, c.Hidden, &cell.qhr})
		}
	}
	if c.Output > 0 {
		ss = append(ss, qSlot{"head.weight", c.Output, c.Width(), &n.qy})
	}
	return ss
}

// fileName is the tensor name of a Params name in a file whose recurrent
// tensors are under prefix (tensors' rule: dotted names stay as they are).
func fileName(name, prefix string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return prefix + name
}

// fileTensors is tensors(ps, prefix) for n's file: a quantized network's
// weight matrices (empty in ps) become I8 tensors with their F32 scales.
func (n *Net) fileTensors(ps []Param, prefix string) []weights.Tensor {
	ts := tensors(ps, prefix)
	if !n.quantized {
		return ts
	}
	at := make(map[string]int, len(ts))
	for i, t := range ts {
		at[t.Name] = i
	}
	for _, s := range n.qSlots() {
		q, name := *s.q, fileName(s.name, prefix)
		data := make([]int8, 0, q.Rows*q.Cols)
		for r := range q.Rows {
			data = append(data, q.Row(r)...)
		}
		ts[at[name]] = weights.Tensor{Name: name, Shape: []int{q.Rows, q.Cols}, Int8: data}
		ts = append(ts, weights.Tensor{Name: name + scaleSuffix, Shape: []int{q.Rows}, Data: q.Scales})
	}
	return ts
}

// fileMetadata is the metadata n's file carries: the constructor
// arguments, and the quantization scheme of a quantized network.
func (n *Net) fileMetadata() map[string]string {
	m := ctorMetadata(n.cfg)
	if n.quantized {
		m[QuantizedKey] = QuantizedScheme
	}
	return m
}

// slotFileName is the tensor name of a weight matrix in the file p
// describes.
func (p plan) slotFileName(name string) string {
	if name == "head.weight" {
		return p.head + ".weight"
	}
	return p.prefix + name
}

// takeScales reads the quantization metadata into p.quantized and, for a
// quantized file, takes every weight matrix's scales (one per row), so
// that Leftovers counts them.
func (l *loader) takeScales(p *plan) error {
	v, ok := l.Text(QuantizedKey)
	if !ok {
		return nil
	}
	if v != QuantizedScheme {
		return l.Formatf("metadata %s=%q: unknown quantization scheme (this version reads %q)", QuantizedKey, v, QuantizedScheme)
	}
	p.quantized = true
	shape := &Net{cfg: p.cfg, Cells: make([]Cell, p.cfg.Layers*p.cfg.Dirs())} // for qSlots' names and shapes
	for _, s := range shape.qSlots() {
		if err := l.TakeShape(p.slotFileName(s.name)+scaleSuffix, " (the row scales of a quantized file)", s.rows); err != nil {
			return err
		}
	}
	return nil
}

// int8Weights fills a quantized n's weight matrices from the file's I8
// tensors and their scales, whose shapes inferNet, findHead and
// takeScales have checked.
func (l *loader) int8Weights(p plan, n *Net) error {
	for _, s := range n.qSlots() {
		name := p.slotFileName(s.name)
		data, err := l.Int8s(name, s.rows, s.cols)
		if err != nil {
			return err // not I8: ErrFormat
		}
		scales, err := l.Float32s(name+scaleSuffix, s.rows)
		if err != nil {
			return err
		}
		if *s.q, err = kernel.NewQMatrix(s.rows, s.cols, data, scales); err != nil {
			return l.Formatf("tensor %q: %v", name, err)
		}
	}
	return nil
}
