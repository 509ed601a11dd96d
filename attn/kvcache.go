package attn

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds the KVCache that Prefill fills and Decode reads and
// appends to.

// KVCache holds the keys and values of the tokens a MultiHead has seen,
// for Decode: one set per key/value head (KVHeads of them, fewer than the
// query heads with grouped-query attention). Head g's keys are a
// Cap()×d_head matrix (of which the first Len() rows are in use), and so
// are its values; with Rotary, the keys are stored rotated. A cache
// belongs to one goroutine at a time; it also carries Decode's scratch,
// so decoding allocates nothing.
type KVCache struct {
	heads, qHeads, dHead, capacity, n int // heads: key/value heads
	k, v                              []float32
	qkv, ctx, w, rot                  []float32
	par                               decodeState       // flash-decoding scratch
	qx                                [2]kernel.QVector // a quantized model's activations and their remainder (Decode)
	q8                                *kvInt8           // the int8 keys and values of NewKVCacheInt8 (then k and v are nil)
}

// NewKVCache returns an empty cache for model m with room for capacity
// tokens (or a memory of capacity rows for SetMemory): 2·capacity·KVHeads·d_head float32 for the keys and values. A
// negative capacity, or one for which that size overflows an int, is an
// error wrapping ErrShape.
func NewKVCache(m *MultiHead, capacity int) (*KVCache, error) {
	if err := m.check("NewKVCache"); err != nil {
		return nil, err
	}
	kv := m.kvWidth()
	if capacity < 0 || capacity > math.MaxInt/2/kv {
		return nil, shapeErr("NewKVCache", "capacity=%d (KVHeads·d_head=%d): negative, or 2·capacity·KVHeads·d_head overflows int", capacity, kv)
	}
	dh := m.DHead()
	return &KVCache{
		heads: m.NumKVHeads(), qHeads: m.Heads, dHead: dh, capacity: capacity,
		k:   make([]float32, capacity*kv),
		v:   make([]float32, capacity*kv),
		qkv: make([]float32, m.DModel+2*kv),
		ctx: make([]float32, m.DModel),
		w:   make([]float32, capacity),
		rot: make([]float32, dh),    // Rotary's cos and sin of one position
		qx:  qActivations(m.DModel), // at its largest: no Decode allocates
	}, nil
}

// Len returns the number of cached tokens.
func (c *KVCache) Len() int { return c.n }

// Cap returns the number of tokens the cache can hold.
func (c *KVCache) Cap() int { return c.capacity }

// Reset empties the cache for a new sequence, keeping its memory.
func (c *KVCache) Reset() { c.n = 0 }

// Truncate drops every token after the first n (n ≤ Len()), for example
// to roll back rejected speculative tokens. It panics if n is out of
// range.
func (c *KVCache) Truncate(n int) {
	if n < 0 || n > c.n {
		panic(fmt.Sprintf("attn.KVCache.Truncate: %d out of range [0,%d]", n, c.n))
	}
	c.n = n
}

// Heads returns the number of key/value heads the cache holds.
func (c *KVCache) Heads() int { return c.heads }

// Keys returns key/value head h's cached keys, a Len()×d_head view (not a
// copy). It panics on an int8 cache (NewKVCacheInt8).
func (c *KVCache) Keys(h int) kernel.Matrix { return c.view(c.k, h) }

// Values returns key/value head h's cached values, a Len()×d_head view.
// It panics on an int8 cache (NewKVCacheInt8).
func (c *KVCache) Values(h int) kernel.Matrix { return c.view(c.v, h) }

func (c *KVCache) view(buf []float32, h int) kernel.Matrix {
	if uint(h) >= uint(c.heads) {
		panic(fmt.Sprintf("attn.KVCache: head %d out of range [0,%d)", h, c.heads))
	}
	if c.q8 != nil {
		panic("attn.KVCache: an int8 cache (NewKVCacheInt8) has no float32 keys or values to view")
	}
	return c.rows(buf, h, c.n)
}

// rows returns the first n rows of head h in buf as a matrix.
func (c *KVCache) rows(buf []float32, h, n int) kernel.Matrix {
	o := h * c.capacity * c.dHead
	return kernel.Matrix{Rows: n, Cols: c.dHead, Stride: c.dHead, Data: buf[o : o+n*c.dHead]}
}

func (c *KVCache) keyRow(h, i int) []float32 {
	o := (h*c.capacity + i) * c.dHead
	return c.k[o : o+c.dHead]
}

func (c *KVCache) valueRow(h, i int) []float32 {
	o := (h*c.capacity + i) * c.dHead
	return c.v[o : o+c.dHead]
}

// fits checks that the cache matches m and has room for t more tokens.
func (c *KVCache) fits(fn string, m *MultiHead, t int) error {
	if c.heads != m.NumKVHeads() || c.qHeads != m.Heads || c.dHead != m.DHead() {
		return shapeErr(fn, "cache has %d key/value heads of %d for %d query heads, model %d of %d for %d",
			c.heads, c.dHead, c.qHeads, m.NumKVHeads(), m.DHead(), m.Heads)
	}
	if c.n+t > c.capacity {
		return fmt.Errorf("attn.%s: %d cached + %d new tokens > capacity %d: %w", fn, c.n, t, c.capacity, ErrCacheFull)
	}
	return nil
}

// put stores t rows of keys and values for head h from position pos.
func (c *KVCache) put(h, pos int, k, v kernel.Matrix) {
	for i := 0; i < k.Rows; i++ {
		c.putRow(h, pos+i, k.Row(i), v.Row(i))
	}
}

// putRow stores one key and value row of head h at position pos
// (quantized in an int8 cache).
func (c *KVCache) putRow(h, pos int, key, value []float32) {
	if c.q8 != nil {
		c.putInt8(h, pos, key, value)
		return
	}
	copy(c.keyRow(h, pos), key)
	copy(c.valueRow(h, pos), value)
}

// source returns where attention over the first n cached tokens finds
// their keys and values: the cache itself (sc nil), or, for an int8
// cache, their dequantized copy in sc, lent by package scratch, which the
// caller gives back (scratch.Put) when done with src.
func (c *KVCache) source(n int) (src kvSource, sc *scratch.Buf) {
	if c.q8 == nil {
		return kvSource{cache: c, n: n}, nil
	}
	sc = scratch.Get(2 * n * c.heads * c.dHead)
	k, v := c.dequantized(n, sc.Data)
	return kvSource{k: k, v: v}, sc
}

// Grow makes room for capacity tokens in all, keeping the cached ones, so
// that a cache can start small and follow what a sequence actually uses
// (doubling, say) instead of being sized for the longest context up
// front. A capacity not above Cap() does nothing. It allocates the larger
// buffers and copies the cached tokens into them; the calls that follow
// allocate nothing again. A capacity for which the cache's size overflows
// an int is an error wrapping ErrShape, and the cache is left as it was.
func (c *KVCache) Grow(capacity int) error {
	if capacity <= c.capacity {
		return nil
	}
	kv := c.heads * c.dHead
	if c.q8 != nil {
		return c.growInt8(capacity)
	}
	if capacity > math.MaxInt/2/kv {
		return shapeErr("KVCache.Grow", "capacity=%d (KVHeads·d_head=%d): 2·capacity·KVHeads·d_head overflows int", capacity, kv)
	}
	k, v := make([]float32, capacity*kv), make([]float32, capacity*kv)
	n := c.n * c.dHead
	for h := range c.heads {
		src, dst := h*c.capacity*c.dHead, h*capacity*c.dHead
		copy(k[dst:dst+n], c.k[src:src+n])
		copy(v[dst:dst+n], c.v[src:src+n])
	}
	c.k, c.v, c.w, c.capacity = k, v, make([]float32, capacity), capacity
	return nil
}

// growInt8 is Grow for an int8 cache.
func (c *KVCache) growInt8(capacity int) error {
	q, dh, heads := c.q8, c.dHead, c.heads
	if capacity > math.MaxInt/4/(heads*q.kStride+heads*dh) {
		return shapeErr("KVCache.Grow", "capacity=%d (KVHeads·d_head=%d): the int8 cache's size overflows int", capacity, heads*dh)
	}
	g := &kvInt8{
		kStride: q.kStride, vStride: capacity,
		k: make([]int8, heads*capacity*q.kStride), kScale: make([]float32, heads*capacity), kSum: make([]int32, heads*capacity),
		vT: make([]int8, heads*dh*capacity), vScale: make([]float32, heads*capacity),
		pw:  make([]float32, capacity),
		row: q.row, q: q.q,
		p: kernel.QVector{Data: make([]int8, (capacity+63)&^63)},
	}
	n := c.n
	for h := range heads {
		src, dst := h*c.capacity, h*capacity
		copy(g.k[dst*q.kStride:(dst+n)*q.kStride], q.k[src*q.kStride:(src+n)*q.kStride])
		copy(g.kScale[dst:dst+n], q.kScale[src:src+n])
		copy(g.kSum[dst:dst+n], q.kSum[src:src+n])
		copy(g.vScale[dst:dst+n], q.vScale[src:src+n])
		for j := range dh {
			copy(g.vT[(h*dh+j)*capacity:][:n], q.vT[(h*dh+j)*q.vStride:][:n])
		}
	}
	c.q8, c.w, c.capacity = g, make([]float32, capacity), capacity
	return nil
}
