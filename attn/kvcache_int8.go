package attn

import (
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// This file holds the int8 KVCache (NewKVCacheInt8) and its attention.

// kvInt8 is an int8 cache's storage: every cached key and value row (one
// token of one key/value head, d_head wide) quantized on its own, as
// kernel.QVector quantizes a vector (symmetric, scale max|row|/127, round
// half to even). Keys are kept row by row, padded to 64 bytes, so that a
// head's keys are a kernel.QMatrix and its scores two kernel.QGemv (the query and its remainder);
// values are kept transposed (one row per d_head column, one byte per
// token), so that each output element is one kernel.DotInt8 of a column
// with the attention weights (times the values' scales) quantized.
type kvInt8 struct {
	kStride int       // bytes per key row: d_head padded to 64
	vStride int       // bytes per transposed value row: the capacity
	k       []int8    // heads×capacity×kStride
	kScale  []float32 // heads×capacity
	kSum    []int32   // heads×capacity: Σ of each key row (kernel.QMatrix.RowSums)
	vT      []int8    // heads×d_head×vStride
	vScale  []float32 // heads×capacity
	row     kernel.QVector
	q       [2]kernel.QVector // a query head, quantized, and its remainder
	p       kernel.QVector    // the attention weights times the values' scales, quantized
	pw      []float32         // capacity: the same in float32
}

// NewKVCacheInt8 returns an empty cache for model m, as NewKVCache, whose
// keys and values are int8: each row (one token of one key/value head)
// quantized on its own with a float32 scale, as kernel.QVector does, so
// the cache takes about a quarter of a float32 cache's memory and of the
// bytes that Decode streams over it. Decode then computes the scores as
// two kernel.QGemv of the int8 keys, with the query head quantized and
// with what that leaves of it (kernel.QVector.QuantizeRemainder), and the
// output as kernel.DotInt8 of the attention weights (times the values'
// scales, quantized per head, in blocks of at most kernel.MaxQCols tokens)
// with each column of the int8 values; Prefill
// attends over the cache's values dequantized. ACCURACY.md states the
// accuracy. Keys and Values, which return float32 views, panic on it, and
// Decode stays on the calling goroutine whatever kernel.Threads is.
func NewKVCacheInt8(m *MultiHead, capacity int) (*KVCache, error) {
	if err := m.check("NewKVCacheInt8"); err != nil {
		return nil, err
	}
	dh, heads := m.DHead(), m.NumKVHeads()
	ks := (dh + 63) &^ 63
	if capacity < 0 || capacity > math.MaxInt/4/(heads*ks+m.kvWidth()) {
		return nil, shapeErr("NewKVCacheInt8", "capacity=%d (KVHeads·d_head=%d): negative, or the cache's size overflows int", capacity, m.kvWidth())
	}
	return &KVCache{
		heads: heads, qHeads: m.Heads, dHead: dh, capacity: capacity,
		qkv: make([]float32, m.DModel+2*m.kvWidth()),
		ctx: make([]float32, m.DModel),
		w:   make([]float32, capacity),
		rot: make([]float32, dh),
		qx:  qActivations(m.DModel),
		q8: &kvInt8{
			kStride: ks, vStride: capacity,
			k: make([]int8, heads*capacity*ks), kScale: make([]float32, heads*capacity), kSum: make([]int32, heads*capacity),
			vT: make([]int8, heads*dh*capacity), vScale: make([]float32, heads*capacity),
			pw: make([]float32, capacity),
			// The quantized vectors at their largest, so that no Decode allocates.
			row: kernel.QVector{Data: make([]int8, ks)},
			q:   qActivations(dh),
			p:   kernel.QVector{Data: make([]int8, (capacity+63)&^63)},
		},
	}, nil
}

// Int8 reports whether the cache holds int8 keys and values
// (NewKVCacheInt8).
func (c *KVCache) Int8() bool { return c.q8 != nil }

// putInt8 quantizes and stores key and value row i of head h at position
// pos.
func (c *KVCache) putInt8(h, pos int, key, value []float32) {
	q, o := c.q8, h*c.capacity+pos
	q.row.Quantize(key)
	krow := q.k[o*q.kStride:][:q.kStride]
	copy(krow, q.row.Data[:q.kStride])
	var sum int32
	for _, b := range krow[:c.dHead] {
		sum += int32(b)
	}
	q.kScale[o], q.kSum[o] = q.row.Scale, sum
	q.row.Quantize(value)
	q.vScale[o] = q.row.Scale
	col := q.vT[h*c.dHead*q.vStride+pos:]
	for j, b := range q.row.Data[:c.dHead] {
		col[j*q.vStride] = b
	}
}

// keysInt8 returns head h's first n keys as a kernel.QMatrix view.
func (c *KVCache) keysInt8(h, n int) *kernel.QMatrix {
	q, o := c.q8, h*c.capacity
	return &kernel.QMatrix{Rows: n, Cols: c.dHead, Stride: q.kStride,
		Data: q.k[o*q.kStride : (o+n)*q.kStride], Scales: q.kScale[o : o+n], RowSums: q.kSum[o : o+n]}
}

// attendInt8 computes query head h's attention (query q) against key/value
// head g of the int8 cache into out, as softWeights and GemvT do over a
// float cache.
func (c *KVCache) attendInt8(out, q []float32, g int, opt *Options) {
	q8, n := c.q8, c.n
	end := opt.keyEnd(0, 1, n)
	if end == 0 {
		clear(out)
		return
	}
	s := c.w[:end]
	keys := c.keysInt8(g, end)
	q8.q[0].Quantize(q)
	kernel.QGemv(s, keys, &q8.q[0])
	q8.q[1].QuantizeRemainder(q, &q8.q[0])
	kernel.QGemvAdd(s, keys, &q8.q[1])
	finishWeights(s, len(q), n, opt)
	pw := q8.pw[:end]
	kernel.Mul(pw, s, q8.vScale[g*c.capacity:][:end])
	// The weights are quantized in blocks of at most kernel.MaxQCols
	// tokens, each with its own scale (a QVector holds no more), and the
	// blocks' products added in float32; up to MaxQCols tokens that is
	// one block.
	base := q8.vT[g*c.dHead*q8.vStride:]
	for lo := 0; lo < end; lo += kernel.MaxQCols {
		hi := min(end, lo+kernel.MaxQCols)
		q8.p.Quantize(pw[lo:hi])
		px := q8.p.Data[:hi-lo]
		for j := range out {
			v := float32(kernel.DotInt8(px, base[j*q8.vStride+lo:][:hi-lo])) * q8.p.Scale
			if lo == 0 {
				out[j] = v
			} else {
				out[j] += v
			}
		}
	}
}

// dequantized returns the first n tokens' keys and values of every
// key/value head dequantized, as n×KVHeads·d_head matrices (head g in
// columns g·d_head onwards) in buf (len at least 2·n·KVHeads·d_head).
func (c *KVCache) dequantized(n int, buf []float32) (k, v kernel.Matrix) {
	q8, dh := c.q8, c.dHead
	kv := c.heads * dh
	k, v = kernel.MatrixFrom(n, kv, buf[:n*kv]), kernel.MatrixFrom(n, kv, buf[n*kv:2*n*kv])
	for g := range c.heads {
		for t := range n {
			o := g*c.capacity + t
			kr, vr := k.Row(t)[g*dh:(g+1)*dh], v.Row(t)[g*dh:(g+1)*dh]
			for j, b := range q8.k[o*q8.kStride:][:dh] {
				kr[j] = float32(b) * q8.kScale[o]
			}
			col := q8.vT[g*dh*q8.vStride+t:]
			for j := range vr {
				vr[j] = float32(col[j*q8.vStride]) * q8.vScale[o]
			}
		}
	}
	return k, v
}
