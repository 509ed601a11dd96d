package kernel

import "fmt"

// GemvPacked computes dst = W·x for W packed by PackedB.Pack(Trans, W)
// (b holds Wᵀ, k×n with k = W.Cols and n = W.Rows): what Gemv(dst, W, x)
// computes, from b's micro-panels in one pass in memory order, with no
// horizontal sums. A batch-1 recurrent step that already keeps its
// weights packed for GemmPacked multiplies by the same copy: at the
// SIMD levels of amd64 this streams the matrix from L2 faster than Gemv
// streams its rows (GemvPanels in the kernel table), elsewhere it runs a
// plain Go loop over the panels (use Gemv there).
//
// len(x) must be b.Rows() and len(dst) b.Cols(), dst must not overlap x,
// and b must have been packed at the active level; it panics otherwise,
// naming the sizes. Each dst[j] is summed in float32, in four chains per
// kc-deep slice of b (see GemvPanelsAVX512), so the result differs from
// Gemv's in the last bits; the error is within Gemv's bound,
// (k+1)·ε·Σ_i |W[j,i]·x[i]|. NaN and Inf propagate as in the plain loop.
// It allocates nothing, and several goroutines may use one b at once.
func GemvPacked(dst []float32, b *PackedB, x []float32) {
	gemvPacked("GemvPacked", dst, b, x, false)
}

// GemvPackedAdd computes dst += W·x, as GemvPacked.
func GemvPackedAdd(dst []float32, b *PackedB, x []float32) {
	gemvPacked("GemvPackedAdd", dst, b, x, true)
}

// GemvPackedStreams reports whether the active level has GemvPacked's
// panel kernel in assembly (AVX2 and AVX512 today): where it does not,
// Gemv on the unpacked matrix is the faster batch-1 product.
func GemvPackedStreams() bool { return hasGemvPanels() }

// GemvPackedPays reports whether GemvPacked on b is expected to be faster
// than Gemv on the matrix b was packed from: where the level streams it
// (GemvPackedStreams) and b takes at most twice the L2 cache. Measured
// on a Zen 5 (1 MiB L2), GemvPacked was 1.2–1.4× Gemv from 256 KiB to
// 1 MiB, as fast at 4 and 16 MiB, and an Elman step over 2×4 MiB ran 5%
// slower, where Gemv's software prefetches of eight rows keep L3 busier.
func GemvPackedPays(b *PackedB) bool {
	return hasGemvPanels() && 4*b.k*b.n <= gemvPackedMaxBytes
}

// gemvPackedMaxBytes is twice the L2 cache as cpuid reports it.
var gemvPackedMaxBytes = 2 * gemmL2

func gemvPacked(fn string, dst []float32, b *PackedB, x []float32, add bool) {
	if len(x) != b.k {
		panicDim(fn, "x", len(x), "b.Rows()", b.k)
	}
	if len(dst) != b.n {
		panicDim(fn, "dst", len(dst), "b.Cols()", b.n)
	}
	if b.level != active {
		panic(fmt.Sprintf("kernel.%s: b was packed at level %v, the active level is %v", fn, b.level, active))
	}
	if overlaps(dst, x) {
		panicOverlap(fn, "dst", "x")
	}
	raceRead(x)
	raceWrite(dst)
	if b.n == 0 {
		return
	}
	if b.k == 0 {
		if !add {
			clear(dst)
		}
		return
	}
	nr := b.cfg.nr
	var tmp [gemvPanelMaxNR]float32 // the last partial panel's sums
	b.blocks(func(blk packedBlock) {
		jc, ncb, kcb := blk.jc, blk.ncb, blk.kcb
		full := ncb / nr * nr
		a, xs := add || blk.pc > 0, x[blk.pc:blk.pc+kcb]
		if full > 0 {
			gemvPanels(dst[jc:jc+full], blk.data[:full*kcb], xs, a)
		}
		if rest := ncb - full; rest > 0 {
			t := tmp[:nr]
			copy(t, dst[jc+full:jc+ncb]) // read only with a
			gemvPanels(t, blk.data[full*kcb:(full+nr)*kcb], xs, a)
			copy(dst[jc+full:jc+ncb], t[:rest])
		}
	})
}

// gemvPanelMaxNR is the widest micro-panel of any level (AVX512's 32).
const gemvPanelMaxNR = 32

// gemvPanelsGeneric is GemvPanels in Go, for panels of the active
// level's nr columns: each column in four chains (row k in chain k mod
// 4), combined as (c0 + c1) + (c2 + c3), plus dst last with add.
func gemvPanelsGeneric(dst, p, x []float32, add bool) {
	nr, kc := currentGemmConfig().nr, len(x)
	for q := 0; q+nr <= len(dst); q += nr {
		panel := p[q*kc : (q+nr)*kc]
		for j := range nr {
			var s [4]float32
			for k, xv := range x {
				s[k&3] += panel[k*nr+j] * xv
			}
			t := (s[0] + s[1]) + (s[2] + s[3])
			if add {
				dst[q+j] += t
			} else {
				dst[q+j] = t
			}
		}
	}
}
