package attn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds the small compound operations attn builds from package
// kernel: exp and softmax in place, and adding a scalar.

// expInPlace sets x[i] = exp(x[i]) (kernel.Exp: exp(−Inf) = 0).
func expInPlace(x []float32) { kernel.Exp(x, x) }

// softmaxInPlace normalises x to softmax(x) with kernel.Softmax: −Inf
// entries become exactly 0, and a row of nothing but −Inf all zeros.
// (Composing Max, Axpy, Exp, Sum and Scale instead measured the same,
// within noise, once Softmax had its assembly passes.)
func softmaxInPlace(x []float32) { kernel.Softmax(x, x) }

// ones is a read-only vector of ones for adding a scalar with Axpy.
var ones = func() []float32 {
	o := make([]float32, 1024)
	for i := range o {
		o[i] = 1
	}
	return o
}()

// addScalar computes x[i] += c.
func addScalar(x []float32, c float32) {
	for len(x) > len(ones) {
		kernel.Axpy(c, ones, x[:len(ones)])
		x = x[len(ones):]
	}
	kernel.Axpy(c, ones[:len(x)], x)
}

// expf is exp of one float32 (exp(−Inf) = 0).
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
