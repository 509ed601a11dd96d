package kernel

// How Gemm splits one product across goroutines, and when it is worth it.

// gemmSplitFlops returns the least work (2·m·n·k flops) per goroutine
// worth handing to a helper at level l: below it, waking a helper costs
// more than it saves, and the faster the level, the more work it takes to
// hide that. Measured on a quiet 2-core Zen 5 (2026-11-26; BenchmarkGemmSplit
// and square products up to 768³): with two threads AVX-512 loses 12–44%
// at 256³ and gains 22% at 384³ and 35% at 512³; AVX2 breaks even at 256³
// and gains 29% at 384³. So AVX-512 splits from 2²⁵ flops per thread
// (about 323³ in all), AVX2 and NEON from 2²⁴ (256³), and the slower
// generic code from 2²².
func gemmSplitFlops(l Level) float64 {
	if gemmMinFlopsPerThread > 0 {
		return gemmMinFlopsPerThread
	}
	switch l {
	case AVX512:
		return 1 << 25
	case AVX2, NEON:
		return 1 << 24
	}
	return 1 << 22
}

// gemmMinFlopsPerThread overrides gemmSplitFlops when positive, so tests
// can exercise the threaded path with small products and benchmarks can
// find the break-even point.
var gemmMinFlopsPerThread float64

// gemmRun picks the blocking for the active level, splits the product
// across goroutines if it is large enough, and runs it.
func gemmRun(op gemmOperands) {
	cfg := currentGemmConfig()
	if o := gemmBlockOverride; o != [3]int{} {
		cfg = cfg.withBlocks(o[0], o[1], o[2])
	}
	flops := 2 * float64(op.m) * float64(op.n) * float64(op.k)
	nt := min(Threads(), int(flops/gemmSplitFlops(active)))
	// Split the larger of m and n into whole register tiles.
	splitN := op.n >= op.m
	tile, extent := cfg.mr, op.m
	if splitN {
		tile, extent = cfg.nr, op.n
	}
	nt = min(nt, (extent+tile-1)/tile)
	if nt <= 1 {
		var bufs gemmBuffers
		gemmSerial(op, cfg, &bufs)
		bufs.release()
		return
	}
	runSplit(op, cfg, nil, nt, splitN, tile, extent)
}

// slice returns the part of op that computes columns [lo,hi) of c (if
// cols) or rows [lo,hi).
func (op gemmOperands) slice(cols bool, lo, hi int) gemmOperands {
	s := op
	if cols {
		s.n = hi - lo
		s.c = op.c.Slice(0, op.m, lo, hi)
		if op.tB {
			s.b = op.b.Slice(lo, hi, 0, op.k)
		} else {
			s.b = op.b.Slice(0, op.k, lo, hi)
		}
		return s
	}
	s.m = hi - lo
	s.c = op.c.Slice(lo, hi, 0, op.n)
	if op.tA {
		s.a = op.a.Slice(0, op.k, lo, hi)
	} else {
		s.a = op.a.Slice(lo, hi, 0, op.k)
	}
	return s
}
