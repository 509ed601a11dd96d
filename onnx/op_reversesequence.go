package onnx

import "fmt"

// ReverseSequence(input, sequence_lens): for each batch entry b (along
// the attribute batch_axis, default 1), the first sequence_lens[b]
// elements along time_axis (default 0) are reversed and the rest copied.
// The two axes are 0 and 1, one each; sequence_lens is an INT64 tensor of
// shape [batch]. Its values are read at run time: one outside [0, the
// time axis's length] makes Run fail with ErrInput.

func init() {
	register("ReverseSequence", 10, buildReverseSequence)
}

func buildReverseSequence(c *nodeCtx) (func() error, error) {
	x, err := c.needStored(0, "")
	if err != nil {
		return nil, err
	}
	lens, err := c.needTyped(1, Int64)
	if err != nil {
		return nil, err
	}
	batchAxis := c.attrInt("batch_axis", 1)
	timeAxis := c.attrInt("time_axis", 0)
	if c.err != nil {
		return nil, c.err
	}
	if len(x.Dims) < 2 {
		return nil, c.shapeErr("ReverseSequence of input shape %v, want rank 2 or more", x.Dims)
	}
	if !(batchAxis == 0 && timeAxis == 1 || batchAxis == 1 && timeAxis == 0) {
		return nil, c.shapeErr("batch_axis %d and time_axis %d, want 0 and 1 in some order", batchAxis, timeAxis)
	}
	nb, nt := x.Dims[batchAxis], x.Dims[timeAxis]
	if len(lens.Dims) != 1 || lens.Dims[0] != nb {
		return nil, c.shapeErr("sequence_lens of shape %v, want [%d]", lens.Dims, nb)
	}
	y, err := c.output(0, x.DType, x.Dims)
	if err != nil {
		return nil, err
	}
	st := strides(x.Dims)
	sb, stt := st[batchAxis], st[timeAxis]
	inner := numElements(x.Dims[2:])
	isFloat := x.DType.storage() == storeFloat
	return func() error {
		for b, l := range lens.Int {
			if l < 0 || l > int64(nt) {
				return fmt.Errorf("%w: ReverseSequence: sequence_lens[%d] is %d, want 0 to %d", ErrInput, b, l, nt)
			}
		}
		for b := range nb {
			l := int(lens.Int[b])
			for t := range nt {
				from := t
				if t < l {
					from = l - 1 - t
				}
				d, s := b*sb+t*stt, b*sb+from*stt
				if isFloat {
					copy(y.Float[d:d+inner], x.Float[s:s+inner])
				} else {
					copy(y.Int[d:d+inner], x.Int[s:s+inner])
				}
			}
		}
		return nil
	}, nil
}
