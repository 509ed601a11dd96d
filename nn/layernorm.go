package nn

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// LayerNorm is torch.nn.LayerNorm(Dim, eps=Eps, elementwise_affine) over
// the last dimension: each row x becomes (x − μ)/√(σ² + Eps)·γ + β, with
// μ the row's mean and σ² its biased variance (kernel.LayerNorm).
//
//	Weight ↔ weight (γ, Dim; nil for elementwise_affine=False)
//	Bias   ↔ bias   (β, Dim; nil for elementwise_affine=False or bias=False)
type LayerNorm struct {
	Dim          int
	Eps          float32
	Weight, Bias []float32
}

// NewLayerNorm returns torch's initial LayerNorm over dim features: γ = 1
// and β = 0 with affine, neither without. eps 0 is not replaced (use
// kernel.DefaultLayerNormEps, torch's 1e-5). It returns an error wrapping
// ErrConfig for a dim that is not positive or an eps that is negative,
// NaN or infinite.
func NewLayerNorm(dim int, eps float32, affine bool) (*LayerNorm, error) {
	if dim <= 0 || dim > maxWidth {
		return nil, fmt.Errorf("nn.NewLayerNorm: dim=%d, want 1…%d: %w", dim, maxWidth, ErrConfig)
	}
	if !(eps >= 0) || math.IsInf(float64(eps), 0) {
		return nil, fmt.Errorf("nn.NewLayerNorm: eps=%g: %w", eps, ErrConfig)
	}
	n := &LayerNorm{Dim: dim, Eps: eps}
	if affine {
		n.Weight, n.Bias = make([]float32, dim), make([]float32, dim)
		for i := range n.Weight {
			n.Weight[i] = 1
		}
	}
	return n, nil
}

func (n *LayerNorm) check(fn string) error {
	if n.Weight != nil && len(n.Weight) != n.Dim || n.Bias != nil && len(n.Bias) != n.Dim {
		return shapeErr(fn, "LayerNorm of %d features with len(Weight)=%d, len(Bias)=%d", n.Dim, len(n.Weight), len(n.Bias))
	}
	return nil
}

// Forward normalises every row of x (T×Dim) into dst (allocated if its
// Data is nil; dst may be x), which it returns. The special rows are
// kernel.LayerNorm's, as torch's: a constant row gives β, a row with NaN
// or ±Inf gives NaN.
func (n *LayerNorm) Forward(dst, x kernel.Matrix) (kernel.Matrix, error) {
	const fn = "LayerNorm.Forward"
	dst, err := prepare(fn, n.check(fn), dst, x, n.Dim, n.Dim)
	if err != nil {
		return dst, err
	}
	n.apply(dst, x)
	return dst, nil
}

// apply is Forward on checked shapes.
func (n *LayerNorm) apply(dst, x kernel.Matrix) {
	kernel.LayerNormRows(dst, x, n.Weight, n.Bias, n.Eps)
}
