package onnx

import "github.com/simdcore/simdcore/rnn"

// DynamicQuantizeLSTM (domain com.microsoft, what ONNX Runtime's dynamic
// quantizer makes of an LSTM): LSTM's inputs and attributes, with W and R
// int8 (or uint8) and transposed, [num_directions, input_size,
// 4·hidden_size] and [num_directions, hidden_size, 4·hidden_size], and
// their scales and zero points as inputs 8 to 11, one per direction or
// one per direction and output row ([num_directions, 4·hidden_size]). The
// weights are dequantized, (w − zero point)·scale in float32, into ONNX
// LSTM's layout, and the node runs as LSTM does (buildRecurrent, package
// rnn) in float32: ONNX Runtime quantizes the activations too, so its
// outputs differ from these by that rounding (BENCHMARKS.md and the
// fixture's test state by how much). Weights that are graph inputs are
// dequantized at every Run.

func init() {
	registerMS("DynamicQuantizeLSTM", buildDynamicQuantizeLSTM)
}

func buildDynamicQuantizeLSTM(c *nodeCtx) (func() error, error) {
	if _, err := c.needTyped(0, Float); err != nil {
		return nil, err
	}
	planes := [2]struct {
		q, scale, zero *Tensor
		f              *Tensor // dequantized, ONNX's layout
	}{}
	known := true
	for k, idx := range [2][3]int{{1, 8, 9}, {2, 10, 11}} {
		pl := &planes[k]
		var err error
		if pl.q, err = c.needTyped(idx[0], Int8, Uint8); err != nil {
			return nil, err
		}
		if pl.scale, err = c.needTyped(idx[1], Float); err != nil {
			return nil, err
		}
		if pl.zero, err = c.needTyped(idx[2], pl.q.DType); err != nil {
			return nil, err
		}
		q := pl.q
		if len(q.Dims) != 3 {
			return nil, c.shapeErr("input %d of shape %v: want [num_directions, rows, 4·hidden_size]", idx[0], q.Dims)
		}
		D, GH := q.Dims[0], q.Dims[2]
		for _, t := range []*Tensor{pl.scale, pl.zero} {
			if !equalDims(t.Dims, []int{D}) && !equalDims(t.Dims, []int{D, GH}) {
				return nil, c.shapeErr("scale or zero point of shape %v for %v: want [%d] or [%d %d]", t.Dims, q.Dims, D, D, GH)
			}
		}
		if !equalDims(pl.scale.Dims, pl.zero.Dims) {
			return nil, c.shapeErr("scale of shape %v, zero point %v", pl.scale.Dims, pl.zero.Dims)
		}
		if pl.f, err = c.p.alloc(Float, []int{D, GH, q.Dims[1]}); err != nil {
			return nil, err
		}
		for _, i := range idx {
			known = known && c.known(i)
		}
	}
	dequantize := func() {
		for k := range planes {
			pl := &planes[k]
			D, rows, GH := pl.q.Dims[0], pl.q.Dims[1], pl.q.Dims[2]
			perRow := len(pl.scale.Dims) == 2
			for d := range D {
				for g := range GH {
					j := d
					if perRow {
						j = d*GH + g
					}
					s, z := pl.scale.Float[j], float32(pl.zero.Int[j])
					dst := pl.f.Float[(d*GH+g)*rows:][:rows]
					for i := range dst {
						dst[i] = (float32(pl.q.Int[(d*rows+i)*GH+g]) - z) * s
					}
				}
			}
		}
	}
	if known {
		dequantize()
	}
	// LSTM's node: the same attributes and outputs, inputs 0..7 with the
	// dequantized W and R.
	in := make([]*value, 8)
	copy(in, c.in)
	in[1], in[2] = &value{t: planes[0].f, known: known}, &value{t: planes[1].f, known: known}
	lstm := &nodeCtx{node: c.node, p: c.p, opset: c.p.opset, in: in, out: c.out, dynamic: c.dynamic}
	run, err := buildRecurrent(lstm, rnn.LSTM)
	if lstm.err != nil {
		return nil, lstm.err
	}
	if err != nil {
		return nil, err
	}
	if known {
		return run, nil
	}
	return func() error {
		dequantize()
		return run()
	}, nil
}
