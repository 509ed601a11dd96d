package nn

import (
	"fmt"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds causal decoding with a key/value cache: an encoder
// stack used as a decoder-only language model, one token at a time.

// NewCache returns an empty key/value cache for the layer's
// self-attention with room for capacity tokens (attn.NewKVCache).
func (l *EncoderLayer) NewCache(capacity int) (*attn.KVCache, error) {
	if err := l.check("EncoderLayer.NewCache"); err != nil {
		return nil, err
	}
	return attn.NewKVCache(l.SelfAttn, capacity)
}

// Prefill is Forward for rows that continue the tokens in cache: their
// keys and values are appended to cache and each row attends to the
// cached tokens and to the new ones (all of them, or with m.Causal row i
// to the new rows 0…i), as attn.MultiHead.Prefill. m's masks cover the
// cache after the append (T × Len()+T, Len()+T keys).
func (l *EncoderLayer) Prefill(dst, x kernel.Matrix, cache *attn.KVCache, m Mask) (kernel.Matrix, error) {
	const fn = "EncoderLayer.Prefill"
	dst, err := prepare(fn, l.check(fn), dst, x, l.DModel(), l.DModel())
	if err != nil {
		return dst, err
	}
	ws := getWS(l.need(x.Rows))
	defer putWS(ws)
	return dst, l.prefill(dst, x, cache, m.options(), ws.Data)
}

func (l *EncoderLayer) prefill(dst, x kernel.Matrix, cache *attn.KVCache, opt attn.Options, ws []float32) error {
	return l.run(dst, x, ws, func(out, in kernel.Matrix) error { return l.SelfAttn.Prefill(out, in, cache, opt) })
}

// Decode runs one new token x (len d_model) through the layer into dst
// (len d_model; it must not overlap x), attending to every token in cache
// and to itself, and appends its key and value (attn.MultiHead.Decode; m
// may mask keys of the cache after the append, Causal does nothing for one
// token). It returns an error wrapping attn.ErrCacheFull when the cache
// is full. Steady-state calls allocate nothing.
func (l *EncoderLayer) Decode(dst, x []float32, cache *attn.KVCache, m Mask) error {
	const fn = "EncoderLayer.Decode"
	d := l.DModel()
	if err := l.check(fn); err != nil {
		return err
	}
	if len(x) != d || len(dst) != d {
		return shapeErr(fn, "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), d)
	}
	ws := getWS(l.need(1))
	defer putWS(ws)
	return l.decode(kernel.MatrixFrom(1, d, dst), kernel.MatrixFrom(1, d, x), cache, m.options(), ws.Data)
}

func (l *EncoderLayer) decode(dst, x kernel.Matrix, cache *attn.KVCache, opt attn.Options, ws []float32) error {
	return l.run(dst, x, ws, func(out, in kernel.Matrix) error {
		return l.SelfAttn.Decode(out.Row(0), in.Row(0), cache, opt)
	})
}

// Cache is an Encoder's key/value caches, one per layer, for causal
// decoding (a decoder-only language model): Prefill a prompt, then Decode
// one token at a time.
type Cache struct {
	Layers []*attn.KVCache
}

// NewCache returns empty caches for every layer of e with room for
// capacity tokens.
func (e *Encoder) NewCache(capacity int) (*Cache, error) {
	if err := e.check("Encoder.NewCache"); err != nil {
		return nil, err
	}
	c := &Cache{}
	for _, l := range e.Layers {
		kv, err := attn.NewKVCache(l.SelfAttn, capacity)
		if err != nil {
			return nil, err
		}
		c.Layers = append(c.Layers, kv)
	}
	return c, nil
}

// Len returns the number of cached tokens.
func (c *Cache) Len() int {
	if len(c.Layers) == 0 {
		return 0
	}
	return c.Layers[0].Len()
}

// Reset empties the caches for a new sequence, keeping their memory.
func (c *Cache) Reset() {
	for _, kv := range c.Layers {
		kv.Reset()
	}
}

// Cap returns the number of tokens the caches can hold.
func (c *Cache) Cap() int {
	if len(c.Layers) == 0 {
		return 0
	}
	return c.Layers[0].Cap()
}

// Grow makes room for capacity tokens in every layer's cache, keeping the
// cached ones (attn.KVCache.Grow): a cache may start small and grow with
// the sequence rather than hold the longest context from the start. An
// error wraps attn.ErrShape; the caches that grew before it keep their
// size, which does not change what they hold.
func (c *Cache) Grow(capacity int) error {
	for _, kv := range c.Layers {
		if err := kv.Grow(capacity); err != nil {
			return err
		}
	}
	return nil
}

// Truncate drops every token after the first n (n ≤ Len()).
func (c *Cache) Truncate(n int) {
	for _, kv := range c.Layers {
		kv.Truncate(n)
	}
}

// fits checks that c holds e's layers with the same length, and room for
// t more tokens.
func (c *Cache) fits(fn string, e *Encoder, t int) error {
	if c == nil || len(c.Layers) == 0 || len(c.Layers) != len(e.Layers) {
		return shapeErr(fn, "the cache is not the encoder's (use NewCache)")
	}
	for i, kv := range c.Layers {
		if kv == nil || kv.Len() != c.Len() {
			return shapeErr(fn, "layer %d's cache is nil or of another length than layer 0's", i)
		}
	}
	if c.Len()+t > c.Layers[0].Cap() {
		return fmt.Errorf("nn.%s: %d cached tokens + %d > capacity %d: %w", fn, c.Len(), t, c.Layers[0].Cap(), attn.ErrCacheFull)
	}
	return nil
}

// Prefill runs the stack on x (T×d_model), causally, as rows that
// continue the tokens in c: row i attends to the cached tokens and to
// x's rows 0…i, and every layer's keys and values are appended. With an
// empty cache it equals Forward with Mask{Causal: true}. dst is
// allocated if its Data is nil. A cache without room for T more tokens
// is an error wrapping attn.ErrCacheFull, before anything changes.
func (e *Encoder) Prefill(dst, x kernel.Matrix, c *Cache) (kernel.Matrix, error) {
	const fn = "Encoder.Prefill"
	d := e.DModel()
	dst, err := prepare(fn, e.check(fn), dst, x, d, d)
	if err == nil {
		err = c.fits(fn, e, x.Rows)
	}
	if err != nil {
		return dst, err
	}
	t := x.Rows
	ws := getWS(t*d + stackNeed(e.Layers, t))
	defer putWS(ws)
	opt := attn.Options{Causal: true}
	lw := ws.Data[t*d:]
	err = stack(len(e.Layers), x, dst, rowsOf(ws.Data, t, d), func(i int, out, in kernel.Matrix) error {
		return e.Layers[i].prefill(out, in, c.Layers[i], opt, lw)
	})
	if err == nil && e.Norm != nil {
		e.Norm.apply(dst, dst)
	}
	return dst, err
}

// Decode runs one new token x (len d_model) through the stack into dst
// (len d_model; it must not overlap x), attending to every cached token
// and to itself, and appends its keys and values: the next step of
// Prefill. A full cache is an error wrapping attn.ErrCacheFull. Steady-
// state calls allocate nothing.
func (e *Encoder) Decode(dst, x []float32, c *Cache) error {
	const fn = "Encoder.Decode"
	d := e.DModel()
	if err := firstErr(e.check(fn), c.fits(fn, e, 1)); err != nil {
		return err
	}
	if len(x) != d || len(dst) != d {
		return shapeErr(fn, "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), d)
	}
	ws := getWS(d + stackNeed(e.Layers, 1))
	defer putWS(ws)
	lw := ws.Data[d:]
	out := kernel.MatrixFrom(1, d, dst)
	err := stack(len(e.Layers), kernel.MatrixFrom(1, d, x), out, rowsOf(ws.Data, 1, d), func(i int, out, in kernel.Matrix) error {
		return e.Layers[i].decode(out, in, c.Layers[i], attn.Options{}, lw)
	})
	if err == nil && e.Norm != nil {
		e.Norm.apply(out, out)
	}
	return err
}
