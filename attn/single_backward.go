package attn

import (
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// Gradients. Every backward function ADDS its gradients into the
// destinations it is given (dq, dK, dV, dx, and the MultiHeadGrads), so
// they can be summed over steps or over a batch; clear them first for a
// single gradient. A destination whose Data is nil (or a nil slice) is
// skipped. Additive masks are constants and get no gradient.

// skip reports whether a gradient destination was left out.
func skip(m kernel.Matrix) bool { return m.Data == nil }

func checkGradMatrix(fn, name string, g, like kernel.Matrix) error {
	if skip(g) {
		return nil
	}
	if !g.Valid() || g.Rows != like.Rows || g.Cols != like.Cols {
		return shapeErr(fn, "%s is %d×%d, want %d×%d", name, g.Rows, g.Cols, like.Rows, like.Cols)
	}
	return nil
}

// checkSingleGrads checks the gradient destinations of a single query's
// backward against the query, keys and values.
func checkSingleGrads(fn string, dq, q []float32, dK, dV, keys, values kernel.Matrix) error {
	if dq != nil && len(dq) != len(q) {
		return shapeErr(fn, "len(dq)=%d != len(q)=%d", len(dq), len(q))
	}
	if err := checkGradMatrix(fn, "dK", dK, keys); err != nil {
		return err
	}
	if err := checkGradMatrix(fn, "dV", dV, values); err != nil {
		return err
	}
	return nil
}

// SoftBackward adds the gradients of soft attention of one query (Soft
// with the same options) to dq (len(q)), dK (shaped as keys) and dV
// (shaped as values), given dOut, the gradient of the loss with respect to
// Soft's dst, and the weights Soft returned:
//
//	dV_j += w_j·dOut
//	ds_j  = w_j·(dOut·v_j − Σ_i w_i·dOut·v_i)      (softmax Jacobian)
//	dq   += c·Σ_j ds_j·k_j,   dK_j += c·ds_j·q      (c the effective scale)
//
// The same call differentiates GumbelSoft's soft sample, given the
// weights it returned: the Gumbel noise is a constant of the backward pass.
func SoftBackward(dq []float32, dK, dV kernel.Matrix, dOut, q []float32, keys, values kernel.Matrix, weights []float32, opt Options) error {
	const fn = "SoftBackward"
	if err := checkSingle(fn, dOut, q, keys, values); err != nil {
		return err
	}
	if err := opt.check(fn, 1, keys.Rows); err != nil {
		return err
	}
	if len(weights) != keys.Rows {
		return shapeErr(fn, "len(weights)=%d != keys.Rows=%d", len(weights), keys.Rows)
	}
	if err := checkSingleGrads(fn, dq, q, dK, dV, keys, values); err != nil {
		return err
	}
	if !skip(dV) {
		for j, w := range weights {
			if w != 0 {
				kernel.Axpy(w, dOut, dV.Row(j))
			}
		}
	}
	scoresBackward(dq, dK, dOut, q, keys, values, weights, opt.effScale(len(q)))
	return nil
}

// scoresBackward adds the gradients that flow through the softmax weights
// w of one query into dq and dK.
func scoresBackward(dq []float32, dK kernel.Matrix, dOut, q []float32, keys, values kernel.Matrix, w []float32, c float32) {
	if dq == nil && skip(dK) || keys.Rows == 0 {
		return
	}
	n := keys.Rows
	sc := scratch.Get(n + len(q))
	defer scratch.Put(sc)
	g, tmp := sc.Data[:n], sc.Data[n:]
	kernel.Gemv(g, values, dOut) // dw_j = v_j·dOut
	d := kernel.Dot(w, g)
	addScalar(g, -d)
	kernel.Mul(g, g, w)
	kernel.Scale(c, g) // c·ds
	if dq != nil && len(q) > 0 {
		kernel.GemvT(tmp, keys, g)
		kernel.Add(dq, dq, tmp)
	}
	if !skip(dK) {
		for j, gj := range g {
			if gj != 0 {
				kernel.Axpy(gj, q, dK.Row(j))
			}
		}
	}
}

// Estimator selects the gradient HardBackward passes to the scores.
type Estimator int

const (
	// ZeroGradient is hard attention's true gradient: the argmax is
	// piecewise constant, so the scores (and through them q and the keys)
	// get zero almost everywhere. Only the chosen value row gets dOut.
	ZeroGradient Estimator = iota
	// StraightThrough keeps the hard choice in the forward pass but
	// differentiates the scores as if the one-hot weights were the softmax
	// weights (the straight-through estimator): y = onehot − sg(w) + w.
	StraightThrough
)

// HardBackward adds the gradients of hard attention of one query (Hard
// with the same options, which returned index) to dq, dK and dV. The value
// row that was chosen gets dV_index += dOut in every case. With
// ZeroGradient nothing reaches q or the keys (documented: the argmax has
// no useful gradient). With StraightThrough, the scores get the softmax
// Jacobian at weights, applied to dOut·v_j; weights are the softmax
// weights of the same scores (Soft's, or GumbelSoft's for the
// straight-through Gumbel estimator), or nil to recompute Soft's.
func HardBackward(dq []float32, dK, dV kernel.Matrix, dOut []float32, index int, q []float32, keys, values kernel.Matrix, weights []float32, opt Options, est Estimator) error {
	const fn = "HardBackward"
	if err := checkSingle(fn, dOut, q, keys, values); err != nil {
		return err
	}
	if err := opt.check(fn, 1, keys.Rows); err != nil {
		return err
	}
	if index < -1 || index >= keys.Rows {
		return shapeErr(fn, "index=%d out of range [-1,%d)", index, keys.Rows)
	}
	if err := checkSingleGrads(fn, dq, q, dK, dV, keys, values); err != nil {
		return err
	}
	if index >= 0 && !skip(dV) {
		kernel.Add(dV.Row(index), dV.Row(index), dOut)
	}
	switch est {
	case ZeroGradient:
		return nil
	case StraightThrough:
	default:
		return shapeErr(fn, "unknown estimator %d", est)
	}
	if weights == nil {
		sc := scratch.Get(keys.Rows)
		defer scratch.Put(sc)
		weights = sc.Data
		softWeights(weights, q, keys, &opt)
	} else if len(weights) != keys.Rows {
		return shapeErr(fn, "len(weights)=%d != keys.Rows=%d", len(weights), keys.Rows)
	}
	scoresBackward(dq, dK, dOut, q, keys, values, weights, opt.effScale(len(q)))
	return nil
}

// GumbelSoft draws a Gumbel-softmax sample of the attention weights of
// one query: w = softmax(c·q·k_j + masks + g_j/τ), with g_j = −log(−log u_j)
// for u_j uniform from r (so a seeded r gives a reproducible sample), c
// the effective scale of opt and τ its Temperature (0 means 1). It writes
// w to weights (len keys.Rows, required) and returns index = argmax w.
//
// With hard unset, dst = Σ_j w_j·v_j and SoftBackward with the same
// weights differentiates it. With hard set, dst = v_index (the sample is
// one-hot in the forward pass) and HardBackward with StraightThrough and
// the same weights gives the straight-through Gumbel estimator. As τ → 0
// the soft sample tends to the hard one. Masked keys get weight 0; if every
// key is masked, dst is zero and index -1.
func GumbelSoft(dst, weights, q []float32, keys, values kernel.Matrix, opt Options, r *rand.Rand, hard bool) (index int, err error) {
	const fn = "GumbelSoft"
	if err := checkSingle(fn, dst, q, keys, values); err != nil {
		return -1, err
	}
	if err := opt.check(fn, 1, keys.Rows); err != nil {
		return -1, err
	}
	if len(weights) != keys.Rows {
		return -1, shapeErr(fn, "len(weights)=%d != keys.Rows=%d", len(weights), keys.Rows)
	}
	n := keys.Rows
	end := opt.keyEnd(0, 1, n)
	clear(weights[end:])
	s := weights[:end]
	if end > 0 {
		kernel.Gemv(s, keys.Slice(0, end, 0, keys.Cols), q)
		kernel.Scale(opt.effScale(len(q)), s)
		if opt.hasMask() {
			opt.applyMask(s, 0, 0, n)
		}
		tau := float64(opt.Temperature)
		if tau == 0 {
			tau = 1
		}
		for j := range s {
			u := r.Float64()
			for u == 0 {
				u = r.Float64()
			}
			s[j] += float32(-math.Log(-math.Log(u)) / tau)
		}
		softmaxInPlace(s)
	}
	index = -1
	if end > 0 {
		index = kernel.Argmax(s)
		if s[index] == 0 {
			index = -1 // every key masked
		}
	}
	switch {
	case index < 0 || values.Cols == 0:
		clear(dst)
	case hard:
		copy(dst, values.Row(index))
	default:
		kernel.GemvT(dst, values.Slice(0, end, 0, values.Cols), s)
	}
	return index, nil
}

// backwardRows is the query block of SelfAttentionBackward, which holds
// two backwardRows×Tk blocks of scores.
var backwardRows = 64
