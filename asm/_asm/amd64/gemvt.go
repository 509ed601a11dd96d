package main

import (
	. "github.com/mmcloughlin/avo/reg"
)

// gemvT is GemvT(dst, a, stride, x), one step of dst += aᵀ·x:
// dst[j] += Σ_i x[i]·a[i*stride+j] for j < len(dst), i < len(x). A block
// of rows is added in one pass over dst, so dst is loaded and stored once
// per eight rows: x[i..i+7] are broadcast at the block's start, and for
// each vector of columns dst is loaded, the rows are added in two FMA
// chains (the first half of the rows on dst, the second on a product),
// and the sum is stored.
type gemvT struct{}

func (gemvT) name() string      { return "GemvT" }
func (gemvT) sig() string       { return "func(dst, a []float32, stride int, x []float32)" }
func (gemvT) transposed() bool  { return true }
func (gemvT) after() string     { return "next" }
func (gemvT) mask() VecPhysical { return Y6 }

// x is the register holding x[i] broadcast, for row i of the block.
func (gemvT) x(s isa, i int) VecPhysical {
	if s.masked {
		return s.v(24 + i)
	}
	return s.v(8 + i)
}

func (gemvT) setup(g *gen, s isa) {}

func (k gemvT) enter(g *gen, s isa, b block) {
	if b.scalar {
		g.VMOVSS(at(mvRow, 0), X8)
		return
	}
	for i := 0; i < b.rows; i++ {
		g.VBROADCASTSS(at(mvRow, 4*i), k.x(s, i))
	}
}

func (gemvT) start(g *gen, s isa, b block) {}

func (k gemvT) step(g *gen, s isa, b block, vecs int) {
	if b.rows > 1 {
		for t := 0; t < vecs; t++ {
			k.tile(g, s, b, t*s.bytes, s.v(2*t), s.v(2*t+1), false)
		}
		return
	}
	for t := 0; t < vecs; t++ {
		g.VMOVUPS(at(mvWalk, t*s.bytes), s.v(t))
	}
	for t := 0; t < vecs; t++ {
		g.VFMADD231PS(at(mvP, t*s.bytes), k.x(s, 0), s.v(t))
	}
	for t := 0; t < vecs; t++ {
		g.VMOVUPS(s.v(t), at(mvWalk, t*s.bytes))
	}
}

// tile adds the block's rows of the vector of columns at byte offset off
// to dst: acc = dst + the first half of the rows, t = the second half,
// dst = acc + t; under K1 if masked.
func (k gemvT) tile(g *gen, s isa, b block, off int, acc, t VecPhysical, masked bool) {
	h := b.rows / 2
	d := at(mvWalk, off)
	if masked {
		g.VMOVUPS_Z(d, K1, acc)
		g.VMULPS_Z(mvRowAt(h, off), k.x(s, h), K1, t)
	} else {
		g.VMOVUPS(d, acc)
		g.VMULPS(mvRowAt(h, off), k.x(s, h), t)
	}
	fma := func(i int, v VecPhysical) {
		if masked {
			g.VFMADD231PS(mvRowAt(i, off), k.x(s, i), K1, v)
		} else {
			g.VFMADD231PS(mvRowAt(i, off), k.x(s, i), v)
		}
	}
	for i := 0; i < h; i++ {
		fma(i, acc)
		if h+1+i < b.rows {
			fma(h+1+i, t)
		}
	}
	g.VADDPS(t, acc, acc)
	if masked {
		g.VMOVUPS(acc, K1, d)
	} else {
		g.VMOVUPS(acc, d)
	}
}

func (k gemvT) tail(g *gen, s isa, b block) {
	if s.masked {
		if b.rows > 1 {
			k.tile(g, s, b, 0, Z0, Z1, true)
			return
		}
		g.VMOVUPS_Z(at(mvWalk, 0), K1, Z0)
		g.VFMADD231PS(at(mvP, 0), k.x(s, 0), K1, Z0)
		g.VMOVUPS(Z0, K1, at(mvWalk, 0))
		return
	}
	// Step back to the last 8 columns, sum the rows under the mask, add
	// to dst, and keep the old dst in the overlapped lanes.
	g.ADDQ(mvTail, mvP)
	if b.rows == 8 {
		g.ADDQ(mvTail, mvQ)
	}
	g.ADDQ(mvTail, mvWalk)
	if b.rows > 1 {
		g.VXORPS(Y0, Y0, Y0)
		g.VXORPS(Y1, Y1, Y1)
		for i := 0; i < b.rows; i++ {
			acc := Y0
			if i >= b.rows/2 {
				acc = Y1
			}
			g.maskFMA(mvRowAt(i, 0), k.mask(), Y7, k.x(s, i), acc)
		}
		g.VMOVUPS(at(mvWalk, 0), Y2)
		g.VADDPS(Y1, Y0, Y0)
		g.VADDPS(Y2, Y0, Y0)
	} else {
		g.VMOVUPS(at(mvWalk, 0), Y2)
		g.VMOVAPS(Y2, Y0)
		g.maskFMA(at(mvP, 0), k.mask(), Y7, k.x(s, 0), Y0)
	}
	g.VBLENDVPS(k.mask(), Y0, Y2, Y0) // tail lanes new, overlapped lanes old
	g.VMOVUPS(Y0, at(mvWalk, 0))
}

func (gemvT) finish(g *gen, s isa, b block) {}

func (gemvT) element(g *gen) {
	g.VMOVSS(at(mvWalk, 0), X0)
	g.VMOVSS(at(mvP, 0), X1)
	g.VFMADD231SS(X1, X8, X0) // register operands: qemu 7.2 loads 16 bytes for a memory one
	g.VMOVSS(X0, at(mvWalk, 0))
}
