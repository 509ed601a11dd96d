package main

import (
	"fmt"
	"strings"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The recurrent cells' pointwise step (kernel.LSTMCell, kernel.GRUCell)
// at AVX2: each activation is the instruction sequence of the AVX2
// Sigmoid or Tanh kernel (sigmoid.go, tanh.go) for one vector, so the
// activated gates are those kernels' results to the bit, and the cell's
// own arithmetic is the float32 order kernel/cell.go states, with
// VFMADD for its fused multiply-adds. The step is cut in two stages, each
// its own loop over the whole vectors (eight units per iteration): first
// the gates' activations, stored back, then the update that reads them
// (the cell's tanh). One vector's whole step is a chain of two
// activations, about 200 cycles of latency at AVX2, longer than the
// out-of-order window reaches across iterations; each stage alone has
// chains that do not depend on the previous iteration's, so iterations
// overlap: on a Zen 3, LSTMCell went from 5.2–5.8 to 4.1 ns a unit and
// GRUCell from 3.3 to 2.6–2.9 (n = 256) against the one-loop form, with
// the same bits (kernelsnap). The last 1..7
// units run both stages through buffers on the stack, copied in and out
// one element at a time, so no memory past the slices is touched.
//
// At AVX-512 (cellAVX512) the same two loops, with the AVX-512 Sigmoid's
// and Tanh's sequences (VSCALEFPS, VRCP14PS quotients), sixteen units per
// iteration, and the last 1..15 units through both stages under the
// opmask K1 (masked stores, zeroing loads).
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
	// stages compute one AVX2 vector of the step in order, each reading
	// what the previous stored: cellAVX2 runs each as its own loop.
	stages []func(g *gen, m func(slot int) Mem)
	// stages512 are the same stages for one zmm vector at AVX-512: ld
	// loads a slot's vector into a register, st stores one.
	stages512 []func(g *gen, ld func(slot int, r VecPhysical), st func(r VecPhysical, slot int))
}

// cellRegs are the base registers of the slices, in parameter order.
var cellRegs = []GPPhysical{RDI, RSI, RDX, R8, R9, R10, R11, R12}

// cellAVX2 emits c's kernel.
func (g *gen) cellAVX2(c cell) {
	g.Function(c.name + "AVX2")
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(fmt.Sprintf("func(%s []float32)", strings.Join(c.params, ", ")))
	k := len(c.params)
	buf := g.AllocLocal(32 * k)
	for i, p := range c.params {
		g.Load(g.Param(p).Base(), cellRegs[i])
	}
	g.Load(g.Param(c.params[0]).Len(), RCX)
	g.VMOVUPS(g.splat("expOne", bitsOne), Y14)
	g.VMOVUPS(g.splat("expXmin", bitsXmin), Y15)
	at := func(slot int) Mem { return Mem{Base: cellRegs[slot], Index: RAX, Scale: 1} }
	g.cellStageLoops(8, "eight", len(c.stages), func(i int) { c.stages[i](g, at) })
	g.ANDQ(imm(7), RCX) // the units left; RAX is at the first of them

	g.Comment("The last 1..7 units, both stages, through the buffers.")
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
	for _, stage := range c.stages {
		stage(g, func(slot int) Mem { return buf.Offset(32 * slot) })
	}
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

// cellStageLoops emits one loop per stage over the whole vectors of
// lanes units (RCX of them; RAX the byte offset, from 0 in each loop),
// body(i) emitting stage i for the vector at RAX.
func (g *gen) cellStageLoops(lanes int, words string, stages int, body func(i int)) {
	g.MOVQ(RCX, R13)
	g.ANDQ(I8(-lanes), R13)
	g.SHLQ(imm8(2), R13) // the bytes of the whole vectors
	for i := 0; i < stages; i++ {
		loop := fmt.Sprintf("stage%d", i)
		g.Comment(fmt.Sprintf("Stage %d, %s units per iteration.", i, words))
		g.XORQ(RAX, RAX)
		g.Label(loop)
		g.CMPQ(RAX, R13)
		g.JAE(LabelRef(loop + "done"))
		body(i)
		g.ADDQ(imm(4*lanes), RAX)
		g.JMP(LabelRef(loop))
		g.Label(loop + "done")
	}
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
	g.VORPS(c.sign, x, r)                 // −|x|
	g.VCMPPS(imm8(0x06), c.ntiny, r, tmp) // !(−|x| ≤ −2^-13): tiny, or NaN
	g.VANDNPS(r, tmp, r)                  // 0 there (x itself is the result): no subnormals below
	g.VADDPS(r, r, r)                     // −2|x|, exact
	g.VMAXPS(c.clamp, r, r)               // clamp at −40
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

// cellAVX512 emits c's kernel at AVX-512: each stage its own loop of
// sixteen units per iteration, then the last 1..15 through both stages
// under K1 (zeroing loads, masked stores), so no memory past the slices
// is touched.
func (g *gen) cellAVX512(c cell) {
	g.Function(c.name + "AVX512")
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(fmt.Sprintf("func(%s []float32)", strings.Join(c.params, ", ")))
	for i, p := range c.params {
		g.Load(g.Param(p).Base(), cellRegs[i])
	}
	g.Load(g.Param(c.params[0]).Len(), RCX)
	g.bcastExp(cellSig512, true)
	g.bcast(bitsXmin, cellSig512.xmin.(VecPhysical))
	t := cellTanh512
	for i, bits := range []uint32{bitsSign, bitsTanhM7, bitsTanhM6, bitsTanhM5, bitsTanhM4, bitsTanhM3, bitsTanhM2,
		bitsTanhClamp, bitsTanhNtiny} {
		g.bcast(bits, []Op{t.sign, t.m7, t.m6, t.m5, t.m4, t.m3, t.m2, t.clamp, t.ntiny}[i].(VecPhysical))
	}
	mem := func(slot int) Mem { return Mem{Base: cellRegs[slot], Index: RAX, Scale: 1} }
	g.cellStageLoops(16, "sixteen", len(c.stages512), func(i int) {
		c.stages512[i](g,
			func(slot int, r VecPhysical) { g.VMOVUPS(mem(slot), r) },
			func(r VecPhysical, slot int) { g.VMOVUPS(r, mem(slot)) })
	})
	g.ANDQ(imm(15), RCX) // the units left; RAX is at the first of them

	g.Comment("The last 1..15 units, both stages, under K1.")
	g.tailIfAny("tail", "done")
	g.MOVL(imm(1), EBX)
	g.SHLL(CL, EBX)
	g.DECL(EBX)
	g.KMOVW(EBX, K1)
	for _, stage := range c.stages512 {
		stage(g,
			func(slot int, r VecPhysical) { g.VMOVUPS_Z(mem(slot), K1, r) },
			func(r VecPhysical, slot int) { g.VMOVUPS(r, K1, mem(slot)) })
	}

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// cellSig512 and cellTanh512 are the AVX-512 Sigmoid's and Tanh's
// constants at once, in Z12..Z31 (the reduction's four shared); the
// vectors use Z0..Z11.
var (
	cellSig512 = expConsts{
		log2e: Z12, shift: Z13, nln2hi: Z14, nln2lo: Z15,
		c6: Z16, c5: Z17, c4: Z18, c3: Z19, c2: Z20, one: Z21, xmin: Z22,
	}
	cellTanh512 = tanhConsts{
		expConsts: expConsts{log2e: Z12, shift: Z13, nln2hi: Z14, nln2lo: Z15, one: Z21},
		sign:      Z23, m7: Z24, m6: Z25, m5: Z26, m4: Z27, m3: Z28, m2: Z29,
		clamp: Z30, ntiny: Z31,
	}
)

// sigmoidVec512 sets dst = σ(x) as the AVX-512 Sigmoid does for one
// vector (sigmoid.go's masked body); x in Z0, Z1..Z4, Z6 and K2 scratch.
func (g *gen) sigmoidVec512(dst VecPhysical) {
	g.sigmoidExp512(cellSig512, cellTanh512.sign.(VecPhysical), Z0, Z1, Z2, Z3)
	g.sigmoidQuot512(cellSig512, Z0, Z3, Z4, Z2, Z1, Z6, dst, K2)
}

// tanhVec512 sets t = tanh(x) as the AVX-512 Tanh does for one vector
// (tanh.go's masked body); x in Z0 is kept, Z1..Z7 and K2 are scratch.
func (g *gen) tanhVec512(t VecPhysical) {
	c := cellTanh512
	g.tanhReduce512(c, Z0, Z2, Z3, Z4, K2)
	g.tanhPoly(c, Z2, Z4, Z5, g.VMOVAPS)
	g.tanhQuot512(c, Z3, Z4, Z6, Z7, Z1, Z2, t)
	g.VPTERNLOGD(imm8(0xf8), c.sign, Z0, t) // t |= x & sign
	g.VMOVAPS(Z0, K2, t)                    // x itself where tiny
}

// lstmCell: i, f, o = σ, g = tanh of the four gate blocks (stored back),
// c = f·cPrev + round(i·g) in one VFMADD, h = round(o·tanh(c)).
var lstmCell = cell{
	name:   "LSTMCell",
	params: []string{"h", "c", "cPrev", "gi", "gf", "gg", "gout"},
	in:     []bool{false, false, true, true, true, true, true},
	out:    []bool{true, true, false, true, true, true, true},
	stages: []func(g *gen, m func(int) Mem){
		func(g *gen, m func(int) Mem) { // i, f, o = σ, g = tanh, stored back
			const gi, gf, gg, gout = 3, 4, 5, 6
			for _, slot := range []int{gi, gf, gout} {
				g.VMOVUPS(m(slot), Y0)
				g.sigmoidVec(Y0, Y1, Y9, Y2, Y3, Y4)
				g.VMOVUPS(Y9, m(slot))
			}
			g.VMOVUPS(m(gg), Y0)
			g.tanhVec(Y0, Y11, Y1, Y2, Y3, Y4, Y5)
			g.VMOVUPS(Y11, m(gg))
		},
		func(g *gen, m func(int) Mem) { // c and h from the activated gates
			const h, c, cPrev, gi, gf, gg, gout = 0, 1, 2, 3, 4, 5, 6
			g.VMOVUPS(m(gi), Y9)
			g.VMULPS(m(gg), Y9, Y0) // i·g, rounded
			g.VMOVUPS(m(gf), Y10)
			g.VFMADD231PS(m(cPrev), Y10, Y0) // c = f·cPrev + i·g
			g.VMOVUPS(Y0, m(c))
			g.tanhVec(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
			g.VMOVUPS(m(gout), Y12)
			g.VMULPS(Y1, Y12, Y1) // h = o·tanh(c), o first (the NaN kept when both are)
			g.VMOVUPS(Y1, m(h))
		},
	},
	stages512: []func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)){
		func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)) { // i, f, o = σ, g = tanh
			const gi, gf, gg, gout = 3, 4, 5, 6
			for _, slot := range []int{gi, gf, gout} {
				ld(slot, Z0)
				g.sigmoidVec512(Z8)
				st(Z8, slot)
			}
			ld(gg, Z0)
			g.tanhVec512(Z11)
			st(Z11, gg)
		},
		func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)) { // c and h
			const h, c, cPrev, gi, gf, gg, gout = 0, 1, 2, 3, 4, 5, 6
			ld(gi, Z8)
			ld(gg, Z11)
			g.VMULPS(Z11, Z8, Z0) // i·g, rounded
			ld(gf, Z9)
			ld(cPrev, Z1)
			g.VFMADD231PS(Z1, Z9, Z0) // c = f·cPrev + i·g
			st(Z0, c)
			g.tanhVec512(Z11)
			ld(gout, Z10)
			g.VMULPS(Z11, Z10, Z11) // h = o·tanh(c), o first (the NaN kept when both are)
			st(Z11, h)
		},
	},
}

// gruCell: r = σ(xr + hr), z = σ(xz + hz), m = tanh(r·hn + xn) (one
// VFMADD), stored over xg; h = z·(hPrev − m) + m (one VFMADD).
var gruCell = cell{
	name:   "GRUCell",
	params: []string{"h", "hPrev", "xr", "xz", "xn", "hr", "hz", "hn"},
	in:     []bool{false, true, true, true, true, true, true, true},
	out:    []bool{true, false, true, true, true, false, false, false},
	stages: []func(g *gen, m func(int) Mem){
		func(g *gen, m func(int) Mem) { // r, z = σ, stored over xr, xz
			const xr, xz, hr, hz = 2, 3, 5, 6
			for _, a := range [][2]int{{xr, hr}, {xz, hz}} {
				g.VMOVUPS(m(a[0]), Y0)
				g.VADDPS(m(a[1]), Y0, Y0) // the pre-activation, rounded
				g.sigmoidVec(Y0, Y1, Y9, Y2, Y3, Y4)
				g.VMOVUPS(Y9, m(a[0]))
			}
		},
		func(g *gen, m func(int) Mem) { // m = tanh(r·hn + xn), h
			const h, hPrev, xr, xz, xn, hn = 0, 1, 2, 3, 4, 7
			g.VMOVUPS(m(xn), Y0)
			g.VMOVUPS(m(xr), Y9)
			g.VFMADD231PS(m(hn), Y9, Y0) // r·hn + xn
			g.tanhVec(Y0, Y11, Y1, Y2, Y3, Y4, Y5)
			g.VMOVUPS(Y11, m(xn))
			g.VMOVUPS(m(hPrev), Y1)
			g.VSUBPS(Y11, Y1, Y1) // hPrev − m, rounded
			g.VMOVUPS(m(xz), Y10)
			g.VFMADD213PS(Y11, Y10, Y1) // h = z·(hPrev − m) + m
			g.VMOVUPS(Y1, m(h))
		},
	},
	stages512: []func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)){
		func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)) { // r, z = σ, stored over xr, xz
			const xr, xz, hr, hz = 2, 3, 5, 6
			for _, a := range [][2]int{{xr, hr}, {xz, hz}} {
				ld(a[0], Z0)
				ld(a[1], Z1)
				g.VADDPS(Z1, Z0, Z0) // the pre-activation, rounded
				g.sigmoidVec512(Z8)
				st(Z8, a[0])
			}
		},
		func(g *gen, ld func(int, VecPhysical), st func(VecPhysical, int)) { // m = tanh(r·hn + xn), h
			const h, hPrev, xr, xz, xn, hn = 0, 1, 2, 3, 4, 7
			ld(xn, Z0)
			ld(xr, Z8)
			ld(hn, Z1)
			g.VFMADD231PS(Z1, Z8, Z0) // r·hn + xn
			g.tanhVec512(Z10)
			st(Z10, xn)
			ld(hPrev, Z1)
			g.VSUBPS(Z10, Z1, Z1) // hPrev − m, rounded
			ld(xz, Z9)
			g.VFMADD213PS(Z10, Z9, Z1) // h = z·(hPrev − m) + m
			st(Z1, h)
		},
	},
}

func init() {
	register(file{"lstmcell_avx2_amd64.s", func(g *gen) { g.cellAVX2(lstmCell) }},
		file{"grucell_avx2_amd64.s", func(g *gen) { g.cellAVX2(gruCell) }},
		file{"lstmcell_avx512_amd64.s", func(g *gen) { g.cellAVX512(lstmCell) }},
		file{"grucell_avx512_amd64.s", func(g *gen) { g.cellAVX512(gruCell) }})
}
