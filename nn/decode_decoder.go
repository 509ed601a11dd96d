package nn

import (
	"fmt"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// This file holds incremental decoding for DecoderLayer and Decoder: the
// target one token at a time, with a key/value cache of the target for
// each self-attention and the memory's keys and values projected once
// for each cross-attention.

// DecoderLayerCache is one DecoderLayer's state for incremental
// decoding: Self holds the keys and values of the target tokens so far
// (appended by Prefill and Decode), Cross the memory's keys and values,
// projected once by SetMemory and read at every step. It carries the
// scratch of both attentions, so it belongs to one goroutine at a time.
type DecoderLayerCache struct {
	Self, Cross *attn.KVCache
}

// NewCache returns an empty cache for the layer with room for capacity
// target tokens and a memory of up to memory rows.
func (l *DecoderLayer) NewCache(capacity, memory int) (*DecoderLayerCache, error) {
	if err := l.check("DecoderLayer.NewCache"); err != nil {
		return nil, err
	}
	self, err := attn.NewKVCache(l.SelfAttn, capacity)
	if err != nil {
		return nil, err
	}
	cross, err := attn.NewKVCache(l.CrossAttn, memory)
	if err != nil {
		return nil, err
	}
	return &DecoderLayerCache{Self: self, Cross: cross}, nil
}

// Len returns the number of cached target tokens.
func (c *DecoderLayerCache) Len() int { return c.Self.Len() }

// MemoryLen returns the number of memory rows SetMemory put in the cache
// (0 before the first SetMemory).
func (c *DecoderLayerCache) MemoryLen() int { return c.Cross.Len() }

// SetMemory projects memory (S×d_model, the encoder's output) through
// multihead_attn's key and value weights into c, once for every step
// that follows, and empties c's target tokens: a new sequence begins.
// c needs room for S memory rows (an error wrapping attn.ErrCacheFull
// otherwise); after an error c holds no memory.
func (l *DecoderLayer) SetMemory(c *DecoderLayerCache, memory kernel.Matrix) error {
	const fn = "DecoderLayer.SetMemory"
	if err := firstErr(l.check(fn), c.valid(fn)); err != nil {
		return err
	}
	return l.setMemory(c, memory)
}

func (l *DecoderLayer) setMemory(c *DecoderLayerCache, memory kernel.Matrix) error {
	c.Self.Reset()
	err := l.CrossAttn.SetMemory(c.Cross, memory, memory)
	if err != nil {
		c.Cross.Reset()
	}
	return err
}

// valid checks that c has both caches.
func (c *DecoderLayerCache) valid(fn string) error {
	if c == nil || c.Self == nil || c.Cross == nil {
		return shapeErr(fn, "nil cache (use NewCache)")
	}
	return nil
}

// ready checks that c has both caches, a memory, and room for t more
// target tokens.
func (c *DecoderLayerCache) ready(fn string, t int) error {
	if err := c.valid(fn); err != nil {
		return err
	}
	if c.Cross.Len() == 0 {
		return shapeErr(fn, "no memory in the cache (use SetMemory)")
	}
	if c.Len()+t > c.Self.Cap() {
		return fmt.Errorf("nn.%s: %d cached tokens + %d > capacity %d: %w", fn, c.Len(), t, c.Self.Cap(), attn.ErrCacheFull)
	}
	return nil
}

// Prefill is Forward for target rows tgt (T×d_model) that continue the
// tokens in c, against the memory SetMemory put in c: their self-
// attention keys and values are appended to c, and each row attends to
// the cached tokens and to the new ones as tgtMask says (set Causal for
// a causal decoder; its masks cover the cache after the append,
// T×(Len()+T) and Len()+T keys, as in EncoderLayer.Prefill). memoryMask
// is torch's memory_mask (T×S) and memory_key_padding_mask (S); its
// Causal is refused (ErrConfig). dst is allocated if its Data is nil.
func (l *DecoderLayer) Prefill(dst, tgt kernel.Matrix, c *DecoderLayerCache, tgtMask, memoryMask Mask) (kernel.Matrix, error) {
	const fn = "DecoderLayer.Prefill"
	d := l.DModel()
	dst, err := prepare(fn, l.check(fn), dst, tgt, d, d)
	if err == nil {
		err = firstErr(c.ready(fn, tgt.Rows), memoryMask.rowwise(fn, tgt.Rows, c.MemoryLen()))
	}
	if err != nil {
		return dst, err
	}
	ws := getWS(l.need(tgt.Rows))
	defer putWS(ws)
	return dst, l.prefill(dst, tgt, c, tgtMask.options(), memoryMask.options(), ws.Data)
}

func (l *DecoderLayer) prefill(dst, x kernel.Matrix, c *DecoderLayerCache, self, cross attn.Options, ws []float32) error {
	return l.run(dst, x, ws,
		func(out, in kernel.Matrix) error { return l.SelfAttn.Prefill(out, in, c.Self, self) },
		func(out, in kernel.Matrix) error { return l.crossRows(out, in, c.Cross, cross) })
}

// crossRows is the cross-attention of every row of in against the memory
// in cache, one row at a time (attn.DecodeCross), with row i of opt's
// T×S masks; opt's shapes are checked (Mask.rowwise).
func (l *DecoderLayer) crossRows(out, in kernel.Matrix, cache *attn.KVCache, opt attn.Options) error {
	s := cache.Len()
	row := opt
	for i := range in.Rows {
		if opt.Mask != nil {
			row.Mask = opt.Mask[i*s : (i+1)*s]
		}
		if opt.Keep != nil {
			row.Keep = opt.Keep[i*s : (i+1)*s]
		}
		if err := l.CrossAttn.DecodeCross(out.Row(i), in.Row(i), cache, row); err != nil {
			return err
		}
	}
	return nil
}

// rowwise checks a memory mask for t target rows one at a time against s
// memory rows: no Causal (bottom-right alignment has no meaning for a
// memory), Add and Keep of t×s, KeepKeys of s. It is checked before the
// first layer appends to its cache, so that a bad mask changes nothing.
func (m Mask) rowwise(fn string, t, s int) error {
	switch {
	case m.Causal:
		return fmt.Errorf("nn.%s: a causal memory mask while decoding: %w", fn, ErrConfig)
	case m.Add != nil && len(m.Add) != t*s:
		return shapeErr(fn, "len(memoryMask.Add)=%d, want %d×%d", len(m.Add), t, s)
	case m.Keep != nil && len(m.Keep) != t*s:
		return shapeErr(fn, "len(memoryMask.Keep)=%d, want %d×%d", len(m.Keep), t, s)
	case m.KeepKeys != nil && len(m.KeepKeys) != s:
		return shapeErr(fn, "len(memoryMask.KeepKeys)=%d, want %d", len(m.KeepKeys), s)
	}
	return nil
}

// Decode runs one new target token x (len d_model) through the layer
// into dst (len d_model; it must not overlap x): it attends to every
// cached target token and to itself (tgtMask may mask keys of the cache
// after the append: Add, Keep and KeepKeys of Len()+1), and to the memory
// in c (memoryMask: Add, Keep and KeepKeys of MemoryLen(); no Causal),
// and appends its key and value. A full cache is an error wrapping
// attn.ErrCacheFull. Steady-state calls allocate nothing.
func (l *DecoderLayer) Decode(dst, x []float32, c *DecoderLayerCache, tgtMask, memoryMask Mask) error {
	const fn = "DecoderLayer.Decode"
	d := l.DModel()
	if err := firstErr(l.check(fn), c.ready(fn, 1)); err != nil {
		return err
	}
	if err := memoryMask.rowwise(fn, 1, c.MemoryLen()); err != nil {
		return err
	}
	if len(x) != d || len(dst) != d {
		return shapeErr(fn, "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), d)
	}
	ws := getWS(l.need(1))
	defer putWS(ws)
	return l.decode(kernel.MatrixFrom(1, d, dst), kernel.MatrixFrom(1, d, x), c, tgtMask.options(), memoryMask.options(), ws.Data)
}

func (l *DecoderLayer) decode(dst, x kernel.Matrix, c *DecoderLayerCache, self, cross attn.Options, ws []float32) error {
	return l.run(dst, x, ws,
		func(out, in kernel.Matrix) error { return l.SelfAttn.Decode(out.Row(0), in.Row(0), c.Self, self) },
		func(out, in kernel.Matrix) error {
			return l.CrossAttn.DecodeCross(out.Row(0), in.Row(0), c.Cross, cross)
		})
}

// DecoderCache is a Decoder's state for incremental decoding, one
// DecoderLayerCache per layer: NewCache, SetMemory with the encoder's
// output, Prefill a prompt (or a start token), then Decode one token at a
// time.
type DecoderCache struct {
	Layers []*DecoderLayerCache
}

// NewCache returns empty caches for every layer of dec with room for
// capacity target tokens and a memory of up to memory rows.
func (dec *Decoder) NewCache(capacity, memory int) (*DecoderCache, error) {
	if err := dec.check("Decoder.NewCache"); err != nil {
		return nil, err
	}
	c := &DecoderCache{}
	for _, l := range dec.Layers {
		lc, err := l.NewCache(capacity, memory)
		if err != nil {
			return nil, err
		}
		c.Layers = append(c.Layers, lc)
	}
	return c, nil
}

// Len returns the number of cached target tokens.
func (c *DecoderCache) Len() int {
	if len(c.Layers) == 0 {
		return 0
	}
	return c.Layers[0].Len()
}

// MemoryLen returns the number of memory rows in the cache.
func (c *DecoderCache) MemoryLen() int {
	if len(c.Layers) == 0 {
		return 0
	}
	return c.Layers[0].MemoryLen()
}

// Reset empties the target tokens for a new sequence against the same
// memory, keeping the memory and all the caches' room.
func (c *DecoderCache) Reset() {
	for _, l := range c.Layers {
		l.Self.Reset()
	}
}

// Truncate drops every target token after the first n (n ≤ Len()); it
// panics if n is out of range.
func (c *DecoderCache) Truncate(n int) {
	for _, l := range c.Layers {
		l.Self.Truncate(n)
	}
}

// valid checks that c holds dec's layers.
func (c *DecoderCache) valid(fn string, dec *Decoder) error {
	if c == nil || len(c.Layers) != len(dec.Layers) {
		return shapeErr(fn, "the cache is not the decoder's (use NewCache)")
	}
	for i, l := range c.Layers {
		if err := l.valid(fn); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return nil
}

// ready checks that c holds dec's layers with one target length and one
// memory length, a memory, and room for t more target tokens.
func (c *DecoderCache) ready(fn string, dec *Decoder, t int) error {
	if err := c.valid(fn, dec); err != nil {
		return err
	}
	for i, l := range c.Layers {
		if l.Len() != c.Len() || l.MemoryLen() != c.MemoryLen() {
			return shapeErr(fn, "layer %d caches %d tokens and %d memory rows, layer 0 %d and %d", i, l.Len(), l.MemoryLen(), c.Len(), c.MemoryLen())
		}
	}
	return c.Layers[0].ready(fn, t)
}

// SetMemory projects memory (S×d_model, the encoder's output) through
// every layer's multihead_attn key and value weights into c, once for
// the whole sequence, and empties c's target tokens. c needs room for S
// memory rows (an error wrapping attn.ErrCacheFull otherwise). After an
// error c holds no memory: Prefill and Decode refuse it until a
// SetMemory succeeds.
func (dec *Decoder) SetMemory(c *DecoderCache, memory kernel.Matrix) error {
	const fn = "Decoder.SetMemory"
	if err := firstErr(dec.check(fn), c.valid(fn, dec)); err != nil {
		return err
	}
	for i, l := range dec.Layers {
		if err := l.setMemory(c.Layers[i], memory); err != nil {
			for _, lc := range c.Layers {
				lc.Cross.Reset()
			}
			return err
		}
	}
	return nil
}

// Prefill runs the stack on target rows tgt (T×d_model) that continue the
// tokens in c, causally, against the memory in c: row i attends to the
// cached tokens and to tgt's rows 0…i, and every layer's keys and values
// are appended. tgtMask may add torch's tgt_key_padding_mask (KeepKeys of
// Len()+T) or an attention mask (Add or Keep, T×(Len()+T)) to the causal
// one; memoryMask is torch's memory_mask (T×S) and
// memory_key_padding_mask (S), without Causal. With an empty cache it
// equals Forward with tgtMask.Causal set, on the memory given to
// SetMemory. dst is allocated if its Data is nil. A cache without room
// for T more tokens is an error wrapping attn.ErrCacheFull, before
// anything changes.
func (dec *Decoder) Prefill(dst, tgt kernel.Matrix, c *DecoderCache, tgtMask, memoryMask Mask) (kernel.Matrix, error) {
	const fn = "Decoder.Prefill"
	d := dec.DModel()
	dst, err := prepare(fn, dec.check(fn), dst, tgt, d, d)
	if err == nil {
		err = c.ready(fn, dec, tgt.Rows)
	}
	if err == nil {
		err = memoryMask.rowwise(fn, tgt.Rows, c.MemoryLen())
	}
	if err != nil {
		return dst, err
	}
	self, cross := tgtMask.options(), memoryMask.options()
	self.Causal = true
	return dst, runStack(dec.Layers, dec.Norm, dst, tgt, func(i int, out, in kernel.Matrix, ws []float32) error {
		return dec.Layers[i].prefill(out, in, c.Layers[i], self, cross, ws)
	})
}

// Decode runs one new target token x (len d_model) through the stack into
// dst (len d_model; it must not overlap x): the next step of Prefill.
// The token attends to every cached target token and to itself (tgtMask:
// Add, Keep or KeepKeys of Len()+1), and to the memory (memoryMask: Add,
// Keep or KeepKeys of MemoryLen(), no Causal); its keys and values are
// appended. A full cache is an error wrapping attn.ErrCacheFull, before
// anything changes. Steady-state calls allocate nothing.
func (dec *Decoder) Decode(dst, x []float32, c *DecoderCache, tgtMask, memoryMask Mask) error {
	const fn = "Decoder.Decode"
	d := dec.DModel()
	if err := firstErr(dec.check(fn), c.ready(fn, dec, 1)); err != nil {
		return err
	}
	if err := memoryMask.rowwise(fn, 1, c.MemoryLen()); err != nil {
		return err
	}
	if len(x) != d || len(dst) != d {
		return shapeErr(fn, "len(x)=%d, len(dst)=%d, want d_model=%d", len(x), len(dst), d)
	}
	self, cross := tgtMask.options(), memoryMask.options()
	return runStack(dec.Layers, dec.Norm, kernel.MatrixFrom(1, d, dst), kernel.MatrixFrom(1, d, x), func(i int, out, in kernel.Matrix, ws []float32) error {
		return dec.Layers[i].decode(out, in, c.Layers[i], self, cross, ws)
	})
}
