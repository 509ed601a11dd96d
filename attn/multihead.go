package attn

import (
	"errors"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// MultiHead is multi-head attention with H heads over a model width
// d_model = H·d_head, laid out as torch.nn.MultiheadAttention (with
// batch_first and equal q/k/v widths), so its tensors load directly:
//
//	InProj  ↔ in_proj_weight   (3·d_model × d_model: Wq, Wk, Wv stacked)
//	InBias  ↔ in_proj_bias     (3·d_model, or nil for no bias)
//	OutProj ↔ out_proj.weight  (d_model × d_model)
//	OutBias ↔ out_proj.bias    (d_model, or nil)
//
// For an input row x: q = Wq·x + bq, k = Wk·x + bk, v = Wv·x + bv; head h
// uses columns [h·d_head, (h+1)·d_head) of q, k and v; the heads' outputs
// are concatenated and projected: y = Wo·concat + bo. Scores are scaled by
// 1/√d_head unless Options say otherwise.
//
// A MultiHead is only read by Forward, Prefill, Decode and Backward, so
// one model may serve many goroutines at once, each with its own KVCache.
type MultiHead struct {
	DModel, Heads int
	InProj        kernel.Matrix
	InBias        []float32
	OutProj       kernel.Matrix
	OutBias       []float32
}

// MaxDModel is the largest d_model NewMultiHead accepts: 16384, the
// largest power of two whose 4·d_model² projection weights (2³⁰ float32,
// 4 GiB) fit in what a safetensors file may hold for LoadMultiHead to
// read it back. Larger sizes, and so every size whose products would
// overflow an int, are refused before anything is allocated.
const MaxDModel = 1 << 14

// NewMultiHead returns a model with zero weights (and zero biases if bias
// is set) for d_model = dModel split over heads heads. Use Init for a
// random initialisation or fill the matrices from trained weights. It
// returns an error wrapping ErrShape if dModel is not a positive multiple
// of heads or exceeds MaxDModel.
func NewMultiHead(dModel, heads int, bias bool) (*MultiHead, error) {
	if dModel <= 0 || heads <= 0 || dModel%heads != 0 {
		return nil, shapeErr("NewMultiHead", "d_model=%d is not a positive multiple of heads=%d", dModel, heads)
	}
	if dModel > MaxDModel {
		return nil, shapeErr("NewMultiHead", "d_model=%d exceeds MaxDModel=%d (4·d_model² weights)", dModel, MaxDModel)
	}
	m := &MultiHead{
		DModel:  dModel,
		Heads:   heads,
		InProj:  kernel.NewMatrix(3*dModel, dModel),
		OutProj: kernel.NewMatrix(dModel, dModel),
	}
	if bias {
		m.InBias = make([]float32, 3*dModel)
		m.OutBias = make([]float32, dModel)
	}
	return m, nil
}

// DHead returns the width of one head, DModel/Heads.
func (m *MultiHead) DHead() int { return m.DModel / m.Heads }

// Wq returns the query projection, rows [0, d_model) of InProj.
func (m *MultiHead) Wq() kernel.Matrix { return m.InProj.Slice(0, m.DModel, 0, m.DModel) }

// Wk returns the key projection, rows [d_model, 2·d_model) of InProj.
func (m *MultiHead) Wk() kernel.Matrix { return m.InProj.Slice(m.DModel, 2*m.DModel, 0, m.DModel) }

// Wv returns the value projection, rows [2·d_model, 3·d_model) of InProj.
func (m *MultiHead) Wv() kernel.Matrix { return m.InProj.Slice(2*m.DModel, 3*m.DModel, 0, m.DModel) }

// Init fills the weights as PyTorch initialises nn.MultiheadAttention:
// InProj Xavier-uniform (bound √(6/(4·d_model))), OutProj uniform in
// ±1/√d_model, biases zero.
func (m *MultiHead) Init(r *rand.Rand) {
	fill := func(w kernel.Matrix, bound float64) {
		for i := 0; i < w.Rows; i++ {
			row := w.Row(i)
			for j := range row {
				row[j] = float32((2*r.Float64() - 1) * bound)
			}
		}
	}
	fill(m.InProj, math.Sqrt(6/float64(4*m.DModel)))
	fill(m.OutProj, 1/math.Sqrt(float64(m.DModel)))
	clear(m.InBias)
	clear(m.OutBias)
}

// check validates the model's own shapes.
func (m *MultiHead) check(fn string) error {
	e := m.DModel
	if e <= 0 || m.Heads <= 0 || e%m.Heads != 0 {
		return shapeErr(fn, "d_model=%d is not a positive multiple of heads=%d", e, m.Heads)
	}
	if !m.InProj.Valid() || m.InProj.Rows != 3*e || m.InProj.Cols != e {
		return shapeErr(fn, "InProj is %d×%d, want %d×%d", m.InProj.Rows, m.InProj.Cols, 3*e, e)
	}
	if !m.OutProj.Valid() || m.OutProj.Rows != e || m.OutProj.Cols != e {
		return shapeErr(fn, "OutProj is %d×%d, want %d×%d", m.OutProj.Rows, m.OutProj.Cols, e, e)
	}
	if m.InBias != nil && len(m.InBias) != 3*e {
		return shapeErr(fn, "len(InBias)=%d, want %d", len(m.InBias), 3*e)
	}
	if m.OutBias != nil && len(m.OutBias) != e {
		return shapeErr(fn, "len(OutBias)=%d, want %d", len(m.OutBias), e)
	}
	return nil
}

// addBiasRows adds b to every row of a.
func addBiasRows(a kernel.Matrix, b []float32) {
	if b == nil {
		return
	}
	for i := 0; i < a.Rows; i++ {
		r := a.Row(i)
		kernel.Add(r, r, b)
	}
}

// project computes x·Wᵀ + b into dst (T×rows(W)).
func project(dst, x, w kernel.Matrix, b []float32) {
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, w, 0, dst)
	addBiasRows(dst, b)
}

// Forward computes multi-head self-attention of the sequence x (T×d_model)
// into dst (T×d_model): the projections as one T×3·d_model product, each
// head's attention by SelfAttention (so long sequences are tiled and, with
// opt.Causal, the masked tiles are skipped), and the output projection.
// Masks in opt are T×T and shared by the heads. dst must not overlap x.
func (m *MultiHead) Forward(dst, x kernel.Matrix, opt Options) error {
	return m.forward("Forward", dst, x, nil, opt)
}

// Prefill is Forward for a sequence that continues the tokens already in
// cache: the new keys and values are appended to the cache and each new
// query attends to the cached ones and the new ones (with opt.Causal,
// query i of x sees the cache and x's tokens 0..i, which is what a
// language model needs; without it, all of them). Subsequent Decode calls
// continue from there.
func (m *MultiHead) Prefill(dst, x kernel.Matrix, cache *KVCache, opt Options) error {
	if cache == nil {
		return shapeErr("Prefill", "nil cache")
	}
	return m.forward("Prefill", dst, x, cache, opt)
}

// checkRows checks the model, an input x of T×d_model and its companion y
// (Forward's dst, Backward's dy), which must be T×d_model too.
func (m *MultiHead) checkRows(fn string, x kernel.Matrix, name string, y kernel.Matrix) error {
	if err := m.check(fn); err != nil {
		return err
	}
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
	if err := m.checkRows(fn, x, "dst", dst); err != nil {
		return err
	}
	e, t := m.DModel, x.Rows
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
	sq := scratch.Get(t * 4 * e)
	defer scratch.Put(sq)
	qkv := kernel.MatrixFrom(t, 3*e, sq.Data[:t*3*e])
	project(qkv, x, m.InProj, m.InBias)
	ctx := kernel.MatrixFrom(t, e, sq.Data[t*3*e:])
	dh := m.DHead()
	head := func(h int, parallel bool) error {
		q := qkv.Slice(0, t, h*dh, (h+1)*dh)
		k := qkv.Slice(0, t, e+h*dh, e+(h+1)*dh)
		v := qkv.Slice(0, t, 2*e+h*dh, 2*e+(h+1)*dh)
		if cache != nil {
			cache.put(h, past, k, v)
			k, v = cache.rows(cache.k, h, past+t), cache.rows(cache.v, h, past+t)
		}
		out := ctx.Slice(0, t, h*dh, (h+1)*dh)
		if !parallel {
			return SelfAttention(out, q, k, v, opt)
		}
		// Heads running in parallel write their own contiguous buffer,
		// then their columns of ctx: Gemm reports its whole output span
		// to the race detector, padding between rows included, so
		// interleaved column windows would look like a race.
		sc := scratch.Get(t * dh)
		defer scratch.Put(sc)
		tmp := kernel.MatrixFrom(t, dh, sc.Data)
		if err := SelfAttention(tmp, q, k, v, opt); err != nil {
			return err
		}
		for i := 0; i < t; i++ {
			copy(out.Row(i), tmp.Row(i))
		}
		return nil
	}
	if err := forHeads(m.Heads, t*(past+t)*dh, head); err != nil {
		return err
	}
	if cache != nil {
		cache.n += t
	}
	project(dst, ctx, m.OutProj, m.OutBias)
	return nil
}

// parallelMinWork is the per-head attention work (query rows × keys ×
// d_head) above which Forward spreads the heads over kernel.Threads()
// goroutines.
const parallelMinWork = 64 * 64 * 64

// forHeads runs fn for heads 0..n-1, on up to kernel.Threads() goroutines
// (the caller and idle helpers of package workers)
// when each head has at least parallelMinWork work, and returns the first
// error.
func forHeads(n, work int, fn func(h int, parallel bool) error) error {
	threads := min(kernel.Threads(), n)
	if threads <= 1 || work < parallelMinWork {
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
