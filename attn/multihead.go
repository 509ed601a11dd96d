package attn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/internal/packcache"
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// MultiHead is multi-head attention with H heads over a model width
// d_model = H·d_head, laid out as torch.nn.MultiheadAttention (with
// batch_first), so its tensors load directly. Its query, key and value
// projections come in one of two layouts, as in torch:
//
// Packed (InProj set; equal query, key and value widths and KVHeads =
// Heads, torch's in_proj_weight):
//
//	InProj  ↔ in_proj_weight   (3·d_model × d_model: Wq, Wk, Wv stacked)
//
// Separate (InProj empty; torch's q_proj_weight, k_proj_weight and
// v_proj_weight when kdim or vdim ≠ embed_dim, and the usual layout of
// grouped-query models, whose key and value projections are narrower):
//
//	QProj   ↔ q_proj_weight    (d_model × d_model)
//	KProj   ↔ k_proj_weight    (KVHeads·d_head × KDim)
//	VProj   ↔ v_proj_weight    (KVHeads·d_head × VDim)
//
// In both layouts:
//
//	InBias  ↔ in_proj_bias     (d_model + 2·KVHeads·d_head: bq, bk, bv; or nil)
//	OutProj ↔ out_proj.weight  (d_model × d_model)
//	OutBias ↔ out_proj.bias    (d_model, or nil)
//
// For a query row x and a key and value row (x itself in self-attention):
// q = Wq·x + bq, k = Wk·key + bk, v = Wv·value + bv. Query head h uses
// columns [h·d_head, (h+1)·d_head) of q, and key/value head g = h/(Heads/
// KVHeads) the columns [g·d_head, (g+1)·d_head) of k and v (grouped-query
// attention; KVHeads = 1 is multi-query attention); the heads' outputs are
// concatenated and projected: y = Wo·concat + bo. Scores are scaled by
// 1/√d_head unless Options say otherwise. With Rotary set, q and k are
// rotated by their positions (RoPE) before the scores, in Forward, Prefill
// and Decode.
//
// A MultiHead's weights are only read by its methods (Forward, Cross,
// Prefill, Decode, SetMemory, DecodeCross, Backward, CrossBackward), so
// one model may serve many goroutines at once, each with its own KVCache.
//
// Forward, Prefill and Cross multiply by the projections' transposes
// packed for kernel.GemmPacked, which the model builds on first use and
// keeps (as much memory again as the float weights): one packing, shared
// by every goroutine, instead of one per call. A projection matrix that is
// replaced by another is repacked by itself; after changing weights in
// place (an optimiser step, a perturbation), call WeightsChanged (Init
// and Backward do). The packed forms are part of the struct's value, not
// of its weights: reflect.DeepEqual sees them (WeightsChanged drops them).
type MultiHead struct {
	DModel, Heads int
	// KVHeads is the number of key/value heads; 0 means Heads. It must
	// divide Heads.
	KVHeads int
	// KDim and VDim are the widths of Cross's key and value inputs
	// (torch's kdim and vdim); 0 means DModel. Forward, Prefill and
	// Decode, whose keys and values come from the input itself, need
	// them equal to DModel.
	KDim, VDim          int
	InProj              kernel.Matrix
	QProj, KProj, VProj kernel.Matrix
	InBias              []float32
	OutProj             kernel.Matrix
	OutBias             []float32
	// Rotary, if not nil, applies rotary position embeddings to every
	// query and key head (see Rotary).
	Rotary *Rotary
	// quant holds the int8 projections of a quantized model (Quantize),
	// whose float matrices are then empty; nil otherwise.
	quant *mhQuant
	// packs holds the projections' packed transposes (see packIn).
	packs [numPacks]packcache.Cache
}

// The packed projections of packs: InProj whole (self-attention in the
// packed layout); Wq, Wk, Wv (QProj, KProj, VProj, or their row windows
// of InProj for Cross); and OutProj.
const (
	packIn = iota
	packQ
	packK
	packV
	packOut
	numPacks
)

// WeightsChanged drops the packed projections, so that the next call
// packs the current weights: call it after changing the elements of
// InProj, QProj, KProj, VProj or OutProj in place (an optimiser step, a
// perturbation), before the next Forward, Prefill or Cross. It may run
// while other goroutines run the model (they pack again); the change of
// weights itself may not. Replacing a matrix by another needs no call.
// Biases are not packed.
func (m *MultiHead) WeightsChanged() {
	for i := range m.packs {
		m.packs[i].Reset()
	}
}

// MaxDModel is the largest d_model NewMultiHead accepts: 16384, the
// largest power of two whose 4·d_model² projection weights (2³⁰ float32,
// 4 GiB) fit in what a safetensors file may hold for LoadMultiHead to
// read it back. Larger sizes, and so every size whose products would
// overflow an int, are refused before anything is allocated. KDim and
// VDim have the same limit.
const MaxDModel = 1 << 14

// NewMultiHead returns a model with zero weights (and zero biases if bias
// is set) for d_model = dModel split over heads heads, in the packed
// layout. Use Init for a random initialisation or fill the matrices from
// trained weights. It returns an error wrapping ErrShape if dModel is not
// a positive multiple of heads or exceeds MaxDModel.
func NewMultiHead(dModel, heads int, bias bool) (*MultiHead, error) {
	return NewMultiHeadConfig(MultiHeadConfig{DModel: dModel, Heads: heads, Bias: bias})
}

// MultiHeadConfig describes a MultiHead for NewMultiHeadConfig; the zero
// KVHeads, KDim and VDim mean Heads, DModel and DModel.
type MultiHeadConfig struct {
	DModel, Heads, KVHeads, KDim, VDim int
	Bias                               bool
}

// NewMultiHeadConfig returns a model with zero weights shaped by c: the
// packed layout when KVHeads = Heads and KDim = VDim = DModel (as
// torch.nn.MultiheadAttention), the separate one otherwise. It returns an
// error wrapping ErrShape for sizes that are not positive, heads that do
// not divide DModel, KVHeads that do not divide Heads, or widths beyond
// MaxDModel.
func NewMultiHeadConfig(c MultiHeadConfig) (*MultiHead, error) {
	m := &MultiHead{DModel: c.DModel, Heads: c.Heads, KVHeads: c.KVHeads, KDim: c.KDim, VDim: c.VDim}
	if err := m.checkSizes("NewMultiHead"); err != nil {
		return nil, err
	}
	e, kv := m.DModel, m.kvWidth()
	// The defaults as zeros, so that equal models compare equal.
	if m.KVHeads == m.Heads {
		m.KVHeads = 0
	}
	if m.KDim == e {
		m.KDim = 0
	}
	if m.VDim == e {
		m.VDim = 0
	}
	if m.packable() {
		m.InProj = kernel.NewMatrix(3*e, e)
	} else {
		m.QProj = kernel.NewMatrix(e, e)
		m.KProj = kernel.NewMatrix(kv, m.kDim())
		m.VProj = kernel.NewMatrix(kv, m.vDim())
	}
	m.OutProj = kernel.NewMatrix(e, e)
	if c.Bias {
		m.InBias = make([]float32, e+2*kv)
		m.OutBias = make([]float32, e)
	}
	return m, nil
}

// DHead returns the width of one head, DModel/Heads.
func (m *MultiHead) DHead() int { return m.DModel / m.Heads }

// NumKVHeads returns the number of key/value heads: KVHeads, or Heads if
// it is 0.
func (m *MultiHead) NumKVHeads() int {
	if m.KVHeads == 0 {
		return m.Heads
	}
	return m.KVHeads
}

func (m *MultiHead) kDim() int {
	if m.KDim == 0 {
		return m.DModel
	}
	return m.KDim
}

func (m *MultiHead) vDim() int {
	if m.VDim == 0 {
		return m.DModel
	}
	return m.VDim
}

// kvWidth is the width of the projected keys and of the values,
// KVHeads·d_head.
func (m *MultiHead) kvWidth() int { return m.NumKVHeads() * m.DHead() }

// packable reports whether the shapes allow the packed layout.
func (m *MultiHead) packable() bool {
	return m.NumKVHeads() == m.Heads && m.kDim() == m.DModel && m.vDim() == m.DModel
}

// packed reports whether the model uses the packed layout (InProj).
func (m *MultiHead) packed() bool { return m.InProj.Data != nil }

// Wq returns the query projection: rows [0, d_model) of InProj, or QProj.
func (m *MultiHead) Wq() kernel.Matrix {
	if m.packed() {
		return m.InProj.Slice(0, m.DModel, 0, m.DModel)
	}
	return m.QProj
}

// Wk returns the key projection: rows [d_model, 2·d_model) of InProj, or
// KProj.
func (m *MultiHead) Wk() kernel.Matrix {
	if m.packed() {
		return m.InProj.Slice(m.DModel, 2*m.DModel, 0, m.DModel)
	}
	return m.KProj
}

// Wv returns the value projection: rows [2·d_model, 3·d_model) of InProj,
// or VProj.
func (m *MultiHead) Wv() kernel.Matrix {
	if m.packed() {
		return m.InProj.Slice(2*m.DModel, 3*m.DModel, 0, m.DModel)
	}
	return m.VProj
}

// Init fills the weights as PyTorch initialises nn.MultiheadAttention:
// InProj Xavier-uniform (bound √(6/(4·d_model))), or each of QProj, KProj
// and VProj Xavier-uniform on its own (bound √(6/(rows+cols))); OutProj
// uniform in ±1/√d_model; biases zero.
func (m *MultiHead) Init(r *rand.Rand) {
	fill := func(w kernel.Matrix, bound float64) {
		for i := 0; i < w.Rows; i++ {
			row := w.Row(i)
			for j := range row {
				row[j] = float32((2*r.Float64() - 1) * bound)
			}
		}
	}
	xavier := func(w kernel.Matrix) { fill(w, math.Sqrt(6/float64(w.Rows+w.Cols))) }
	if m.packed() {
		fill(m.InProj, math.Sqrt(6/float64(4*m.DModel)))
	} else {
		xavier(m.QProj)
		xavier(m.KProj)
		xavier(m.VProj)
	}
	fill(m.OutProj, 1/math.Sqrt(float64(m.DModel)))
	clear(m.InBias)
	clear(m.OutBias)
	m.WeightsChanged()
}

// checkSizes validates the model's sizes (not its matrices).
func (m *MultiHead) checkSizes(fn string) error {
	e := m.DModel
	if e <= 0 || m.Heads <= 0 || e%m.Heads != 0 {
		return shapeErr(fn, "d_model=%d is not a positive multiple of heads=%d", e, m.Heads)
	}
	if m.KVHeads < 0 || m.Heads%m.NumKVHeads() != 0 {
		return shapeErr(fn, "KVHeads=%d does not divide heads=%d", m.KVHeads, m.Heads)
	}
	if m.KDim < 0 || m.VDim < 0 {
		return shapeErr(fn, "KDim=%d, VDim=%d: negative", m.KDim, m.VDim)
	}
	if e > MaxDModel || m.kDim() > MaxDModel || m.vDim() > MaxDModel {
		return shapeErr(fn, "d_model=%d, kdim=%d or vdim=%d exceeds MaxDModel=%d", e, m.kDim(), m.vDim(), MaxDModel)
	}
	return nil
}

// check validates the model's own shapes.
func (m *MultiHead) check(fn string) error {
	if err := m.checkSizes(fn); err != nil {
		return err
	}
	if m.quant != nil {
		return m.checkQuantized(fn)
	}
	e, kv := m.DModel, m.kvWidth()
	want := func(name string, w kernel.Matrix, rows, cols int) error {
		if !w.Valid() || w.Rows != rows || w.Cols != cols {
			return shapeErr(fn, "%s is %d×%d, want %d×%d", name, w.Rows, w.Cols, rows, cols)
		}
		return nil
	}
	if m.packed() {
		if !m.packable() {
			return shapeErr(fn, "InProj (packed layout) needs KVHeads = heads and KDim = VDim = d_model; use QProj, KProj, VProj")
		}
		if m.QProj.Data != nil || m.KProj.Data != nil || m.VProj.Data != nil {
			return shapeErr(fn, "both InProj and QProj/KProj/VProj are set")
		}
		if err := want("InProj", m.InProj, 3*e, e); err != nil {
			return err
		}
	} else {
		if err := want("QProj", m.QProj, e, e); err != nil {
			return err
		}
		if err := want("KProj", m.KProj, kv, m.kDim()); err != nil {
			return err
		}
		if err := want("VProj", m.VProj, kv, m.vDim()); err != nil {
			return err
		}
	}
	if err := want("OutProj", m.OutProj, e, e); err != nil {
		return err
	}
	return m.checkBiases(fn)
}

// checkBiases validates the biases' lengths and Rotary.
func (m *MultiHead) checkBiases(fn string) error {
	e, kv := m.DModel, m.kvWidth()
	if m.InBias != nil && len(m.InBias) != e+2*kv {
		return shapeErr(fn, "len(InBias)=%d, want %d", len(m.InBias), e+2*kv)
	}
	if m.OutBias != nil && len(m.OutBias) != e {
		return shapeErr(fn, "len(OutBias)=%d, want %d", len(m.OutBias), e)
	}
	if m.Rotary != nil {
		if err := m.Rotary.fits(fn, m.DHead()); err != nil {
			return err
		}
	}
	return nil
}

// checkSelf checks the model for self-attention (Forward, Prefill,
// Decode), whose keys and values are projected from the input itself.
func (m *MultiHead) checkSelf(fn string) error {
	if err := m.check(fn); err != nil {
		return err
	}
	if m.kDim() != m.DModel || m.vDim() != m.DModel {
		return shapeErr(fn, "kdim=%d, vdim=%d ≠ d_model=%d: self-attention needs equal widths (use Cross)", m.kDim(), m.vDim(), m.DModel)
	}
	return nil
}

// project computes x·Wᵀ + b into dst (T×rows(W)).
func project(dst, x, w kernel.Matrix, b []float32) {
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, w, 0, dst)
	addBiasRows(dst, b)
}

// projectPacked is project with Wᵀ packed once in c (the same bits).
func projectPacked(dst, x, w kernel.Matrix, b []float32, c *packcache.Cache) {
	c.MulT(dst, x, w, 0)
	addBiasRows(dst, b)
}

// The three input projections, by index.
const (
	partQ = iota
	partK
	partV
)

// weight returns the projection of part p (partQ, partK or partV).
func (m *MultiHead) weight(p int) kernel.Matrix {
	switch p {
	case partQ:
		return m.Wq()
	case partK:
		return m.Wk()
	}
	return m.Wv()
}

// bias returns the bias of part p, or nil: bq, bk and bv are InBias's
// first d_model elements and the two KVHeads·d_head after them.
func (m *MultiHead) bias(p int) []float32 { return m.biasOf(m.InBias, p) }

// biasOf returns part p of b, a vector laid out as InBias (nil for nil).
func (m *MultiHead) biasOf(b []float32, p int) []float32 {
	if b == nil {
		return nil
	}
	e, kv := m.DModel, m.kvWidth()
	switch p {
	case partQ:
		return b[:e]
	case partK:
		return b[e : e+kv]
	}
	return b[e+kv : e+2*kv]
}

// projectSelf computes the queries, keys and values of the rows of x into
// qkv (T × (d_model + 2·KVHeads·d_head)): one product in the packed
// layout, three in the separate one.
func (m *MultiHead) projectSelf(qkv, x kernel.Matrix, qb *[2]kernel.QBatch) {
	if m.quant != nil {
		quantGemm(qkv, x, m.quant.in, m.quant.inLo, qb)
		addBiasRows(qkv, m.InBias)
		return
	}
	if m.packed() {
		projectPacked(qkv, x, m.InProj, m.InBias, &m.packs[packIn])
		return
	}
	e, kv, t := m.DModel, m.kvWidth(), x.Rows
	projectPacked(qkv.Slice(0, t, 0, e), x, m.QProj, m.bias(partQ), &m.packs[packQ])
	projectPacked(qkv.Slice(0, t, e, e+kv), x, m.KProj, m.bias(partK), &m.packs[packK])
	projectPacked(qkv.Slice(0, t, e+kv, e+2*kv), x, m.VProj, m.bias(partV), &m.packs[packV])
}

// projectRow is projectSelf for one row (Decode), by matrix–vector
// products.
func (m *MultiHead) projectRow(qkv, x []float32, qv *[2]kernel.QVector) {
	switch {
	case m.quant != nil:
		quantGemv(qkv, x, m.quant.in, m.quant.inLo, qv)
	case m.packed():
		kernel.Gemv(qkv, m.InProj, x)
	default:
		e, kv := m.DModel, m.kvWidth()
		kernel.Gemv(qkv[:e], m.QProj, x)
		kernel.Gemv(qkv[e:e+kv], m.KProj, x)
		kernel.Gemv(qkv[e+kv:e+2*kv], m.VProj, x)
	}
	if m.InBias != nil {
		kernel.Add(qkv, qkv, m.InBias)
	}
}

// Forward computes multi-head self-attention of the sequence x (T×d_model)
// into dst (T×d_model): the projections as one T×3·d_model product (three
// products in the separate layout), each head's attention by
// SelfAttention (so long sequences are tiled and, with opt.Causal, the
// masked tiles are skipped), and the output projection. Masks in opt are
// T×T and shared by the heads; with Rotary, row i is at position i. dst
// must not overlap x.
func (m *MultiHead) Forward(dst, x kernel.Matrix, opt Options) error {
	return m.forward("Forward", dst, x, nil, opt)
}

// Prefill is Forward for a sequence that continues the tokens already in
// cache: the new keys and values are appended to the cache and each new
// query attends to the cached ones and the new ones (with opt.Causal,
// query i of x sees the cache and x's tokens 0..i, which is what a
// language model needs; without it, all of them). With Rotary, row i of x
// is at position Len()+i. Subsequent Decode calls continue from there.
func (m *MultiHead) Prefill(dst, x kernel.Matrix, cache *KVCache, opt Options) error {
	if cache == nil {
		return shapeErr("Prefill", "nil cache")
	}
	return m.forward("Prefill", dst, x, cache, opt)
}

// checkRows checks an input x of T×d_model and its companion y
// (Forward's dst, Backward's dy), which must be T×d_model too.
func (m *MultiHead) checkRows(fn string, x kernel.Matrix, name string, y kernel.Matrix) error {
	e, t := m.DModel, x.Rows
	if !x.Valid() || x.Cols != e {
		return shapeErr(fn, "x is %d×%d, want T×%d", x.Rows, x.Cols, e)
	}
	if !y.Valid() || y.Rows != t || y.Cols != e {
		return shapeErr(fn, "%s is %d×%d, want %d×%d", name, y.Rows, y.Cols, t, e)
	}
	return nil
}

func (m *MultiHead) forward(fn string, dst, x kernel.Matrix, cache *KVCache, opt Options) error {
	if err := m.checkSelf(fn); err != nil {
		return err
	}
	if err := m.checkRows(fn, x, "dst", dst); err != nil {
		return err
	}
	e, kv, t := m.DModel, m.kvWidth(), x.Rows
	past := 0
	if cache != nil {
		if err := cache.fits(fn, m, t); err != nil {
			return err
		}
		past = cache.n
	}
	if err := opt.check(fn, t, past+t); err != nil {
		return err
	}
	// Pooled scratch: the projection (beta=0) and SelfAttention write
	// every element, so nothing needs zeroing.
	w := e + 2*kv
	sq := scratch.Get(t * (w + e))
	defer scratch.Put(sq)
	qkv := kernel.MatrixFrom(t, w, sq.Data[:t*w])
	var qb [2]kernel.QBatch // used by a quantized model only
	m.projectSelf(qkv, x, &qb)
	if m.Rotary != nil {
		m.Rotary.rotateRows(qkv, m.Heads+m.NumKVHeads(), m.DHead(), past)
	}
	ctx := kernel.MatrixFrom(t, e, sq.Data[t*w:])
	dh := m.DHead()
	src := kvSource{k: qkv.Slice(0, t, e, e+kv), v: qkv.Slice(0, t, e+kv, e+2*kv)}
	if cache != nil {
		for g := range m.NumKVHeads() {
			k, v := src.of(g, dh)
			cache.put(g, past, k, v)
		}
		var sc *scratch.Buf // a closure to give it back would be allocated
		src, sc = cache.source(past + t)
		if sc != nil {
			defer scratch.Put(sc)
		}
	}
	if err := m.attendHeads(ctx, qkv.Slice(0, t, 0, e), src, past+t, opt); err != nil {
		return err
	}
	if cache != nil {
		cache.n += t
	}
	if m.quant != nil {
		quantGemm(dst, ctx, m.quant.out, m.quant.outLo, &qb)
		addBiasRows(dst, m.OutBias)
		return nil
	}
	projectPacked(dst, ctx, m.OutProj, m.OutBias, &m.packs[packOut])
	return nil
}

// Cross computes multi-head attention of the queries in query (Tq×d_model)
// over the keys in key (Tk×KDim) and the values in value (Tk×VDim) into
// dst (Tq×d_model): torch.nn.MultiheadAttention's forward(query, key,
// value), cross-attention when key and value come from another sequence
// (an encoder's memory). Masks in opt are Tq×Tk (KeepKeys: Tk, torch's
// key_padding_mask negated), shared by the heads; Causal is bottom-right
// aligned as in SelfAttention. Cross(dst, x, x, x, opt) is Forward(dst, x,
// opt). A model with Rotary is refused (ErrOptions): rotary positions
// belong to self-attention. dst must not overlap the inputs.
func (m *MultiHead) Cross(dst, query, key, value kernel.Matrix, opt Options) error {
	const fn = "Cross"
	if err := m.checkCross(fn, dst, query, key, value); err != nil {
		return err
	}
	e, kv, tq, tk := m.DModel, m.kvWidth(), query.Rows, key.Rows
	if err := opt.check(fn, tq, tk); err != nil {
		return err
	}
	sq := scratch.Get(2*tq*e + 2*tk*kv)
	defer scratch.Put(sq)
	d := sq.Data
	q := kernel.MatrixFrom(tq, e, d[:tq*e])
	ctx := kernel.MatrixFrom(tq, e, d[tq*e:2*tq*e])
	k := kernel.MatrixFrom(tk, kv, d[2*tq*e:2*tq*e+tk*kv])
	v := kernel.MatrixFrom(tk, kv, d[2*tq*e+tk*kv:])
	projectPacked(q, query, m.Wq(), m.bias(partQ), &m.packs[packQ])
	projectPacked(k, key, m.Wk(), m.bias(partK), &m.packs[packK])
	projectPacked(v, value, m.Wv(), m.bias(partV), &m.packs[packV])
	if err := m.attendHeads(ctx, q, kvSource{k: k, v: v}, tk, opt); err != nil {
		return err
	}
	projectPacked(dst, ctx, m.OutProj, m.OutBias, &m.packs[packOut])
	return nil
}

// checkCross checks the model and the shapes of Cross (and CrossBackward,
// whose dy has dst's shape).
func (m *MultiHead) checkCross(fn string, dst, query, key, value kernel.Matrix) error {
	if err := m.floatOnly(fn); err != nil {
		return err
	}
	if err := m.checkMemory(fn, key, value); err != nil {
		return err
	}
	return m.checkRows(fn, query, "dst", dst)
}

// checkMemory checks the model for attention over the keys in key and the
// values in value (Cross, SetMemory), which exclude Rotary, and their
// shapes.
func (m *MultiHead) checkMemory(fn string, key, value kernel.Matrix) error {
	if err := m.checkNoRotary(fn); err != nil {
		return err
	}
	if !key.Valid() || key.Cols != m.kDim() {
		return shapeErr(fn, "key is %d×%d, want Tk×%d", key.Rows, key.Cols, m.kDim())
	}
	if !value.Valid() || value.Cols != m.vDim() || value.Rows != key.Rows {
		return shapeErr(fn, "value is %d×%d, want %d×%d", value.Rows, value.Cols, key.Rows, m.vDim())
	}
	return nil
}

// checkNoRotary checks the model for attention between two sequences
// (Cross, SetMemory, DecodeCross), which has no place for Rotary.
func (m *MultiHead) checkNoRotary(fn string) error {
	if err := m.floatOnly(fn); err != nil {
		return err
	}
	if err := m.check(fn); err != nil {
		return err
	}
	if m.Rotary != nil {
		return fmt.Errorf("attn.%s: a model with Rotary: rotary positions are for self-attention (Forward, Prefill, Decode): %w", fn, ErrOptions)
	}
	return nil
}

// kvSource is where attendHeads finds the keys and values of each
// key/value head: the d_head-wide column windows of k and v, or, with
// cache set, the first n rows of the cache's.
type kvSource struct {
	k, v  kernel.Matrix
	cache *KVCache
	n     int
}

// of returns the keys and values of key/value head g, d_head = dh wide.
func (s *kvSource) of(g, dh int) (k, v kernel.Matrix) {
	if s.cache != nil {
		return s.cache.rows(s.cache.k, g, s.n), s.cache.rows(s.cache.v, g, s.n)
	}
	return s.k.Slice(0, s.k.Rows, g*dh, (g+1)*dh), s.v.Slice(0, s.v.Rows, g*dh, (g+1)*dh)
}

// attendHeads computes each query head's attention into its columns of
// ctx: query head h of q against the keys and values of its key/value
// head in kv, each with nk rows. On several threads the shares are the
// heads' blocks of query rows (SelfAttention's blocks), not whole heads:
// with a causal mask a head's last blocks cost many times its first, and
// shares of a whole head (milliseconds each in a long prefill) leave one
// thread idle at the end for up to a head's time when the threads do not
// run at exactly the same pace. The blocks are claimed largest first (the
// last rows first, every head's), so that the smallest come last. Each
// block is computed as the serial loop computes it, so the bits do not
// depend on the number of threads. It allocates nothing in the steady
// state, on one thread or many: the heads are a headsAttend value, not
// closures, and the parallel case borrows a pooled attendTask (its
// workers.Group included).
func (m *MultiHead) attendHeads(ctx, q kernel.Matrix, kv kvSource, nk int, opt Options) error {
	a := headsAttend{m: m, ctx: ctx, q: q, kv: kv, opt: opt}
	n := m.Heads
	threads := headThreads(n, q.Rows*nk*m.DHead())
	if threads <= 1 {
		for h := range n {
			if err := a.head(h); err != nil {
				return err
			}
		}
		return nil
	}
	// Every head has the same shapes, so head 0's checks and blocks are
	// every head's.
	qh, k, v, out := a.operands(0)
	if err := a.opt.check("SelfAttention", qh.Rows, k.Rows); err != nil {
		return err
	}
	if qh.Rows == 0 || out.Cols == 0 {
		return nil
	}
	t := attendTasks.Get()
	t.a = a
	t.blocks = newRowBlocks(out, qh, k, v, &a.opt)
	t.nb = (q.Rows + t.blocks.rows - 1) / t.blocks.rows
	t.group.Run(t, n*t.nb, threads)
	t.a, t.blocks = headsAttend{}, rowBlocks{} // keep no reference to the caller's matrices and masks
	attendTasks.Put(t)
	return nil
}

// headsAttend is the attention of attendHeads' heads.
type headsAttend struct {
	m      *MultiHead
	ctx, q kernel.Matrix
	kv     kvSource
	opt    Options
}

// operands returns query head h's queries, its keys and values, and its
// columns of ctx.
func (a *headsAttend) operands(h int) (qh, k, v, out kernel.Matrix) {
	dh, t := a.m.DHead(), a.q.Rows
	qh = a.q.Slice(0, t, h*dh, (h+1)*dh)
	k, v = a.kv.of(h/(a.m.Heads/a.m.NumKVHeads()), dh)
	out = a.ctx.Slice(0, t, h*dh, (h+1)*dh)
	return qh, k, v, out
}

// head computes query head h into its columns of ctx, on the calling
// goroutine.
func (a *headsAttend) head(h int) error {
	qh, k, v, out := a.operands(h)
	return SelfAttention(out, qh, k, v, a.opt)
}

// attendTask is attendHeads' parallel case as a workers.Task: share s is
// block nb−1−s/Heads of head s mod Heads (the last blocks, the largest
// under a causal mask, first). Pooled, so that a parallel call allocates
// nothing.
type attendTask struct {
	a      headsAttend
	blocks rowBlocks // head 0's; the other heads' differ only in their matrices
	nb     int       // blocks per head
	group  workers.Group
}

func (t *attendTask) Run(s int) {
	h, i := s%t.a.m.Heads, t.nb-1-s/t.a.m.Heads
	b := t.blocks
	b.q, b.k, b.v, b.dst = t.a.operands(h)
	r0, r1 := b.span(i)
	dh := b.dst.Cols
	// The block is computed into a contiguous buffer, then copied into
	// its rows of the head's columns of ctx: Gemm reports its whole
	// output span to the race detector, padding between rows included,
	// so blocks writing interleaved column windows would look like a
	// race.
	sc := blockScratch.Get((r1-r0)*dh + b.scratch())
	tmp := kernel.MatrixFrom(r1-r0, dh, sc.Data[:(r1-r0)*dh])
	b.blockInto(i, tmp, sc.Data[(r1-r0)*dh:])
	copyInto(b.dst.Slice(r0, r1, 0, dh), tmp)
	blockScratch.Put(sc)
}

var attendTasks scratch.Pool[attendTask]

// parallelMinWork is the per-head attention work (query rows × keys ×
// d_head) above which Forward spreads the heads over kernel.Threads()
// goroutines.
const parallelMinWork = 64 * 64 * 64

// headThreads returns on how many goroutines to run n heads of work
// each: up to kernel.Threads(), and 1 when a head has less than
// parallelMinWork.
func headThreads(n, work int) int {
	if work < parallelMinWork {
		return 1
	}
	return min(kernel.Threads(), n)
}

// forHeads runs fn for heads 0..n-1, on up to kernel.Threads() goroutines
// (the caller and idle helpers of package workers) when each head has at
// least parallelMinWork work, and returns the first error. It allocates
// (the closure, its task): Backward's, which allocates its activations
// anyway; attendHeads is the allocation-free path of the forward passes.
func forHeads(n, work int, fn func(h int, parallel bool) error) error {
	threads := headThreads(n, work)
	if threads <= 1 {
		for h := range n {
			if err := fn(h, false); err != nil {
				return err
			}
		}
		return nil
	}
	t := &headsTask{fn: fn, errs: make([]error, n)}
	workers.Run(t, n, threads)
	return errors.Join(t.errs...)
}

// headsTask is forHeads' parallel case as a workers.Task: share h is head
// h.
type headsTask struct {
	fn   func(h int, parallel bool) error
	errs []error
}

func (t *headsTask) Run(h int) { t.errs[h] = t.fn(h, true) }
