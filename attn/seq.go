package attn

import (
	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/internal/workers"
	"github.com/simdcore/simdcore/kernel"
)

// Tile sizes and the direct/tiled crossover of SelfAttention, chosen by
// measurement with BenchmarkPaths (attn/tune_test.go) on Zen 5, d=64, one
// thread: the direct path is as fast as the best tiling up to 512 keys
// when causal (a 64-row block wastes little above the diagonal), and
// wider row blocks pay off without a causal mask (larger Gemm tiles).
var (
	// directMaxKeys: up to this many keys, SelfAttention takes the
	// direct path (each block of rows against all its keys at once).
	directMaxKeys = 512
	// directRows is the row block of the direct path, causal or not.
	directRowsCausal, directRows = 64, 256
	// tileQ×tileK is the score tile of the tiled path, causal or not.
	tileQCausal, tileKCausal = 128, 512
	tileQ, tileK             = 256, 256
)

// checkSeq validates the shapes of a sequence attention problem.
func checkSeq(fn string, dst, q, k, v kernel.Matrix) error {
	for _, m := range []struct {
		name string
		m    kernel.Matrix
	}{{"dst", dst}, {"q", q}, {"k", k}, {"v", v}} {
		if !m.m.Valid() {
			return shapeErr(fn, "malformed %s %d×%d stride %d len(data)=%d", m.name, m.m.Rows, m.m.Cols, m.m.Stride, len(m.m.Data))
		}
	}
	if q.Cols != k.Cols {
		return shapeErr(fn, "q is %d×%d but k is %d×%d: widths differ", q.Rows, q.Cols, k.Rows, k.Cols)
	}
	if k.Rows != v.Rows {
		return shapeErr(fn, "k has %d rows but v has %d", k.Rows, v.Rows)
	}
	if dst.Rows != q.Rows || dst.Cols != v.Cols {
		return shapeErr(fn, "dst is %d×%d, want %d×%d (q rows × v cols)", dst.Rows, dst.Cols, q.Rows, v.Cols)
	}
	return nil
}

// SelfAttention computes soft attention for a block of queries:
// row i of dst is Σ_j softmax_j(c·q_i·k_j + masks)·v_j, for q Tq×d, k Tk×d,
// v Tk×dv and dst Tq×dv (self-attention when q, k and v come from the same
// sequence, but Tq and Tk may differ). Options.Causal lets row i see keys
// j ≤ i + Tk − Tq; Mask and Keep are Tq×Tk.
//
// Up to directMaxKeys keys, the scores are computed in one block and
// normalised with a plain softmax. Beyond that, the work goes tile by tile
// (flash-attention): a tile of query rows against a tile of keys, an
// online softmax keeping each row's running maximum and sum, and the
// output rescaled as the maximum grows. The Tq×Tk matrix is never held,
// and with Causal the tiles above the diagonal are never computed. Both
// paths use kernel matrix products for Q·Kᵀ and P·V. Rows whose keys are
// all masked are zero.
//
// dst must not overlap q, k or v. Shapes are checked as ErrShape errors.
//
// Long sequences are split by blocks of query rows across up to
// kernel.Threads() goroutines (when each block has enough work to pay for
// the hand-off); the blocks are those of the serial loop, so the result
// does not depend on the number of threads. It allocates nothing in the
// steady state.
func SelfAttention(dst, q, k, v kernel.Matrix, opt Options) error {
	if err := checkSeq("SelfAttention", dst, q, k, v); err != nil {
		return err
	}
	if err := opt.check("SelfAttention", q.Rows, k.Rows); err != nil {
		return err
	}
	selfAttend(dst, q, k, v, &opt)
	return nil
}

// selfAttend is SelfAttention on checked operands: its row blocks on the
// calling goroutine, or spread over goroutines when each has enough work.
func selfAttend(dst, q, k, v kernel.Matrix, opt *Options) {
	tq := q.Rows
	if tq == 0 || dst.Cols == 0 {
		return
	}
	b := newRowBlocks(dst, q, k, v, opt)
	n := (tq + b.rows - 1) / b.rows
	// The work of a block: its rows against all keys (an upper bound
	// with Causal), at d = q's width.
	threads := headThreads(n, b.rows*k.Rows*q.Cols)
	if threads <= 1 {
		sc := blockScratch.Get(b.scratch())
		defer blockScratch.Put(sc)
		for i := range n {
			b.block(i, sc.Data)
		}
		return
	}
	t := blockTasks.Get()
	t.b = b
	t.group.Run(t, n, threads)
	t.b = rowBlocks{} // keep no reference to the caller's matrices and masks
	blockTasks.Put(t)
}

// rowBlocks is one SelfAttention call cut into blocks of rows query rows:
// block i is rows [i·rows, (i+1)·rows), computed by the direct path or,
// if tiled, by the flash-attention path with rows×tileK score tiles.
type rowBlocks struct {
	dst, q, k, v kernel.Matrix
	opt          Options // a copy: a pointer would move the caller's to the heap
	tiled        bool
	rows, tileK  int
}

// newRowBlocks returns SelfAttention's blocks for its operands: the
// direct path up to directMaxKeys keys, the tiled one beyond.
func newRowBlocks(dst, q, k, v kernel.Matrix, opt *Options) rowBlocks {
	b := rowBlocks{dst: dst, q: q, k: k, v: v, opt: *opt}
	switch {
	case k.Rows <= directMaxKeys:
		b.rows = directRows
		if opt.Causal {
			b.rows = directRowsCausal
		}
	case opt.Causal:
		b.tiled, b.rows, b.tileK = true, tileQCausal, tileKCausal
	default:
		b.tiled, b.rows, b.tileK = true, tileQ, tileK
	}
	b.rows = max(1, min(q.Rows, b.rows))
	return b
}

// scratch is the scratch one block needs: its scores (rows × keys, or
// rows × tileK and the running maxima and sums).
func (b *rowBlocks) scratch() int {
	if b.tiled {
		return b.rows*b.tileK + 2*b.rows
	}
	return b.rows * b.k.Rows
}

// block computes block i into its rows of dst, its scores in buf (at
// least scratch() elements).
func (b *rowBlocks) block(i int, buf []float32) {
	r0, r1 := b.span(i)
	b.blockInto(i, b.dst.Slice(r0, r1, 0, b.dst.Cols), buf)
}

// span returns the query rows [r0, r1) of block i.
func (b *rowBlocks) span(i int) (r0, r1 int) {
	r0 = i * b.rows
	return r0, min(r0+b.rows, b.q.Rows)
}

// blockInto computes block i into out (its r1−r0 rows × dst's columns,
// which need not be dst's), its scores in buf (at least scratch()
// elements): the same bits wherever out lies.
func (b *rowBlocks) blockInto(i int, out kernel.Matrix, buf []float32) {
	r0, r1 := b.span(i)
	if b.tiled {
		tiledBlock(out, b.q, b.k, b.v, &b.opt, r0, r1, b.tileK, buf)
		return
	}
	directBlock(out, b.q, b.k, b.v, &b.opt, r0, r1, buf)
}

// blockTask is selfAttend's parallel case as a workers.Task: share i is
// block i. Pooled, so that a parallel call allocates nothing.
type blockTask struct {
	b     rowBlocks
	group workers.Group
}

func (t *blockTask) Run(i int) {
	sc := blockScratch.Get(t.b.scratch())
	t.b.block(i, sc.Data)
	blockScratch.Put(sc)
}

// blockScratch lends the scratch of SelfAttention's blocks (blockTask's,
// attendTask's): apart from the package pool, so that each goroutine
// holds at most one of its buffers at a time, as scratch.Buffers needs to
// allocate nothing once every shape has run at its concurrency.
var blockScratch = scratch.NewBuffers()

var blockTasks scratch.Pool[blockTask]

// directBlock is the direct path for query rows [r0, r1) into out (their
// r1−r0 rows of the output): S = c·Q·Kᵀ, masked row softmax, S·V.
func directBlock(out, q, k, v kernel.Matrix, opt *Options, r0, r1 int, buf []float32) {
	tq, tk := q.Rows, k.Rows
	c := opt.effScale(q.Cols)
	kEnd := opt.keyEnd(r1-1, tq, tk)
	if kEnd == 0 {
		clearRows(out)
		return
	}
	s := kernel.Matrix{Rows: r1 - r0, Cols: kEnd, Stride: kEnd, Data: buf[:(r1-r0)*kEnd]}
	kernel.Gemm(kernel.NoTrans, kernel.Trans, c, q.Slice(r0, r1, 0, q.Cols), k.Slice(0, kEnd, 0, k.Cols), 0, s)
	for i := r0; i < r1; i++ {
		row := s.Row(i - r0)
		end := opt.keyEnd(i, tq, tk)
		if opt.hasMask() {
			opt.applyMask(row[:end], i, 0, tk)
		}
		softmaxInPlace(row[:end])
		clear(row[end:])
	}
	vb := v.Slice(0, kEnd, 0, v.Cols)
	if raggedNonFinite(v, opt, r0, 0, kEnd, tq, tk) {
		causalPV(s, vb, out, 0, opt, r0, 0, tq, tk)
	} else {
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, s, vb, 0, out)
	}
}

// raggedNonFinite reports whether the P·V product of the query rows from
// r0 against keys [k0, k1) must be computed row by row: with Causal, the
// rows of a block see different numbers of keys, and the weight 0 of a key
// beyond a row's bound would carry a NaN or Inf in that key's value into
// the row (0·NaN is NaN), which no other path does. The keys every row of
// the block sees need no check; for the others a Sum tells (it is finite
// if every value is; an overflow to Inf only sends the block the slow,
// still exact way): one Sum of the whole range for contiguous rows, one
// per row otherwise.
func raggedNonFinite(v kernel.Matrix, opt *Options, r0, k0, k1, tq, tk int) bool {
	if !opt.Causal {
		return false
	}
	j0 := max(k0, opt.keyEnd(r0, tq, tk))
	if j0 >= k1 {
		return false
	}
	if v.Stride == v.Cols {
		s := kernel.Sum(v.Data[j0*v.Stride : k1*v.Stride])
		return s-s != 0
	}
	for j := j0; j < k1; j++ {
		if s := kernel.Sum(v.Row(j)); s-s != 0 {
			return true
		}
	}
	return false
}

// causalPV computes out = P·V + beta·out (beta 0 or 1) row by row, row i
// of p (query row r0+i) against only the keys of v (keys k0, k0+1, …) it
// may see, so that the values of keys beyond its causal bound are never
// read.
func causalPV(p, v, out kernel.Matrix, beta float32, opt *Options, r0, k0, tq, tk int) {
	for i := 0; i < p.Rows; i++ {
		n := min(p.Cols, max(0, opt.keyEnd(r0+i, tq, tk)-k0))
		o := out.Slice(i, i+1, 0, out.Cols)
		if n == 0 {
			if beta == 0 {
				clear(o.Row(0))
			}
			continue
		}
		kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, p.Slice(i, i+1, 0, n), v.Slice(0, n, 0, v.Cols), beta, o)
	}
}

func clearRows(m kernel.Matrix) {
	for i := 0; i < m.Rows; i++ {
		clear(m.Row(i))
	}
}

// tiledBlock is the flash-attention path for query rows [r0, r1) into
// out (their r1−r0 rows of the output), with score tiles of those rows
// against bk keys.
func tiledBlock(out, q, k, v kernel.Matrix, opt *Options, r0, r1, bk int, buf []float32) {
	tq, tk := q.Rows, k.Rows
	c := opt.effScale(q.Cols)
	nr := r1 - r0
	mrun := buf[nr*bk : nr*bk+nr] // running row maxima
	lrun := buf[nr*bk+nr:]        // running row sums
	clearRows(out)
	for i := range nr {
		mrun[i], lrun[i] = negInf, 0
	}
	qb := q.Slice(r0, r1, 0, q.Cols)
	// Keys beyond the last row's bound are masked for every row of
	// the block: with Causal this skips the tiles above the diagonal.
	kEnd := opt.keyEnd(r1-1, tq, tk)
	for k0 := 0; k0 < kEnd; k0 += bk {
		k1 := min(k0+bk, kEnd)
		nk := k1 - k0
		s := kernel.Matrix{Rows: nr, Cols: nk, Stride: nk, Data: buf[:nr*nk]}
		kernel.Gemm(kernel.NoTrans, kernel.Trans, c, qb, k.Slice(k0, k1, 0, k.Cols), 0, s)
		for i := range nr {
			row := s.Row(i)
			end := opt.keyEnd(r0+i, tq, tk) - k0
			if end <= 0 {
				clear(row) // the whole tile is masked for this row
				continue
			}
			if end < nk {
				for j := end; j < nk; j++ {
					row[j] = negInf
				}
			}
			if opt.hasMask() {
				opt.applyMask(row[:min(end, nk)], r0+i, k0, tk)
			}
			mt := kernel.Max(row)
			mnew := max(mrun[i], mt)
			if mnew == negInf {
				clear(row) // every key so far is masked
				continue
			}
			addScalar(row, -mnew)
			expInPlace(row)
			lt := kernel.Sum(row)
			if mrun[i] != mnew {
				// The maximum grew: rescale what has been accumulated.
				alpha := expf(mrun[i] - mnew)
				lrun[i] *= alpha
				kernel.Scale(alpha, out.Row(i))
			}
			mrun[i] = mnew
			lrun[i] += lt
		}
		if vt := v.Slice(k0, k1, 0, v.Cols); raggedNonFinite(v, opt, r0, k0, k1, tq, tk) {
			causalPV(s, vt, out, 1, opt, r0, k0, tq, tk)
		} else {
			kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, s, vt, 1, out)
		}
	}
	for i := range nr {
		// lrun is 0 only for a row whose keys are all masked, and NaN
		// once a score was NaN or +Inf: scaling by 1/NaN keeps that row
		// NaN, as the direct path's softmax makes it (a test of lrun > 0
		// would zero it).
		if lrun[i] != 0 {
			kernel.Scale(1/lrun[i], out.Row(i))
		} else {
			clear(out.Row(i))
		}
	}
}
