package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// Scores computes dst[i] = scale·(q·k_i) for every row k_i of keys. The
// scale is applied as given (pass 1 for raw dot products, or
// 1/√len(q) for the usual scaling). It panics with an error wrapping
// ErrShape if len(q) != keys.Cols or len(dst) != keys.Rows.
func Scores(dst, q []float32, keys kernel.Matrix, scale float32) {
	if !keys.Valid() {
		panic(shapeErr("Scores", "malformed keys %d×%d stride %d len(data)=%d", keys.Rows, keys.Cols, keys.Stride, len(keys.Data)))
	}
	if len(q) != keys.Cols || len(dst) != keys.Rows {
		panic(shapeErr("Scores", "len(q)=%d, keys %d×%d, len(dst)=%d", len(q), keys.Rows, keys.Cols, len(dst)))
	}
	kernel.Gemv(dst, keys, q)
	if scale != 1 {
		kernel.Scale(scale, dst)
	}
}

// checkSingle validates one query against keys and values.
func checkSingle(fn string, dst, q []float32, keys, values kernel.Matrix) error {
	if !keys.Valid() {
		return shapeErr(fn, "malformed keys %d×%d stride %d len(data)=%d", keys.Rows, keys.Cols, keys.Stride, len(keys.Data))
	}
	if !values.Valid() {
		return shapeErr(fn, "malformed values %d×%d stride %d len(data)=%d", values.Rows, values.Cols, values.Stride, len(values.Data))
	}
	if len(q) != keys.Cols {
		return shapeErr(fn, "len(q)=%d != keys.Cols=%d", len(q), keys.Cols)
	}
	if values.Rows != keys.Rows {
		return shapeErr(fn, "values.Rows=%d != keys.Rows=%d", values.Rows, keys.Rows)
	}
	if len(dst) != values.Cols {
		return shapeErr(fn, "len(dst)=%d != values.Cols=%d", len(dst), values.Cols)
	}
	return nil
}

// softWeights writes the attention weights softmax(c·q·K + masks) of one
// query to w (len keys.Rows) and returns how many leading keys may carry
// weight (the rest are exactly 0).
func softWeights(w, q []float32, keys kernel.Matrix, opt *Options) int {
	n := keys.Rows
	end := opt.keyEnd(0, 1, n)
	if end < n {
		clear(w[end:])
	}
	s := w[:end]
	if end == 0 {
		return 0
	}
	kernel.Gemv(s, keys.Slice(0, end, 0, keys.Cols), q)
	finishWeights(s, len(q), n, opt)
	return end
}

// finishWeights turns the raw scores s (of the first len(s) of n keys, for
// a query of d elements) into softWeights' weights: scaled, masked,
// softmax.
func finishWeights(s []float32, d, n int, opt *Options) {
	if c := opt.effScale(d); c != 1 {
		kernel.Scale(c, s)
	}
	if opt.hasMask() {
		opt.applyMask(s, 0, 0, n)
	}
	softmaxInPlace(s)
}

// Soft computes soft attention of one query: dst = Σ_i w_i·v_i with
// w = softmax(c·q·k_i + masks), c the effective scale of opt. The weights
// are written to weights (len keys.Rows) for inspection or for
// SoftBackward; pass nil if they are not needed (a pooled buffer is used).
//
// len(q) must equal keys.Cols, values.Rows keys.Rows, and len(dst)
// values.Cols; otherwise Soft returns an error wrapping ErrShape. If every
// key is masked, dst and the weights are zero.
func Soft(dst, weights, q []float32, keys, values kernel.Matrix, opt Options) error {
	if err := checkSingle("Soft", dst, q, keys, values); err != nil {
		return err
	}
	if err := opt.check("Soft", 1, keys.Rows); err != nil {
		return err
	}
	if weights == nil {
		sc := scratch.Get(keys.Rows)
		defer scratch.Put(sc)
		weights = sc.Data
	} else if len(weights) != keys.Rows {
		return shapeErr("Soft", "len(weights)=%d != keys.Rows=%d", len(weights), keys.Rows)
	}
	end := softWeights(weights, q, keys, &opt)
	if end == 0 || values.Cols == 0 {
		clear(dst)
		return nil
	}
	kernel.GemvT(dst, values.Slice(0, end, 0, values.Cols), weights[:end])
	return nil
}

// hardIndex returns argmax of the masked scores of one query (first
// maximum on ties, first NaN if any score is NaN), or -1 if every key is
// masked.
func hardIndex(q []float32, keys kernel.Matrix, opt *Options) int {
	n := keys.Rows
	end := opt.keyEnd(0, 1, n)
	if end == 0 {
		return -1
	}
	sc := scratch.Get(end)
	defer scratch.Put(sc)
	s := sc.Data
	kernel.Gemv(s, keys.Slice(0, end, 0, keys.Cols), q)
	if opt.Mask != nil {
		// An additive mask competes with the scores, so they must carry
		// their scale; otherwise a positive scale cannot change the argmax.
		kernel.Scale(opt.effScale(len(q)), s)
	}
	if opt.hasMask() {
		opt.applyMask(s, 0, 0, n)
	}
	i := kernel.Argmax(s)
	if s[i] == negInf {
		return -1
	}
	return i
}

// Hard computes hard attention of one query: it copies the value row v_j
// with j = argmax_i (c·q·k_i + masks) to dst and returns j. Ties go to the
// first maximum; a NaN score wins (so NaN inputs are visible). If every key
// is masked (or there are none), dst is zeroed and index is -1.
//
// Hard attention is not differentiable: its gradient with respect to the
// scores is zero almost everywhere. HardBackward passes that zero, or the
// straight-through estimate on request; GumbelSoft is the sampled, smooth
// alternative. Shapes are checked as in Soft.
func Hard(dst, q []float32, keys, values kernel.Matrix, opt Options) (index int, err error) {
	if err := checkSingle("Hard", dst, q, keys, values); err != nil {
		return -1, err
	}
	if err := opt.check("Hard", 1, keys.Rows); err != nil {
		return -1, err
	}
	j := hardIndex(q, keys, &opt)
	if j < 0 {
		clear(dst)
		return -1, nil
	}
	copy(dst, values.Row(j))
	return j, nil
}
