package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The recurrent cells' pointwise step (kernel.LSTMCell, kernel.GRUCell)
// at AVX2: each activation is the instruction sequence of the AVX2
// Sigmoid or Tanh kernel (sigmoid.go, tanh.go) for one vector, so the
// activated gates are those kernels' results to the bit, and the cell's
// own arithmetic is the float32 order kernel/cell.go states, with
// VFMADD for its fused multiply-adds. One vector (eight units) per
// iteration; the last 1..7 units through buffers on the stack, copied in
// and out one element at a time, so no memory past the slices is
// touched. Written at AVX2 only; the AVX512 level runs these too.
//
// Registers: Y14 and Y15 hold σ's constants 1 and −104 (sigmoidE2,
// sigmoidQuot2); Y0..Y13 the vectors. The operands are the slices'
// bases plus a byte offset in AX (the buffers at offset 0 in the tail).

// cell is one cell kernel: its slices, in the order of its signature,
// and the computation of one vector.
type cell struct {
	name   string
	params []string // the slice parameters
	in     []bool   // which of them the cell reads
	out    []bool   // which it writes
	body   func(g *gen, m func(slot int) Mem)
}

// cellRegs are the base registers of the slices, in parameter order.
var cellRegs = []GPPhysical{RDI, RSI, RDX, R8, R9, R10, R11, R12}

// cellAVX2 emits c's kernel.
func (g *gen) cellAVX2(c cell) {
	g.Function(c.name + "AVX2")
	g.Attributes(attr.NOSPLIT)
	sig := ""
	for i, p := range c.params {
		if i > 0 {
			sig += ", "
		}
		sig += p
	}
	g.SignatureExpr(fmt.Sprintf("func(%s []float32)", sig))
	k := len(c.params)
	buf := g.AllocLocal(32 * k)
	for i, p := range c.params {
		g.Load(g.Param(p).Base(), cellRegs[i])
	}
	g.Load(g.Param(c.params[0]).Len(), RCX)
	g.VMOVUPS(g.splat("expOne", bitsOne), Y14)
	g.VMOVUPS(g.splat("expXmin", bitsXmin), Y15)
	g.XORQ(RAX, RAX)

	g.Comment("Eight units per iteration.")
	g.Label("loop8")
	g.CMPQ(RCX, imm(8))
	g.JB(LabelRef("tail"))
	c.body(g, func(slot int) Mem { return Mem{Base: cellRegs[slot], Index: RAX, Scale: 1} })
	g.ADDQ(imm(32), RAX)
	g.SUBQ(imm(8), RCX)
	g.JMP(LabelRef("loop8"))

	g.Comment("The last 1..7 units, through the buffers.")
	g.tailIfAny("tail", "done")
	for i := range c.params {
		g.ADDQ(RAX, cellRegs[i]) // the bases now point at the tail
	}
	g.VXORPS(Y0, Y0, Y0)
	for i := range c.params {
		g.VMOVUPS(Y0, buf.Offset(32*i))
	}
	elem := func(r GPPhysical) Mem { return Mem{Base: r, Index: RBX, Scale: 4} }
	bufElem := func(slot int) Mem { return buf.Offset(32*slot).Idx(RBX, 4) }
	g.XORQ(RBX, RBX)
	g.Label("copyin")
	for i := range c.params {
		if c.in[i] {
			g.MOVL(elem(cellRegs[i]), EAX)
			g.MOVL(EAX, bufElem(i))
		}
	}
	g.INCQ(RBX)
	g.CMPQ(RBX, RCX)
	g.JB(LabelRef("copyin"))
	c.body(g, func(slot int) Mem { return buf.Offset(32 * slot) })
	g.XORQ(RBX, RBX)
	g.Label("copyout")
	for i := range c.params {
		if c.out[i] {
			g.MOVL(bufElem(i), EAX)
			g.MOVL(EAX, elem(cellRegs[i]))
		}
	}
	g.INCQ(RBX)
	g.CMPQ(RBX, RCX)
	g.JB(LabelRef("copyout"))

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// sigmoidVec sets zb = σ(x) as the AVX2 Sigmoid does for one vector (its
// tail's sequence: two-step scaling, exact for every n); r, nf, p and dh
// are scratch, x is kept.
func (g *gen) sigmoidVec(x, r, zb, nf, p, dh VecPhysical) {
	g.sigmoidE2(x, r, zb, nf, p)
	g.expScale2("exp", zb, p, nf)
	g.sigmoidQuot2(x, r, zb, nf, p, dh)
}

// tanhVec sets t = tanh(x) as the AVX2 Tanh does for one vector (tanh.go's
// tanhBody, step for step); x is kept, the others are scratch.
func (g *gen) tanhVec(x, t, r, sr, w, yr, tmp VecPhysical) {
	c := g.tanhAVX2()
	g.VORPS(c.sign, x, r)   // −|x|
	g.VADDPS(r, r, r)       // −2|x|, exact
	g.VMAXPS(c.clamp, r, r) // clamp at −40
	g.expShift(c.expConsts, r, sr, w, g.VMOVUPS)
	g.tanhPoly(c, r, w, t, g.VMOVUPS) // w = expm1(r), t scratch
	oms, q0 := r, t
	g.VPSLLD(imm8(23), sr, sr) // s = 2^n, n in [−58, 0]
	g.VMOVUPS(c.one, oms)
	g.VSUBPS(sr, oms, oms) // 1 − s, exact
	g.VMOVAPS(w, q0)
	g.VFNMADD213PS(oms, sr, q0) // num = (1−s) − s·w
	g.VADDPS(c.one, sr, yr)     // 1 + s
	g.VFMADD231PS(w, sr, yr)    // den = (1+s) + s·w
	g.VDIVPS(yr, q0, q0)        // q0 = num/den
	g.VRCPPS(yr, yr)            // y ≈ 1/den
	g.VADDPS(c.one, sr, tmp)    // 1 + s, again
	g.VFNMADD231PS(tmp, q0, oms)
	g.VFNMADD231PS(w, sr, oms)
	g.VMULPS(q0, sr, sr) // q0·s, exact
	g.VFNMADD231PS(w, sr, oms)
	g.VFMADD231PS(oms, yr, q0) // t = q0 + ρ·y
	g.VANDPS(c.sign, x, tmp)
	g.VORPS(tmp, t, t) // the sign of x
	g.VORPS(c.sign, x, tmp)
	g.VCMPPS(imm8(0x06), c.ntiny, tmp, tmp) // !(−|x| ≤ −2^-13): tiny, or NaN
	g.VBLENDVPS(tmp, x, t, t)               // x itself there
}

// lstmCell: i, f, o = σ, g = tanh of the four gate blocks (stored back),
// c = f·cPrev + round(i·g) in one VFMADD, h = round(o·tanh(c)).
var lstmCell = cell{
	name:   "LSTMCell",
	params: []string{"h", "c", "cPrev", "gi", "gf", "gg", "gout"},
	in:     []bool{false, false, true, true, true, true, true},
	out:    []bool{true, true, false, true, true, true, true},
	body: func(g *gen, m func(int) Mem) {
		const h, c, cPrev, gi, gf, gg, gout = 0, 1, 2, 3, 4, 5, 6
		for _, a := range []struct {
			slot int
			dst  VecPhysical
		}{{gi, Y9}, {gf, Y10}, {gout, Y12}} {
			g.VMOVUPS(m(a.slot), Y0)
			g.sigmoidVec(Y0, Y1, a.dst, Y2, Y3, Y4)
			g.VMOVUPS(a.dst, m(a.slot))
		}
		g.VMOVUPS(m(gg), Y0)
		g.tanhVec(Y0, Y11, Y1, Y2, Y3, Y4, Y5)
		g.VMOVUPS(Y11, m(gg))
		g.VMULPS(Y11, Y9, Y0)            // i·g, rounded
		g.VFMADD231PS(m(cPrev), Y10, Y0) // c = f·cPrev + i·g
		g.VMOVUPS(Y0, m(c))
		g.tanhVec(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
		g.VMULPS(Y1, Y12, Y1) // h = o·tanh(c)
		g.VMOVUPS(Y1, m(h))
	},
}

// gruCell: r = σ(xr + hr), z = σ(xz + hz), m = tanh(r·hn + xn) (one
// VFMADD), stored over xg; h = z·(hPrev − m) + m (one VFMADD).
var gruCell = cell{
	name:   "GRUCell",
	params: []string{"h", "hPrev", "xr", "xz", "xn", "hr", "hz", "hn"},
	in:     []bool{false, true, true, true, true, true, true, true},
	out:    []bool{true, false, true, true, true, false, false, false},
	body: func(g *gen, m func(int) Mem) {
		const h, hPrev, xr, xz, xn, hr, hz, hn = 0, 1, 2, 3, 4, 5, 6, 7
		for _, a := range []struct {
			x, hx int
			dst   VecPhysical
		}{{xr, hr, Y9}, {xz, hz, Y10}} {
			g.VMOVUPS(m(a.x), Y0)
			g.VADDPS(m(a.hx), Y0, Y0) // the pre-activation, rounded
			g.sigmoidVec(Y0, Y1, a.dst, Y2, Y3, Y4)
			g.VMOVUPS(a.dst, m(a.x))
		}
		g.VMOVUPS(m(xn), Y0)
		g.VFMADD231PS(m(hn), Y9, Y0) // r·hn + xn
		g.tanhVec(Y0, Y11, Y1, Y2, Y3, Y4, Y5)
		g.VMOVUPS(Y11, m(xn))
		g.VMOVUPS(m(hPrev), Y1)
		g.VSUBPS(Y11, Y1, Y1)       // hPrev − m, rounded
		g.VFMADD213PS(Y11, Y10, Y1) // h = z·(hPrev − m) + m
		g.VMOVUPS(Y1, m(h))
	},
}

func init() {
	register(file{"lstmcell_avx2_amd64.s", func(g *gen) { g.cellAVX2(lstmCell) }},
		file{"grucell_avx2_amd64.s", func(g *gen) { g.cellAVX2(gruCell) }})
}
