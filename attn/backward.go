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
	if dq != nil && len(dq) != len(q) {
		return shapeErr(fn, "len(dq)=%d != len(q)=%d", len(dq), len(q))
	}
	if err := checkGradMatrix(fn, "dK", dK, keys); err != nil {
		return err
	}
	if err := checkGradMatrix(fn, "dV", dV, values); err != nil {
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
	if dq != nil && len(dq) != len(q) {
		return shapeErr(fn, "len(dq)=%d != len(q)=%d", len(dq), len(q))
	}
	if err := checkGradMatrix(fn, "dK", dK, keys); err != nil {
		return err
	}
	if err := checkGradMatrix(fn, "dV", dV, values); err != nil {
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

// SelfAttentionBackward adds the gradients of SelfAttention (with the same
// options) with respect to q, k and v to dq, dk and dv, given dOut, the
// gradient with respect to its dst. It recomputes the attention weights a
// block of query rows at a time, so it holds a few rows×Tk scores, never
// Tq×Tk, and with Causal skips the keys above the diagonal:
//
//	P = softmax(c·Q·Kᵀ + masks),  dP = dOut·Vᵀ,  dS = P∘(dP − rowsum(P∘dP))
//	dV += Pᵀ·dOut,  dQ += c·dS·K,  dK += c·dSᵀ·Q
func SelfAttentionBackward(dq, dk, dv, dOut, q, k, v kernel.Matrix, opt Options) error {
	const fn = "SelfAttentionBackward"
	if err := checkSeq(fn, dOut, q, k, v); err != nil {
		return err
	}
	if err := opt.check(fn, q.Rows, k.Rows); err != nil {
		return err
	}
	for _, g := range []struct {
		name    string
		g, like kernel.Matrix
	}{{"dq", dq, q}, {"dk", dk, k}, {"dv", dv, v}} {
		if skip(g.g) && g.like.Rows*g.like.Cols > 0 {
			return shapeErr(fn, "%s is required", g.name)
		}
		if err := checkGradMatrix(fn, g.name, g.g, g.like); err != nil {
			return err
		}
	}
	tq, tk := q.Rows, k.Rows
	if tq == 0 || tk == 0 {
		return nil
	}
	c := opt.effScale(q.Cols)
	bq := max(1, min(tq, backwardRows))
	sc := scratch.Get(2 * bq * tk)
	defer scratch.Put(sc)
	for r0 := 0; r0 < tq; r0 += bq {
		r1 := min(r0+bq, tq)
		nr := r1 - r0
		kEnd := opt.keyEnd(r1-1, tq, tk)
		if kEnd == 0 {
			continue
		}
		p := kernel.Matrix{Rows: nr, Cols: kEnd, Stride: kEnd, Data: sc.Data[:nr*kEnd]}
		dp := kernel.Matrix{Rows: nr, Cols: kEnd, Stride: kEnd, Data: sc.Data[bq*tk : bq*tk+nr*kEnd]}
		qb := q.Slice(r0, r1, 0, q.Cols)
		dob := dOut.Slice(r0, r1, 0, dOut.Cols)
		kk := k.Slice(0, kEnd, 0, k.Cols)
		vv := v.Slice(0, kEnd, 0, v.Cols)
		kernel.Gemm(kernel.NoTrans, kernel.Trans, c, qb, kk, 0, p)
		for i := range nr {
			row := p.Row(i)
			end := opt.keyEnd(r0+i, tq, tk)
			if opt.hasMask() {
				opt.applyMask(row[:end], r0+i, 0, tk)
			}
			softmaxInPlace(row[:end])
			clear(row[end:])
		}
		kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, dob, vv, 0, dp)
		kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, p, dob, 1, dv.Slice(0, kEnd, 0, dv.Cols))
		for i := range nr {
			pr, dr := p.Row(i), dp.Row(i)
			d := kernel.Dot(pr, dr)
			addScalar(dr, -d)
			kernel.Mul(dr, dr, pr)
		}
		if q.Cols > 0 {
			kernel.Gemm(kernel.NoTrans, kernel.NoTrans, c, dp, kk, 1, dq.Slice(r0, r1, 0, dq.Cols))
			kernel.Gemm(kernel.Trans, kernel.NoTrans, c, dp, qb, 1, dk.Slice(0, kEnd, 0, dk.Cols))
		}
	}
	return nil
}

// MultiHeadGrads accumulates the parameter gradients of a MultiHead, with
// the same shapes (nil bias gradients when the model has no biases).
type MultiHeadGrads struct {
	InProj  kernel.Matrix
	InBias  []float32
	OutProj kernel.Matrix
	OutBias []float32
}

// NewGrads returns zero gradients shaped like m's parameters.
func (m *MultiHead) NewGrads() *MultiHeadGrads {
	g := &MultiHeadGrads{
		InProj:  kernel.NewMatrix(m.InProj.Rows, m.InProj.Cols),
		OutProj: kernel.NewMatrix(m.OutProj.Rows, m.OutProj.Cols),
	}
	if m.InBias != nil {
		g.InBias = make([]float32, len(m.InBias))
	}
	if m.OutBias != nil {
		g.OutBias = make([]float32, len(m.OutBias))
	}
	return g
}

// Zero clears the gradients.
func (g *MultiHeadGrads) Zero() {
	clearRows(g.InProj)
	clearRows(g.OutProj)
	clear(g.InBias)
	clear(g.OutBias)
}

// Backward adds to g the gradients of Forward(·, x, opt) with respect to
// every projection and bias, and to dx (T×d_model, skipped if its Data is
// nil) the gradient with respect to x, given dy, the gradient with respect
// to Forward's output. It recomputes the forward activations (projections
// and attention) rather than storing them.
func (m *MultiHead) Backward(g *MultiHeadGrads, dx, dy, x kernel.Matrix, opt Options) error {
	const fn = "MultiHead.Backward"
	if err := m.check(fn); err != nil {
		return err
	}
	e, t := m.DModel, x.Rows
	if !x.Valid() || x.Cols != e {
		return shapeErr(fn, "x is %d×%d, want T×%d", x.Rows, x.Cols, e)
	}
	if !dy.Valid() || dy.Rows != t || dy.Cols != e {
		return shapeErr(fn, "dy is %d×%d, want %d×%d", dy.Rows, dy.Cols, t, e)
	}
	if err := checkGradMatrix(fn, "dx", dx, x); err != nil {
		return err
	}
	if g == nil || g.InProj.Rows != 3*e || g.InProj.Cols != e || g.OutProj.Rows != e || g.OutProj.Cols != e ||
		(m.InBias != nil) != (g.InBias != nil) || (m.OutBias != nil) != (g.OutBias != nil) {
		return shapeErr(fn, "gradients are not shaped like the model (use NewGrads)")
	}
	if err := opt.check(fn, t, t); err != nil {
		return err
	}
	if t == 0 {
		return nil
	}
	qkv := kernel.NewMatrix(t, 3*e)
	project(qkv, x, m.InProj, m.InBias)
	ctx := kernel.NewMatrix(t, e)
	dh := m.DHead()
	head := func(a kernel.Matrix, part, h int) kernel.Matrix {
		return a.Slice(0, t, part*e+h*dh, part*e+(h+1)*dh)
	}
	work := t * t * dh
	// Heads run in parallel on contiguous buffers, copied into their
	// column windows after: Gemm reports its whole output span to the race
	// detector, so interleaved windows written concurrently would look
	// like a race (see forward).
	err := forHeads(m.Heads, work, func(h int, parallel bool) error {
		if !parallel {
			return SelfAttention(head(ctx, 0, h), head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt)
		}
		sc := scratch.Get(t * dh)
		defer scratch.Put(sc)
		tmp := kernel.MatrixFrom(t, dh, sc.Data)
		if err := SelfAttention(tmp, head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt); err != nil {
			return err
		}
		copyInto(head(ctx, 0, h), tmp)
		return nil
	})
	if err != nil {
		return err
	}
	// Output projection: y = ctx·Woᵀ + bo.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dy, ctx, 1, g.OutProj)
	if g.OutBias != nil {
		for i := 0; i < t; i++ {
			kernel.Add(g.OutBias, g.OutBias, dy.Row(i))
		}
	}
	dctx := kernel.NewMatrix(t, e)
	kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dy, m.OutProj, 0, dctx)
	// Attention, head by head, into the gradient of qkv.
	dqkv := kernel.NewMatrix(t, 3*e)
	err = forHeads(m.Heads, work, func(h int, parallel bool) error {
		if !parallel {
			return SelfAttentionBackward(head(dqkv, 0, h), head(dqkv, 1, h), head(dqkv, 2, h), head(dctx, 0, h),
				head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt)
		}
		sc := scratch.Get(3 * t * dh)
		defer scratch.Put(sc)
		clear(sc.Data) // the backward accumulates
		d := [3]kernel.Matrix{}
		for p := range d {
			d[p] = kernel.MatrixFrom(t, dh, sc.Data[p*t*dh:(p+1)*t*dh])
		}
		if err := SelfAttentionBackward(d[0], d[1], d[2], head(dctx, 0, h),
			head(qkv, 0, h), head(qkv, 1, h), head(qkv, 2, h), opt); err != nil {
			return err
		}
		for p := range d {
			copyInto(head(dqkv, p, h), d[p]) // dqkv starts at zero
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Input projection: qkv = x·Winᵀ + b.
	kernel.Gemm(kernel.Trans, kernel.NoTrans, 1, dqkv, x, 1, g.InProj)
	if g.InBias != nil {
		for i := 0; i < t; i++ {
			kernel.Add(g.InBias, g.InBias, dqkv.Row(i))
		}
	}
	if !skip(dx) {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, dqkv, m.InProj, 1, dx)
	}
	return nil
}

// copyInto copies src into dst row by row (same shape).
func copyInto(dst, src kernel.Matrix) {
	for i := 0; i < src.Rows; i++ {
		copy(dst.Row(i), src.Row(i))
	}
}
