package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// max emits Max(x): the largest element, -Inf for an empty x, NaN if any
// element is NaN. Four VMAXPS accumulators (registers 0..3, at -Inf)
// take eight vectors per iteration, then two, then one, then the tail.
// VMAXPS returns its second source when either operand is NaN, so a NaN
// met early would be lost at the next step; NaNs are tracked apart, each
// pair of vectors loaded being compared into a flag: at AVX2 unordered
// (true where either is NaN), OR-ed into Y4 or Y5; at AVX-512 ordered
// (false where either is NaN) into the "no NaN yet" flags K4..K7 under
// themselves as write mask, Kf = Kf & ord(a, b) in one instruction.
// (VRANGEPS would not help: it treats a quiet NaN as missing data, like
// IEEE 754-2008 maxNum.) The tail is K-masked at AVX-512, the masked-off
// lanes keeping -Inf; at AVX2 it takes the last 8 elements again (max and
// the NaN test do not mind seeing an element twice), or, below 8, one
// element at a time broadcast to all lanes, so nothing past len(x) is read.
func (g *gen) max(s isa) {
	g.Function("Max" + s.suffix)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(x []float32) float32")
	g.Load(g.Param("x").Base(), RSI)
	g.Load(g.Param("x").Len(), RCX)
	lanes, v := s.lanes(), s.v

	negInf := Y6
	g.Comment("Four maximum accumulators at -Inf, and the NaN flags.")
	if s.masked {
		negInf = Z30
		g.MOVL(U32(0xff800000), EAX)
		g.VPBROADCASTD(EAX, negInf)
	} else {
		m := g.StaticGlobal("maxNegInf")
		g.DataAttributes(attrRODATA)
		g.AddDatum(0, U32(0xff800000))
		g.VBROADCASTSS(m, negInf)
	}
	for i := 0; i < 4; i++ {
		g.VMOVAPS(negInf, v(i))
	}
	flags := []Op{Y4, Y5, Y4, Y5} // per pair of vectors of an iteration
	if s.masked {
		flags = []Op{K4, K5, K6, K7}
		for _, k := range flags {
			g.KXNORW(k, k, k)
		}
	} else {
		g.VXORPS(Y4, Y4, Y4)
		g.VXORPS(Y5, Y5, Y5)
	}
	// flag compares the vectors a and b into flag f: at AVX2 into a, to
	// be OR-ed into f by or.
	flag := func(a, b VecPhysical, f Op) {
		if s.masked {
			g.VCMPPS(imm8(7), b, a, f, f)
		} else {
			g.VCMPPS(imm8(3), b, a, a)
		}
	}
	or := func(a VecPhysical, f Op) {
		if !s.masked {
			g.VORPS(a, f, f)
		}
	}
	load := func(n int) {
		for j := 0; j < n; j++ {
			g.VMOVUPS(at(RSI, j*s.bytes), v(8+j))
		}
	}

	eight, two := 8*lanes, 2*lanes
	lEight, lTwo := fmt.Sprintf("loop%d", eight), fmt.Sprintf("loop%d", two)
	lOne, lTail := fmt.Sprintf("tail%d", lanes), "tailmask"
	g.Comment(fmt.Sprintf("Main loop: %d elements (8 vectors) per iteration.", eight))
	if s.masked {
		g.CMPQ(RCX, imm(eight))
		g.JB(LabelRef(lTwo))
		g.Label(lEight)
	} else {
		g.Label(lEight)
		g.CMPQ(RCX, imm(eight))
		g.JB(LabelRef(lTwo))
	}
	load(8)
	for half := 0; half < 2; half++ {
		for i := 0; i < 4; i++ {
			g.VMAXPS(v(8+4*half+i), v(i), v(i))
		}
		for p := 2 * half; p < 2*half+2; p++ {
			flag(v(8+2*p), v(9+2*p), flags[p])
		}
	}
	for p := 0; p < 4; p++ {
		or(v(8+2*p), flags[p])
	}
	g.ADDQ(imm(4*eight), RSI)
	g.SUBQ(imm(eight), RCX)
	if s.masked {
		g.CMPQ(RCX, imm(eight))
		g.JAE(LabelRef(lEight))
	} else {
		g.JMP(LabelRef(lEight))
	}

	g.Comment(fmt.Sprintf("%d elements (a pair of vectors) at a time.", two))
	g.Label(lTwo)
	g.CMPQ(RCX, imm(two))
	g.JB(LabelRef(lOne))
	load(2)
	g.VMAXPS(v(8), v(0), v(0))
	g.VMAXPS(v(9), v(1), v(1))
	flag(v(8), v(9), flags[0])
	or(v(8), flags[0])
	g.ADDQ(imm(4*two), RSI)
	g.SUBQ(imm(two), RCX)
	g.JMP(LabelRef(lTwo))

	g.Comment(fmt.Sprintf("One more full vector if %d..%d are left (compared with itself).", lanes, two-1))
	g.Label(lOne)
	g.CMPQ(RCX, imm(lanes))
	g.JB(LabelRef(lTail))
	load(1)
	g.VMAXPS(v(8), v(2), v(2))
	flag(v(8), v(8), flags[1])
	or(v(8), flags[1])
	g.ADDQ(imm(s.bytes), RSI)
	g.SUBQ(imm(lanes), RCX)

	if s.masked {
		g.Comment(fmt.Sprintf("The last 0..%d elements under K1 = (1<<N)-1, merged into a vector", lanes-1),
			"of -Inf: masked-off lanes are not read, cannot win and are ordered.")
		g.tailIfAny(lTail, "flags")
		g.loadMask()
		g.VMOVAPS(negInf, v(8))
		g.VMOVUPS(at(RSI, 0), K1, v(8))
		g.VMAXPS(v(8), v(3), v(3))
		flag(v(8), v(8), flags[2])

		g.Comment("AND the flags: CF=1 from KORTESTW iff all 16 bits are ones, that is",
			"no NaN anywhere.")
		g.Label("flags")
		g.KANDW(K5, K4, K4)
		g.KANDW(K7, K6, K6)
		g.KANDW(K6, K4, K4)
		g.KORTESTW(K4, K4)
		g.JCC(LabelRef("nan"))
	} else {
		g.Comment(fmt.Sprintf("The last 0..%d elements: with %d or more in all, the last %d again;", lanes-1, lanes, lanes),
			"shorter slices one element at a time, broadcast to all lanes.")
		g.tailIfAny(lTail, "reduce")
		g.CMPQ(g.addr(g.Param("x").Len()), imm(lanes))
		g.JB(LabelRef("scalar"))
		g.LEAQ(Mem{Base: RSI, Index: RCX, Scale: 4, Disp: -s.bytes}, RSI) // &x[n-8]
		load(1)
		g.VMAXPS(v(8), v(3), v(3))
		flag(v(8), v(8), flags[2])
		or(v(8), flags[2])
		g.JMP(LabelRef("reduce"))

		g.Label("scalar")
		g.VMOVSS(at(RSI, 0), X8) // exactly 4 bytes
		g.VBROADCASTSS(X8, Y8)
		g.VMAXPS(Y8, Y3, Y3)
		flag(Y8, Y8, flags[2])
		or(Y8, flags[2])
		g.ADDQ(imm(4), RSI)
		g.DECQ(RCX)
		g.JNZ(LabelRef("scalar"))

		g.Comment("Any NaN seen: the answer is NaN.")
		g.Label("reduce")
		g.VORPS(Y5, Y4, Y4)
		g.VMOVMSKPS(Y4, EAX)
		g.TESTL(EAX, EAX)
		g.JNZ(LabelRef("nan"))
	}

	g.Comment("Otherwise reduce the maxima as a tree, then the lanes by halves.")
	g.VMAXPS(v(2), v(0), v(0))
	g.VMAXPS(v(3), v(1), v(1))
	g.VMAXPS(v(1), v(0), v(0))
	g.halve(g.VMAXPS, v(0))
	g.fold4(g.VMAXPS, g.VMAXSS)
	ret := g.addr(g.ReturnIndex(0))
	g.VZEROUPPER()
	g.MOVSS(X0, ret)
	g.RET()

	g.Label("nan")
	g.VZEROUPPER()
	g.MOVL(U32(0x7fc00000), ret) // the quiet NaN
	g.RET()
}
