package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// Decode runs one new token x (len d_model) through the model against
// cache, appends its key and value, and writes the output to dst. The
// token attends to every cached token and to itself; opt may set the
// scale and temperature, and a Mask or Keep of length Len()+1 (KeepKeys
// too) over the cache after the append. With Rotary, the token is at
// position Len() (before the append). With grouped-query heads, the query
// heads of a group read their key/value head's cache. Decode allocates
// nothing: all scratch lives in the cache. It returns an error wrapping
// ErrCacheFull when the cache is full.
func (m *MultiHead) Decode(dst, x []float32, cache *KVCache, opt Options) error {
	if err := m.checkSelf("Decode"); err != nil {
		return err
	}
	e, kv := m.DModel, m.kvWidth()
	if len(x) != e || len(dst) != e {
		return shapeErr("Decode", "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), e)
	}
	if cache == nil {
		return shapeErr("Decode", "nil cache")
	}
	if err := cache.fits("Decode", m, 1); err != nil {
		return err
	}
	n := cache.n + 1
	if err := opt.check("Decode", 1, n); err != nil {
		return err
	}
	qkv := cache.qkv
	m.projectRow(qkv, x, &cache.qx)
	dh := m.DHead()
	pos := cache.n
	if m.Rotary != nil {
		m.Rotary.rotateRow(qkv[:e+kv], dh, pos, cache.rot)
	}
	for g := 0; g < cache.heads; g++ {
		cache.putRow(g, pos, qkv[e+g*dh:e+(g+1)*dh], qkv[e+kv+g*dh:e+kv+(g+1)*dh])
	}
	cache.n = n
	m.attendCache(dst, cache, &opt)
	return nil
}

// attendCache computes the attention of the query heads in cache.qkv[:d_model]
// against every token in cache, and the output projection into dst.
func (m *MultiHead) attendCache(dst []float32, cache *KVCache, opt *Options) {
	qkv, ctx, n, dh := cache.qkv, cache.ctx, cache.n, m.DHead()
	group := m.Heads / cache.heads
	if cache.q8 != nil {
		for h := 0; h < m.Heads; h++ {
			cache.attendInt8(ctx[h*dh:(h+1)*dh], qkv[h*dh:(h+1)*dh], h/group, opt)
		}
	} else if chunks := decodeSplit(kernel.Threads(), m.Heads, n, dh); chunks > 0 {
		cache.decodeParallel(qkv, opt, chunks)
	} else {
		w := cache.w[:n]
		for h := 0; h < m.Heads; h++ {
			keys, values := cache.Keys(h/group), cache.Values(h/group)
			out := ctx[h*dh : (h+1)*dh]
			end := softWeights(w, qkv[h*dh:(h+1)*dh], keys, opt)
			if end == 0 {
				clear(out)
				continue
			}
			kernel.GemvT(out, values.Slice(0, end, 0, dh), w[:end])
		}
	}
	if m.quant != nil {
		quantGemv(dst, ctx, m.quant.out, m.quant.outLo, &cache.qx)
	} else {
		kernel.Gemv(dst, m.OutProj, ctx)
	}
	if m.OutBias != nil {
		kernel.Add(dst, dst, m.OutBias)
	}
}

// SetMemory fills cache with the keys and values of a fixed memory (an
// encoder's output; key Tk×KDim, value Tk×VDim), projected once,
// replacing what the cache held: what a decoder's cross-attention reads
// at every step, for DecodeCross. The cache needs room for Tk tokens
// (ErrCacheFull otherwise). A model with Rotary is refused (ErrOptions),
// as in Cross.
func (m *MultiHead) SetMemory(cache *KVCache, key, value kernel.Matrix) error {
	const fn = "SetMemory"
	if cache == nil {
		return shapeErr(fn, "nil cache")
	}
	if err := m.checkMemory(fn, key, value); err != nil {
		return err
	}
	cache.Reset()
	tk := key.Rows
	if err := cache.fits(fn, m, tk); err != nil {
		return err
	}
	kv, dh := m.kvWidth(), m.DHead()
	sc := scratch.Get(2 * tk * kv)
	defer scratch.Put(sc)
	k := kernel.MatrixFrom(tk, kv, sc.Data[:tk*kv])
	v := kernel.MatrixFrom(tk, kv, sc.Data[tk*kv:])
	project(k, key, m.Wk(), m.bias(partK))
	project(v, value, m.Wv(), m.bias(partV))
	for g := range cache.heads {
		cache.put(g, 0, k.Slice(0, tk, g*dh, (g+1)*dh), v.Slice(0, tk, g*dh, (g+1)*dh))
	}
	cache.n = tk
	return nil
}

// DecodeCross runs one query token x (len d_model) against the memory
// that SetMemory put in cache, without appending to it, and writes the
// output to dst: a decoder's cross-attention at each step, the same as a
// row of Cross over that memory. opt may set the scale and temperature,
// and a Mask, Keep or KeepKeys of length Len() (the memory's padding).
// DecodeCross allocates nothing.
func (m *MultiHead) DecodeCross(dst, x []float32, cache *KVCache, opt Options) error {
	const fn = "DecodeCross"
	if err := m.checkNoRotary(fn); err != nil {
		return err
	}
	e := m.DModel
	if len(x) != e || len(dst) != e {
		return shapeErr(fn, "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), e)
	}
	if cache == nil {
		return shapeErr(fn, "nil cache")
	}
	if err := cache.fits(fn, m, 0); err != nil {
		return err
	}
	if err := opt.check(fn, 1, cache.n); err != nil {
		return err
	}
	q := cache.qkv[:e]
	kernel.Gemv(q, m.Wq(), x)
	if m.InBias != nil {
		kernel.Add(q, q, m.bias(partQ))
	}
	m.attendCache(dst, cache, &opt)
	return nil
}

// Flash-decoding: with more than one thread (kernel.SetThreads), Decode
// splits the attention of its token over work items, each one head and
// one contiguous chunk of the cached keys. An item computes its chunk's
// scores, their maximum m, exp(s − m), their sum l and the unnormalised
// partial output o = Σ exp(s_j − m)·v_j; the items of a head are then
// combined exactly:
//
//	out = Σ_c exp(m_c − M)·o_c / Σ_c exp(m_c − M)·l_c,  M = max_c m_c.
//
// With at least as many heads as threads a head is one item (the split is
// over heads only); with fewer heads the keys are split too, so that a
// single head of a long cache still uses every core. The items run on a
// pool of helper goroutines started once, and the calling goroutine works
// too (package workers); nothing is allocated per step once the cache has
// warmed up.

// decodeMinWork is the attention work (keys × d_head × heads) below which
// Decode stays on the calling goroutine: waking a helper costs a few
// microseconds.
var decodeMinWork = 1 << 17

// decodeMinChunk is the fewest keys a chunk may have.
var decodeMinChunk = 256

// decodeSplit returns how many key chunks per head Decode should use
// with threads threads, or 0 to stay serial.
func decodeSplit(threads, heads, n, dh int) int {
	if threads <= 1 || n*dh*heads < decodeMinWork {
		return 0
	}
	chunks := (threads + heads - 1) / heads
	return max(1, min(chunks, n/decodeMinChunk))
}

// decodeState is a cache's scratch for split decoding; it is the
// workers.Task whose shares are the work items.
type decodeState struct {
	group  workers.Group
	c      *KVCache
	opt    Options
	qkv    []float32
	chunks int
	w      []float32 // heads×capacity scores
	o      []float32 // items×d_head partial outputs
	m, l   []float32 // items maxima and sums
}

// decodeParallel fills c.ctx with the attention of the query heads in qkv
// against the cache, split into chunks key chunks per head.
func (c *KVCache) decodeParallel(qkv []float32, opt *Options, chunks int) {
	p := &c.par
	items := c.qHeads * chunks
	if cap(p.w) < c.qHeads*c.capacity {
		p.w = make([]float32, c.qHeads*c.capacity)
	}
	if cap(p.o) < items*c.dHead {
		p.o = make([]float32, items*c.dHead)
		p.m = make([]float32, items)
		p.l = make([]float32, items)
	}
	p.c, p.opt, p.qkv, p.chunks = c, *opt, qkv, chunks
	p.group.Run(p, items, kernel.Threads())
	p.qkv, p.opt = nil, Options{} // keep no reference to the caller's masks
	dh := c.dHead
	for h := 0; h < c.qHeads; h++ {
		out := c.ctx[h*dh : (h+1)*dh]
		if chunks == 1 {
			// l is 0 only when every key is masked, NaN when a score was
			// NaN or +Inf (the output stays NaN, as on one thread).
			if l := p.l[h]; l != 0 {
				copy(out, p.o[h*dh:(h+1)*dh])
				kernel.Scale(1/l, out)
			} else {
				clear(out)
			}
			continue
		}
		mx := negInf
		for i := h * chunks; i < (h+1)*chunks; i++ {
			mx = max(mx, p.m[i])
		}
		clear(out)
		if mx == negInf {
			continue
		}
		var l float32
		for i := h * chunks; i < (h+1)*chunks; i++ {
			if p.m[i] == negInf {
				continue
			}
			a := expf(p.m[i] - mx)
			l += a * p.l[i]
			kernel.Axpy(a, p.o[i*dh:(i+1)*dh], out)
		}
		kernel.Scale(1/l, out)
	}
}

// Run computes work item i: query head i/chunks, key chunk i%chunks.
func (p *decodeState) Run(i int) {
	c := p.c
	dh, n := c.dHead, c.n
	h, ch := i/p.chunks, i%p.chunks
	end := p.opt.keyEnd(0, 1, n)
	k0, k1 := ch*n/p.chunks, min((ch+1)*n/p.chunks, end)
	o := p.o[i*dh : (i+1)*dh]
	if k1 <= k0 {
		p.m[i], p.l[i] = negInf, 0
		clear(o)
		return
	}
	s := p.w[h*c.capacity+k0 : h*c.capacity+k1]
	g := h / (c.qHeads / c.heads) // the key/value head
	keys := c.rows(c.k, g, k1).Slice(k0, k1, 0, dh)
	kernel.Gemv(s, keys, p.qkv[h*dh:(h+1)*dh])
	kernel.Scale(p.opt.effScale(dh), s)
	if p.opt.hasMask() {
		p.opt.applyMask(s, 0, k0, n)
	}
	mx := kernel.Max(s)
	if mx == negInf {
		p.m[i], p.l[i] = negInf, 0
		clear(o)
		return
	}
	addScalar(s, -mx)
	expInPlace(s)
	p.m[i], p.l[i] = mx, kernel.Sum(s)
	kernel.GemvT(o, c.rows(c.v, g, k1).Slice(k0, k1, 0, dh), s)
}
