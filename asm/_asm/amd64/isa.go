package main

import (
	"github.com/mmcloughlin/avo/attr"
	"strings"

	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa is one instruction set a kernel is written for: the vector width
// and how the last partial vector is handled.
type isa struct {
	suffix string // of the symbol: AVX2, AVX512
	bytes  int    // of a vector register
	masked bool   // AVX-512: the tail runs under an opmask; AVX2: scalar or table tail
	vecs   []VecPhysical
	alpha  VecPhysical // a broadcast scalar operand (Axpy's and Scale's alpha)
}

var (
	avx2 = isa{
		suffix: "AVX2", bytes: 32,
		vecs:  []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15},
		alpha: Y15,
	}
	avx512 = isa{
		suffix: "AVX512", bytes: 64, masked: true,
		vecs: []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
			Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31},
		alpha: Z31,
	}
)

// lanes is the number of float32 in a vector.
func (s isa) lanes() int { return s.bytes / 4 }

// v is vector register i at this width.
func (s isa) v(i int) VecPhysical { return s.vecs[i] }

// mode says which form of a kernel's per-vector computation is emitted.
type mode int

const (
	vector mode = iota // a full vector; the last input is a memory operand
	scalar             // one element in the low lane of an X register
	masked             // a partial vector under K1 (AVX-512); every input in a register
)

// at is the memory operand off bytes past the address in p.
func at(p GPPhysical, off int) Mem { return Mem{Base: p, Disp: off} }

// xmm is the X register that is the low lane of v.
func xmm(v VecPhysical) VecPhysical { return v.AsX().(VecPhysical) }

// loadMask sets K1 = (1<<n)−1, n in CX: the lanes of the last partial
// vector. AX is scratch.
func (g *gen) loadMask() {
	g.MOVL(imm(1), EAX)
	g.SHLL(CL, EAX)
	g.DECL(EAX)
	g.KMOVW(EAX, K1)
}

// addr is the memory operand of an argument or result.
func (g *gen) addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// imm is the 32-bit immediate operand $v (the assembler picks the
// shortest encoding of the value).
func imm(v int) Op { return I32(v) }

// imm8 is the 8-bit immediate operand $v.
func imm8(v int) Op { return U8(v) }

// lower is s with its first letter in lower case.
func lower(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// attrRODATA are the attributes of a constant: read-only, no pointers.
const attrRODATA = attr.RODATA | attr.NOPTR

// halve folds the vector register v (Z or Y) onto the four lanes of X0
// with op, the upper half onto the lower at each width: op(Y1, v's low
// half, Y0) for a Z register, then op(X1, the low half, X0). Y1 is
// scratch.
func (g *gen) halve(op func(...Op), v VecPhysical) {
	if v.Size() == 64 {
		g.VEXTRACTF64X4(imm8(1), v, Y1)
		op(Y1, v.AsY(), Y0)
		v = Y0
	}
	g.VEXTRACTF128(imm8(1), v, X1)
	op(X1, v.AsX(), X0)
}

// fold4 folds X0's four lanes into lane 0: op(lanes 2,3 onto 0,1), then
// last(lane 1 onto 0). X1 is scratch.
func (g *gen) fold4(op, last func(...Op)) {
	g.VMOVHLPS(X0, X0, X1) // lanes 2, 3 down to 0, 1
	op(X1, X0, X0)
	g.VMOVSHDUP(X0, X1) // lane 1 down to 0
	last(X1, X0, X0)
}

// hadd4 sums X0's four lanes into every lane, by two VHADDPS.
func (g *gen) hadd4() {
	g.VHADDPS(X0, X0, X0)
	g.VHADDPS(X0, X0, X0)
}

// tailIfAny places label and leaves for exit if no element is left (CX
// is zero).
func (g *gen) tailIfAny(label, exit string) {
	g.Label(label)
	g.TESTQ(RCX, RCX)
	g.JZ(LabelRef(exit))
}
