package loss

import (
	"math"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// Each loss's gradient against central differences of the loss itself
// (in float64 by perturbing a float32 copy with a coarse step).
func TestGradients(t *testing.T) {
	x := kernel.MatrixFrom(2, 3, []float32{0.5, -1, 2, 30, -30, 0})
	soft := kernel.MatrixFrom(2, 3, []float32{0, 0, 1, 0.25, 0.75, 0})
	bin := kernel.MatrixFrom(2, 3, []float32{1, 0, 1, 0, 1, 0.5})
	for _, tc := range []struct {
		name string
		f    func(g, x kernel.Matrix) float64
	}{
		{"softmax-ce", func(g, x kernel.Matrix) float64 { return SoftmaxCrossEntropy(g, x, soft) }},
		{"labels", func(g, x kernel.Matrix) float64 { return SoftmaxCrossEntropyLabels(g, x, []int{2, 0}) }},
		{"bce", func(g, x kernel.Matrix) float64 { return SigmoidBCE(g, x, bin) }},
		{"mse", func(g, x kernel.Matrix) float64 { return MSE(g, x, bin) }},
	} {
		g := kernel.NewMatrix(2, 3)
		tc.f(g, x)
		scratch := kernel.NewMatrix(2, 3)
		for i := range x.Data {
			old := x.Data[i]
			const h = 1e-2
			x.Data[i] = old + h
			jp := tc.f(scratch, x)
			x.Data[i] = old - h
			jm := tc.f(scratch, x)
			x.Data[i] = old
			require.InDelta(t, (jp-jm)/(2*h), g.Data[i], 2e-3, "%s[%d]", tc.name, i)
		}
	}
}

func TestValues(t *testing.T) {
	x := kernel.MatrixFrom(1, 2, []float32{0, 0})
	g := kernel.NewMatrix(1, 2)
	require.InDelta(t, math.Ln2, SoftmaxCrossEntropyLabels(g, x, []int{1}), 1e-12)
	require.Equal(t, []float32{0.5, -0.5}, g.Data)
	require.InDelta(t, 2*math.Ln2, SigmoidBCE(g, x, kernel.MatrixFrom(1, 2, []float32{1, 0})), 1e-12)
	// Extreme logits stay finite.
	big := kernel.MatrixFrom(1, 2, []float32{1e4, -1e4})
	require.InDelta(t, 2e4, SigmoidBCE(g, big, kernel.MatrixFrom(1, 2, []float32{0, 1})), 1e-6)
	require.InDelta(t, 2e4, SoftmaxCrossEntropyLabels(g, big, []int{1}), 1e-6)
	// Label −1 and all-zero target rows are skipped.
	require.Zero(t, SoftmaxCrossEntropyLabels(g, x, []int{-1}))
	require.Equal(t, []float32{0, 0}, g.Data)
	require.Zero(t, SoftmaxCrossEntropy(g, x, kernel.NewMatrix(1, 2)))
	require.Panics(t, func() { SoftmaxCrossEntropyLabels(g, x, []int{2}) })
	require.Panics(t, func() { MSE(g, x, kernel.NewMatrix(2, 2)) })
}
