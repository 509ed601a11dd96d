package onnx

// QLinearConcat (domain com.microsoft), which ONNX Runtime's quantizer
// writes for Concat in its QOperator format: Y_scale, Y_zero_point, then
// for each input X_i, X_i_scale, X_i_zero_point (all required; one value
// each; int8 or uint8, every X and zero point of Y_zero_point's type) and
// the attribute axis (required), Concat's shapes. An input whose scale
// and zero point equal Y's is copied; any other is mapped through a
// lookupTable of the identity (its values requantized to Y's scale and
// zero point), built while planning when its parameters and Y's are known
// then, else at every Run.

func init() {
	registerMS("QLinearConcat", buildQLinearConcat)
}

// requantTable maps a quantized input (scale and zero point tensors s,
// z, one value each) to an output's (sy, zy) through a lookupTable of
// the identity, or copies it where the parameters are the same (ONNX
// Runtime's has_same_scale and has_same_zero_point); QLinearConcat's
// inputs and QLinearWhere's X and Y.
type requantTable struct {
	s, z, sy, zy *Tensor
	dt           DataType
	fixed, copy  bool
	table        lookupTable
	deq          [256]float32
}

// newRequantTable builds the table while planning when known says every
// parameter is known then.
func newRequantTable(dt DataType, s, z, sy, zy *Tensor, known bool) *requantTable {
	t := &requantTable{s: s, z: z, sy: sy, zy: zy, dt: dt, fixed: known}
	if known {
		t.update()
	}
	return t
}

func (t *requantTable) update() {
	t.copy = t.s.Float[0] == t.sy.Float[0] && t.z.Int[0] == t.zy.Int[0]
	if !t.copy {
		t.table.build(t.dt, t.s.Float[0], t.z.Int[0], t.sy.Float[0], t.zy.Int[0], &t.deq, identity)
	}
}

// prepare rebuilds the table at Run where its parameters are not fixed.
func (t *requantTable) prepare() {
	if !t.fixed {
		t.update()
	}
}

// at maps value v.
func (t *requantTable) at(v int64) int64 {
	if t.copy {
		return v
	}
	return t.table[v&0xFF]
}

func buildQLinearConcat(c *nodeCtx) (func() error, error) {
	n := c.nIn()
	if n < 5 || (n-2)%3 != 0 {
		return nil, c.shapeErr("QLinearConcat of %d inputs: want Y_scale, Y_zero_point and triples (X, X_scale, X_zero_point)", n)
	}
	sy, err := needQuantParam(c, 0, Float)
	if err != nil {
		return nil, err
	}
	zy, err := needQuantParam(c, 1, Int8, Uint8)
	if err != nil {
		return nil, err
	}
	if c.node.Attr("axis") == nil {
		return nil, c.shapeErr("attribute axis is required")
	}
	first, err := c.needTyped(2, zy.DType)
	if err != nil {
		return nil, err
	}
	r := len(first.Dims)
	axis, err := c.axis(c.attrInt("axis", 0), r)
	if err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	count := (n - 2) / 3
	ins := make([]*Tensor, count)
	maps := make([]*requantTable, count)
	dims := append([]int(nil), first.Dims...)
	dims[axis] = 0
	for i := range ins {
		j := 2 + 3*i
		t, err := c.needTyped(j, zy.DType)
		if err != nil {
			return nil, err
		}
		if len(t.Dims) != r {
			return nil, c.shapeErr("input %d has shape %v, input 2 %v", j, t.Dims, first.Dims)
		}
		for k := range t.Dims {
			if k != axis && t.Dims[k] != first.Dims[k] {
				return nil, c.shapeErr("input %d has shape %v, input 2 %v (axis %d)", j, t.Dims, first.Dims, axis)
			}
		}
		s, err := needQuantParam(c, j+1, Float)
		if err != nil {
			return nil, err
		}
		z, err := needQuantParam(c, j+2, zy.DType)
		if err != nil {
			return nil, err
		}
		dims[axis] += t.Dims[axis]
		ins[i] = t
		maps[i] = newRequantTable(zy.DType, s, z, sy, zy, c.known(0) && c.known(1) && c.known(j+1) && c.known(j+2))
	}
	y, err := c.output(0, zy.DType, dims)
	if err != nil {
		return nil, err
	}
	outer, inner := numElements(dims[:axis]), numElements(dims[axis+1:])
	row := dims[axis] * inner
	return func() error {
		off := 0
		for i, t := range ins {
			m := maps[i]
			m.prepare()
			n := t.Dims[axis] * inner
			for o := range outer {
				src, dst := t.Int[o*n:(o+1)*n], y.Int[o*row+off:][:n]
				for k, v := range src {
					dst[k] = m.at(v)
				}
			}
			off += n
		}
		return nil
	}, nil
}
