package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the gradient of SelfAttention.

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
