package onnx

import (
	"fmt"
	"math"
)

// LRN(X): local response normalization across the channels (axis 1) of X
// [N, C, …]: y = x / (bias + alpha/size · square_sum)^beta, where
// square_sum sums x² over the channels [c − ⌊(size−1)/2⌋,
// c + ⌈(size−1)/2⌉] that exist. The attributes are size (required, at
// least 1), alpha (default 1e-4), beta (0.75) and bias (1). The window
// sums run in float64 and each output is rounded once; the work, the
// elements times the window's channels, is bounded (maxLRNWork, ErrLimit
// beyond) since the attribute size sets it.

func init() {
	register("LRN", 1, buildLRN)
}

func buildLRN(c *nodeCtx) (func() error, error) {
	x, y, err := c.elementwise(Float)
	if err != nil {
		return nil, err
	}
	if c.node.Attr("size") == nil {
		return nil, fmt.Errorf("%w: LRN without its required attribute size", ErrFormat)
	}
	size := c.attrInt("size", 1)
	alpha := float64(c.attrFloat("alpha", 1e-4))
	beta := float64(c.attrFloat("beta", 0.75))
	bias := float64(c.attrFloat("bias", 1))
	if c.err != nil {
		return nil, c.err
	}
	if size < 1 {
		return nil, c.shapeErr("LRN size %d, want at least 1", size)
	}
	if len(x.Dims) < 2 {
		return nil, c.shapeErr("LRN of input shape %v, want [N, C, …]", x.Dims)
	}
	nb, ch := x.Dims[0], x.Dims[1]
	inner := numElements(x.Dims[2:])
	// The window [k−lo, k+hi] around channel k, clamped to the channels
	// (size may be huge): ⌈(size−1)/2⌉ is ⌊size/2⌋.
	lo, hi := int(min((size-1)/2, int64(ch))), int(min(size/2, int64(ch)))
	width := min(lo+hi+1, ch)
	if width > 0 && int64(x.Len()) > maxLRNWork/int64(width) {
		return nil, fmt.Errorf("%w: LRN of shape %v over windows of %d channels exceeds %d multiply-adds", ErrLimit, x.Dims, width, maxLRNWork)
	}
	scale := alpha / float64(size)
	return func() error {
		for b := range nb {
			for s := range inner {
				base := b*ch*inner + s
				for k := range ch {
					var sq float64
					for j := max(k-lo, 0); j <= min(k+hi, ch-1); j++ {
						v := float64(x.Float[base+j*inner])
						sq += v * v
					}
					i := base + k*inner
					y.Float[i] = float32(float64(x.Float[i]) / math.Pow(bias+scale*sq, beta))
				}
			}
		}
		return nil
	}, nil
}

// maxLRNWork bounds the multiply-adds of one LRN node's window sums.
const maxLRNWork int64 = 1 << 32
