package onnx

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// LayerNormalization (opset 17; what torch.onnx.export emits for
// nn.LayerNorm at opset 17; taken at every opset, as ONNX Runtime, which
// registers the same operator in the default domain since opset 1 and
// whose optimizer writes it into opset 14 models in place of torch's
// decomposed norm): each slice over the dimensions from axis on is
// normalized to zero mean and unit variance, then scaled and shifted
// (Scale and B broadcast to that slice's shape). The mean and variance are
// accumulated in float64 (stash_type 1 asks for at least float32); without
// the optional outputs Mean and InvStdDev, and with Scale and B of the
// normalised slice's full shape, each slice runs through kernel.LayerNorm.

// BatchNormalization (opset 6 on; before opset 9, spatial = 0 and
// opset 6's is_test = 0 are refused): each channel (dimension 1) of X is
// normalized with its mean and variance, scaled and shifted:
// y = (x − mean)·(scale/√(var + epsilon)) + B, in float64 per element.
// In inference (training_mode 0, and every opset-9..13 node with only
// the output Y), mean and var are the inputs input_mean and input_var.
// With training_mode 1 (opset 14 on) they are the batch's, over N and the
// spatial dimensions (the variance without Bessel's correction), and the
// outputs running_mean and running_var are input_mean·momentum +
// mean·(1 − momentum) and the same for the variance. Opset 6..13's
// training outputs (mean, var, saved_mean, saved_var) are refused.

func init() {
	register("LayerNormalization", 1, buildLayerNorm)
	register("BatchNormalization", 6, buildBatchNorm)
}

func buildBatchNorm(c *nodeCtx) (func() error, error) {
	ts, err := c.needAll(5, Float)
	if err != nil {
		return nil, err
	}
	x, scale, bias, mean, vari := ts[0], ts[1], ts[2], ts[3], ts[4]
	if len(x.Dims) < 2 {
		return nil, c.shapeErr("BatchNormalization of X %v: want N×C…", x.Dims)
	}
	C := x.Dims[1]
	for i, t := range ts[1:] {
		if !equalDims(t.Dims, []int{C}) {
			return nil, c.shapeErr("BatchNormalization input %d of shape %v, want [%d]", i+1, t.Dims, C)
		}
	}
	eps := float64(c.attrFloat("epsilon", 1e-5))
	momentum := float64(c.attrFloat("momentum", 0.9))
	training := false
	switch {
	case c.opset >= 14:
		training = c.attrInt("training_mode", 0) != 0
	case len(c.node.Outputs) > 1:
		return nil, c.unsupported("opset %d training outputs (mean, var, saved_mean, saved_var)", c.opset)
	case c.opset < 9 && c.attrInt("spatial", 1) == 0:
		return nil, c.unsupported("attribute spatial=0 (per-element statistics)")
	case c.opset < 7 && c.attrInt("is_test", 0) == 0:
		return nil, c.unsupported("attribute is_test=0 (training statistics)")
	}
	if c.err != nil {
		return nil, c.err
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	var runMean, runVar *Tensor
	if training {
		if runMean, err = c.output(1, Float, []int{C}); err != nil {
			return nil, err
		}
		if runVar, err = c.output(2, Float, []int{C}); err != nil {
			return nil, err
		}
	}
	N, plane := x.Dims[0], numElements(x.Dims[2:])
	return func() error {
		for ch := range C {
			mu, v := float64(mean.Float[ch]), float64(vari.Float[ch])
			if training {
				var s float64
				for n := range N {
					for _, e := range x.Float[(n*C+ch)*plane:][:plane] {
						s += float64(e)
					}
				}
				count := float64(N * plane)
				bm := s / count
				var ss float64
				for n := range N {
					for _, e := range x.Float[(n*C+ch)*plane:][:plane] {
						d := float64(e) - bm
						ss += d * d
					}
				}
				bv := ss / count
				runMean.Float[ch] = float32(mu*momentum + bm*(1-momentum))
				runVar.Float[ch] = float32(v*momentum + bv*(1-momentum))
				mu, v = bm, bv
			}
			k := float64(scale.Float[ch]) / math.Sqrt(v+eps)
			b := float64(bias.Float[ch])
			for n := range N {
				o := (n*C + ch) * plane
				for i, e := range x.Float[o:][:plane] {
					y.Float[o+i] = float32((float64(e)-mu)*k + b)
				}
			}
		}
		return nil
	}, nil
}

// normInputs reads what LayerNormalization and its com.microsoft
// relatives share: X (FLOAT) and its normalized axis (attribute axis,
// default −1), Scale (input 1, FLOAT), epsilon (default 1e-5), and
// stash_type, of which only 1 (float32) is taken.
func normInputs(c *nodeCtx) (x *Tensor, axis int, scale *Tensor, eps float32, err error) {
	if x, axis, err = c.inputAxis(-1); err != nil {
		return nil, 0, nil, 0, err
	}
	if err = c.needType(x, Float); err != nil {
		return nil, 0, nil, 0, err
	}
	if scale, err = c.needTyped(1, Float); err != nil {
		return nil, 0, nil, 0, err
	}
	if st := c.attrInt("stash_type", 1); st != 1 {
		return nil, 0, nil, 0, c.unsupported("attribute stash_type=%d", st)
	}
	return x, axis, scale, c.attrFloat("epsilon", 1e-5), nil
}

// statDims returns dims with the axes from axis on set to 1: the shape of
// a normalization's per-row statistics.
func statDims(dims []int, axis int) []int {
	s := append([]int(nil), dims...)
	for j := axis; j < len(s); j++ {
		s[j] = 1
	}
	return s
}

func buildLayerNorm(c *nodeCtx) (func() error, error) {
	x, axis, scale, eps32, err := normInputs(c)
	if err != nil {
		return nil, err
	}
	eps := float64(eps32)
	inner := x.Dims[axis:]
	n, outer := numElements(inner), numElements(x.Dims[:axis])
	params := []*Tensor{scale, c.input(2)}
	idx := make([][]int32, 2)
	for i, p := range params {
		if p == nil {
			continue
		}
		if err := c.needType(p, Float); err != nil {
			return nil, err
		}
		if bd, err := broadcastDims(p.Dims, inner); err != nil || !equalDims(bd, inner) {
			return nil, c.shapeErr("input %d of shape %v does not broadcast to %v", i+1, p.Dims, inner)
		}
		if !equalDims(p.Dims, inner) {
			if idx[i], err = broadcastIndex(c, p.Dims, inner); err != nil {
				return nil, err
			}
		}
	}
	y, err := c.output(0, Float, x.Dims)
	if err != nil {
		return nil, err
	}
	if idx[0] == nil && idx[1] == nil && !c.wants(1) && !c.wants(2) {
		// Scale and B of the slice's shape, no statistics asked for: the
		// kernel (the same float64 moments, one rounding fewer at the end).
		var beta []float32
		if params[1] != nil {
			beta = params[1].Float
		}
		eps := float32(eps)
		return func() error {
			for r := range outer {
				kernel.LayerNorm(y.Float[r*n:(r+1)*n], x.Float[r*n:(r+1)*n], scale.Float, beta, eps)
			}
			return nil
		}, nil
	}
	sd := statDims(x.Dims, axis)
	mean, err := c.output(1, Float, sd)
	if err != nil {
		return nil, err
	}
	inv, err := c.output(2, Float, sd)
	if err != nil {
		return nil, err
	}
	param := func(p *Tensor, ix []int32, j int) float32 {
		if ix != nil {
			return p.Float[ix[j]]
		}
		return p.Float[j]
	}
	return func() error {
		for r := 0; r < outer; r++ {
			row, out := x.Float[r*n:(r+1)*n], y.Float[r*n:(r+1)*n]
			var s float64
			for _, v := range row {
				s += float64(v)
			}
			mu := s / float64(n)
			var ss float64
			for _, v := range row {
				d := float64(v) - mu
				ss += d * d
			}
			is := 1 / math.Sqrt(ss/float64(n)+eps)
			mean.Float[r], inv.Float[r] = float32(mu), float32(is)
			for j, v := range row {
				o := float32((float64(v)-mu)*is) * param(scale, idx[0], j)
				if params[1] != nil {
					o += param(params[1], idx[1], j)
				}
				out[j] = o
			}
		}
		return nil
	}, nil
}
