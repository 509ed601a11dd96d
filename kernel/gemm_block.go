package kernel

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"github.com/simdcore/simdcore/internal/scratch"
)

// Gemm's cache blocking (GotoBLAS/BLIS style): the block sizes per level
// from the cache sizes, the pack buffers, and the serial blocked loop.

// gemmConfig is a level's register tile (mr×nr, the microkernel's shape)
// and cache blocks: an mc×kc block of op(a) is packed to stay in L2, a
// kc×nc panel of op(b) to stay in L3, and a kc×nr micro-panel of it in L1.
type gemmConfig struct {
	kernel     gemmKernelID
	mr, nr     int
	mc, kc, nc int
	// rowsA: the microkernel also reads a micro-panel of a stored row by
	// row (lda > 0), so a NoTrans a packs by copying rows instead of
	// transposing them.
	rowsA bool
}

// Cache sizes in bytes, read with cpuid at start-up; where cpuid does not
// know them, typical sizes of a current x86 or Arm core.
var gemmL1, gemmL2, gemmL3 = cacheSizes()

func cacheSizes() (l1, l2, l3 int) {
	c := cpuid.CPU.Cache
	l1, l2, l3 = c.L1D, c.L2, c.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 8 << 20
	}
	return l1, l2, l3
}

// blockFor derives the cache blocks for an mr×nr microkernel from the
// cache sizes, as BLIS's analytical model does: a kc×nr micro-panel of b
// takes at most half of L1 (the other half streams a's micro-panels and
// c), an mc×kc block of a half of L2, and a kc×nc panel of b a quarter of
// L3 (which the cores share).
func blockFor(id gemmKernelID, mr, nr int, rowsA bool) gemmConfig {
	kc := clampInt(gemmL1/2/(4*nr)/8*8, 64, 512)
	mc := clampInt(gemmL2/2/(4*kc)/mr*mr, mr, 4096/mr*mr)
	nc := clampInt(gemmL3/4/(4*kc)/nr*nr, nr, 8192/nr*nr)
	return gemmConfig{kernel: id, mr: mr, nr: nr, mc: mc, kc: kc, nc: nc, rowsA: rowsA}
}

// gemmBlockOverride, when not zero, replaces mc, kc and nc (tests only).
var gemmBlockOverride [3]int

// withBlocks returns cfg with the non-zero sizes replaced, mc and nc
// rounded up to whole tiles.
func (cfg gemmConfig) withBlocks(mc, kc, nc int) gemmConfig {
	if mc > 0 {
		cfg.mc = roundUp(mc, cfg.mr)
	}
	if kc > 0 {
		cfg.kc = kc
	}
	if nc > 0 {
		cfg.nc = roundUp(nc, cfg.nr)
	}
	return cfg
}

func clampInt(x, lo, hi int) int { return max(lo, min(hi, x)) }

// gemmBuffers are a serial product's pack buffers: the caller's a if it
// provides one (PackedConv), otherwise one buffer lent by packBufs for
// both, which release gives back.
type gemmBuffers struct {
	a    []float32
	lent *scratch.Buf
}

// packBufs lends the pack buffers. Each goroutine holds at most one at a
// time, as scratch.Buffers needs to allocate nothing once every shape has
// run at its concurrency.
var packBufs = scratch.NewBuffers()

// pack returns pack buffers of na and nb elements (nb may be 0), each
// starting on a 64-byte boundary: g.a if nb is 0 and g.a has room, else
// two parts of one lent buffer.
func (g *gemmBuffers) pack(na, nb int) (a, b []float32) {
	if nb == 0 && cap(g.a) >= na+16 {
		return aligned(g.a[:cap(g.a)], na), nil
	}
	g.lent = packBufs.Get(na + nb + 32)
	d := g.lent.Data
	return aligned(d[:na+16], na), aligned(d[na+16:], nb)
}

// release gives back the lent buffer, if any.
func (g *gemmBuffers) release() {
	if g.lent != nil {
		packBufs.Put(g.lent)
		g.lent = nil
	}
}

// aligned returns n elements of s, which has n+16 at least, starting on a
// 64-byte boundary.
func aligned(s []float32, n int) []float32 {
	off := int((64 - uintptr(unsafe.Pointer(unsafe.SliceData(s)))%64) % 64 / 4)
	return s[off : off+n]
}

// gemmSerial computes op on the calling goroutine, GotoBLAS style:
//
//	for each kc×nc panel of op(b): pack it into micro-panels of nr columns
//	  for each mc×kc block of op(a): pack it into micro-panels of mr rows
//	    for each nr-wide micro-panel of b, each mr-tall micro-panel of a:
//	      the microkernel updates an mr×nr tile of c (masked at the edges)
//
// The first kc step applies beta; the later ones accumulate (beta = 1).
func gemmSerial(op gemmOperands, cfg gemmConfig, bufs *gemmBuffers) {
	mr, nr := cfg.mr, cfg.nr
	kc := min(cfg.kc, op.k)
	mc := min(cfg.mc, roundUp(op.m, mr))
	nc := min(cfg.nc, roundUp(op.n, nr))
	ap, bp := bufs.pack(mc*kc, kc*nc)
	for jc := 0; jc < op.n; jc += nc {
		ncb := min(nc, op.n-jc)
		for pc := 0; pc < op.k; pc += kc {
			kcb := min(kc, op.k-pc)
			packB(bp, op.b, op.tB, pc, kcb, jc, ncb, nr)
			gemmPanel(op, cfg, ap, bp, jc, ncb, pc, kcb, false)
		}
	}
}

// gemmPanel runs the two inner loops of gemmSerial and gemmSerialPacked
// for one packed kc×nc panel bp of op(b) (columns jc..jc+ncb, rows
// pc..pc+kcb): for each mc×kc block of op(a), packed into ap, for each
// nr-wide micro-panel of bp and mr-tall one of a, the microkernel updates
// a tile of c, with op.beta at the first kc step (pc = 0) and 1 after.
// With direct (a NoTrans a at a level whose microkernel reads rows, see
// gemmDirectARows), a's full tiles are read in place and only the rows of
// its last, partial tile are copied: the microkernel reads the same
// values either way.
func gemmPanel(op gemmOperands, cfg gemmConfig, ap, bp []float32, jc, ncb, pc, kcb int, direct bool) {
	mr, nr := cfg.mr, cfg.nr
	mc := min(cfg.mc, roundUp(op.m, mr))
	c := op.c
	beta := op.beta
	if pc > 0 {
		beta = 1
	}
	for ic := 0; ic < op.m; ic += mc {
		mcb := min(mc, op.m-ic)
		full := 0 // rows read in place
		lda := 0
		switch {
		case direct:
			lda = kcb
			full = mcb / mr * mr
			if full < mcb {
				packARows(ap[full*kcb:], op.a, ic+full, mcb-full, pc, kcb, mr)
			}
		case cfg.rowsA && !op.tA:
			lda = kcb
			packARows(ap, op.a, ic, mcb, pc, kcb, mr)
		default:
			packA(ap, op.a, op.tA, ic, mcb, pc, kcb, mr)
		}
		for jr := 0; jr < ncb; jr += nr {
			nrb := min(nr, ncb-jr)
			bpanel := bp[jr*kcb : (jr+nr)*kcb]
			for ir := 0; ir < mcb; ir += mr {
				mrb := min(mr, mcb-ir)
				o := (ic+ir)*c.Stride + jc + jr
				ctile := c.Data[o : o+(mrb-1)*c.Stride+nrb]
				apanel, ldaTile := ap[ir*kcb:(ir+mr)*kcb], lda
				if ir < full {
					s := op.a.Stride
					ao := (ic+ir)*s + pc
					apanel, ldaTile = op.a.Data[ao:ao+(mr-1)*s+kcb], s
				}
				gemmMicro(cfg.kernel, kcb, apanel, ldaTile, bpanel, ctile, c.Stride, op.alpha, beta, mrb, nrb)
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
