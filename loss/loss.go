// Package loss holds the training losses the model packages share. Each
// function takes a batch of rows (one row per time step or per example),
// returns the summed loss in float64, and writes the gradient of that sum
// with respect to its first input into grad, so a model's Backward can
// start from it.
//
// The classification losses take logits (the head's output before the
// activation) and fuse the activation into the loss, which is both
// cheaper and numerically safer than differentiating softmax or sigmoid
// separately: the gradient with respect to the logits is simply
// prediction − target.
package loss

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

func check(fn string, grad, x, y kernel.Matrix) {
	if !x.Valid() || !y.Valid() || !grad.Valid() {
		panic(fmt.Sprintf("loss.%s: malformed matrix", fn))
	}
	if x.Rows != y.Rows || x.Cols != y.Cols {
		panic(fmt.Sprintf("loss.%s: input is %d×%d but target is %d×%d", fn, x.Rows, x.Cols, y.Rows, y.Cols))
	}
	if grad.Rows != x.Rows || grad.Cols != x.Cols {
		panic(fmt.Sprintf("loss.%s: grad is %d×%d but input is %d×%d", fn, grad.Rows, grad.Cols, x.Rows, x.Cols))
	}
}

// SoftmaxCrossEntropy returns Σ_rows −Σ_i y_i·log softmax(logits)_i and
// writes ∂loss/∂logits = softmax(logits)·Σy − y into grad (softmax − y
// for one-hot or probability targets). Rows whose target is all zero
// contribute nothing (use them for time steps without a label). grad may
// be logits itself.
func SoftmaxCrossEntropy(grad, logits, target kernel.Matrix) float64 {
	check("SoftmaxCrossEntropy", grad, logits, target)
	var total float64
	for r := 0; r < logits.Rows; r++ {
		x, y, g := logits.Row(r), target.Row(r), grad.Row(r)
		var sy float64
		for _, v := range y {
			sy += float64(v)
		}
		if sy == 0 {
			clear(g)
			continue
		}
		lse := logSumExp(x)
		for i := range x {
			lp := float64(x[i]) - lse
			if y[i] != 0 {
				total -= float64(y[i]) * lp
			}
			g[i] = float32(math.Exp(lp)*sy - float64(y[i]))
		}
	}
	return total
}

// SoftmaxCrossEntropyLabels is SoftmaxCrossEntropy with integer class
// labels, one per row; a label of −1 skips that row (zero gradient).
// It panics on a label outside [−1, logits.Cols).
func SoftmaxCrossEntropyLabels(grad, logits kernel.Matrix, labels []int) float64 {
	if len(labels) != logits.Rows || grad.Rows != logits.Rows || grad.Cols != logits.Cols {
		panic(fmt.Sprintf("loss.SoftmaxCrossEntropyLabels: logits %d×%d, grad %d×%d, %d labels",
			logits.Rows, logits.Cols, grad.Rows, grad.Cols, len(labels)))
	}
	var total float64
	for r, c := range labels {
		x, g := logits.Row(r), grad.Row(r)
		if c == -1 {
			clear(g)
			continue
		}
		if c < -1 || c >= len(x) {
			panic(fmt.Sprintf("loss.SoftmaxCrossEntropyLabels: label %d out of range [0,%d) at row %d", c, len(x), r))
		}
		lse := logSumExp(x)
		total += lse - float64(x[c])
		for i := range x {
			g[i] = float32(math.Exp(float64(x[i]) - lse))
		}
		g[c]--
	}
	return total
}

// SigmoidBCE returns the binary cross-entropy of sigmoid(logits) against
// targets in [0,1], Σ −y·log σ(x) − (1−y)·log(1−σ(x)), computed in the
// overflow-free form max(x,0) − x·y + log(1+e^−|x|), and writes
// ∂loss/∂logits = σ(x) − y into grad. grad may be logits itself.
func SigmoidBCE(grad, logits, target kernel.Matrix) float64 {
	check("SigmoidBCE", grad, logits, target)
	var total float64
	for r := 0; r < logits.Rows; r++ {
		x, y, g := logits.Row(r), target.Row(r), grad.Row(r)
		for i := range x {
			xv, yv := float64(x[i]), float64(y[i])
			total += math.Max(xv, 0) - xv*yv + math.Log1p(math.Exp(-math.Abs(xv)))
			g[i] = float32(sigmoid(xv) - yv)
		}
	}
	return total
}

// MSE returns ½·Σ (out − target)² and writes out − target into grad.
// grad may be out itself.
func MSE(grad, out, target kernel.Matrix) float64 {
	check("MSE", grad, out, target)
	var total float64
	for r := 0; r < out.Rows; r++ {
		x, y, g := out.Row(r), target.Row(r), grad.Row(r)
		for i := range x {
			d := float64(x[i]) - float64(y[i])
			total += 0.5 * d * d
			g[i] = float32(d)
		}
	}
	return total
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logSumExp returns log Σ e^x in float64, shifted by the maximum.
func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
