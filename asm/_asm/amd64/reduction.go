package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// A reduction kernel folds its inputs, element by element, into one sum.
// The skeleton (gen.reduction) keeps eight independent accumulators
// (registers 0..7: two pipes of latency 3 or 4 stay busy), runs eight
// vectors per iteration, then two, then one more, and takes the last
// partial vector under K1 at AVX-512; at AVX2 it reloads the last full
// vector of the slice and ANDs it with a lane mask read from a table (or,
// for slices shorter than one vector, runs a scalar loop), so no memory
// past the slices is read. The accumulators are then summed as a tree,
// and the lanes of the result by halves.
type reduction struct {
	name     string
	sig      string
	prologue func(g *gen)
	ins      []GPPhysical // input pointers
	// op adds the contribution of one vector (or one element) of the
	// inputs to acc. In vector mode every input but the last is in a
	// register and the last is a memory operand; otherwise all are in
	// registers.
	op func(g *gen, m mode, acc VecPhysical, ins []Op)
}

// dot: Σ x[i]·y[i] for i < len(x), by FMA (len(y) ≥ len(x)).
var dot = reduction{
	name: "Dot", sig: "func(x, y []float32) float32",
	prologue: func(g *gen) {
		g.Load(g.Param("x").Base(), RSI)
		g.Load(g.Param("y").Base(), RDI)
		g.Load(g.Param("x").Len(), RCX)
	},
	ins: []GPPhysical{RSI, RDI},
	op: func(g *gen, m mode, acc VecPhysical, ins []Op) {
		if m == scalar {
			g.VFMADD231SS(ins[1], ins[0], acc)
		} else {
			g.VFMADD231PS(ins[1], ins[0], acc)
		}
	},
}

// sum: Σ x[i].
var sum = reduction{
	name: "Sum", sig: "func(x []float32) float32",
	prologue: func(g *gen) {
		g.Load(g.Param("x").Base(), RSI)
		g.Load(g.Param("x").Len(), RCX)
	},
	ins: []GPPhysical{RSI},
	op: func(g *gen, m mode, acc VecPhysical, ins []Op) {
		if m == scalar {
			g.VADDSS(ins[0], acc, acc)
		} else {
			g.VADDPS(ins[0], acc, acc)
		}
	},
}

// reduction emits k's kernel for s.
func (g *gen) reduction(k reduction, s isa) {
	name := k.name + s.suffix
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(k.sig)
	k.prologue(g)

	lanes := s.lanes()
	const accs = 8
	tmp := 8 // first register for loaded inputs
	for i := 0; i < accs; i++ {
		if s.masked {
			g.VPXORD(s.v(i), s.v(i), s.v(i))
		} else {
			g.VXORPS(s.v(i), s.v(i), s.v(i))
		}
	}
	advance := func(elems int) {
		for _, p := range k.ins {
			g.ADDQ(imm(4*elems), p)
		}
	}
	// block adds vectors j = 0..n-1 at byte offset j·bytes into
	// accumulators acc0+j: first every register load, then every op.
	block := func(n, acc0 int) {
		loaded := len(k.ins) - 1
		if loaded > 1 {
			panic("reduction: more than one input in registers")
		}
		for j := 0; j < n && loaded == 1; j++ {
			g.VMOVUPS(at(k.ins[0], j*s.bytes), s.v(tmp+j))
		}
		for j := 0; j < n; j++ {
			ins := []Op{at(k.ins[len(k.ins)-1], j*s.bytes)}
			if loaded == 1 {
				ins = []Op{s.v(tmp + j), ins[0]}
			}
			k.op(g, vector, s.v(acc0+j), ins)
		}
	}

	big, two, one := 8*lanes, 2*lanes, lanes
	lbig, ltwo := fmt.Sprintf("loop%d", big), fmt.Sprintf("loop%d", two)
	lone := fmt.Sprintf("tail%d", one)
	tail := "tail"
	if s.masked {
		tail = "tailmask"
	}
	g.CMPQ(RCX, imm(big))
	g.JB(LabelRef(ltwo))

	g.Comment(fmt.Sprintf("Main loop: %d elements (eight vectors) per iteration.", big))
	g.Label(lbig)
	block(8, 0)
	advance(big)
	g.SUBQ(imm(big), RCX)
	g.CMPQ(RCX, imm(big))
	g.JAE(LabelRef(lbig))

	g.Comment(fmt.Sprintf("%d elements at a time into two chains.", two))
	g.Label(ltwo)
	g.CMPQ(RCX, imm(two))
	g.JB(LabelRef(lone))
	block(2, 0)
	advance(two)
	g.SUBQ(imm(two), RCX)
	g.JMP(LabelRef(ltwo))

	g.Comment(fmt.Sprintf("One more full vector if %d..%d are left.", one, two-1))
	g.Label(lone)
	g.CMPQ(RCX, imm(one))
	g.JB(LabelRef(tail))
	block(1, 2)
	advance(one)
	g.SUBQ(imm(one), RCX)

	acc := s.v(3) // the partial vector goes to accumulator 3
	if s.masked {
		g.Comment(fmt.Sprintf("The last 0..%d elements under K1 = (1<<N)-1: masked-off lanes are", one-1),
			"not read and load as +0.")
		g.tailIfAny(tail, "reduce")
		g.loadMask()
		ins := make([]Op, len(k.ins))
		for i, p := range k.ins {
			g.VMOVUPS_Z(at(p, 0), K1, s.v(tmp+i))
			ins[i] = s.v(tmp + i)
		}
		k.op(g, masked, acc, ins)
	} else {
		table := g.tailTable(k.name)
		g.Comment(fmt.Sprintf("The last 0..%d elements, without reading past the end of the inputs", one-1),
			"(VMASKMOVPS would do, but qemu-user faults on its masked-off lanes).",
			"With a full vector or more in all, reload the last vector of each",
			"input and keep only the N lanes not yet counted: AND with the lane",
			"mask table[N:N+8], whose last N lanes are ones. Shorter slices take",
			"a scalar loop.")
		g.tailIfAny(tail, "reduce")
		g.CMPQ(g.addr(g.Param("x").Len()), imm(one))
		g.JB(LabelRef("scalar"))
		for _, p := range k.ins {
			g.LEAQ(Mem{Base: p, Index: RCX, Scale: 4, Disp: -s.bytes}, p)
		}
		mask := s.v(15)
		g.LEAQ(table, RAX)
		g.VMOVUPS(Mem{Base: RAX, Index: RCX, Scale: 4}, mask)
		ins := make([]Op, len(k.ins))
		for i, p := range k.ins {
			g.VANDPS(at(p, 0), mask, s.v(tmp+i))
			ins[i] = s.v(tmp + i)
		}
		k.op(g, vector, acc, ins)
		g.JMP(LabelRef("reduce"))

		g.Comment("Fewer than a vector in all: one element at a time into X8 (a VEX",
			"scalar instruction zeroes Y8's upper half, which is then added as",
			"zeros). Each load is a VMOVSS of exactly 4 bytes (qemu widens some",
			"scalar memory operands to 16).")
		g.Label("scalar")
		g.VXORPS(s.v(tmp), s.v(tmp), s.v(tmp))
		g.Label("scalarloop")
		for i, p := range k.ins {
			g.VMOVSS(at(p, 0), xreg(tmp+1+i))
			ins[i] = xreg(tmp + 1 + i)
		}
		k.op(g, scalar, xreg(tmp), ins)
		advance(1)
		g.DECQ(RCX)
		g.JNZ(LabelRef("scalarloop"))
		g.VADDPS(s.v(tmp), s.v(0), s.v(0))
	}

	g.Comment("Sum the eight accumulators as a tree, then the lanes by halves.")
	g.Label("reduce")
	for i := 0; i < 4; i++ {
		g.VADDPS(s.v(i+4), s.v(i), s.v(i))
	}
	g.VADDPS(s.v(2), s.v(0), s.v(0))
	g.VADDPS(s.v(3), s.v(1), s.v(1))
	g.VADDPS(s.v(1), s.v(0), s.v(0))
	g.halve(g.VADDPS, s.v(0))
	g.fold4(g.VADDPS, g.VADDSS)
	g.VZEROUPPER()
	g.MOVSS(X0, g.addr(g.ReturnIndex(0)))
	g.RET()
}

// tailTable defines <name>Tail<>, 64 bytes: 8 lanes of zeros, then 8 of
// all ones, so that the 8 lanes at element N have ones in their last N.
func (g *gen) tailTable(name string) Mem {
	m := g.StaticGlobal(lower(name) + "Tail")
	g.DataAttributes(attr.RODATA | attr.NOPTR)
	for i := 0; i < 4; i++ {
		g.AddDatum(8*i, U64(0))
	}
	for i := 4; i < 8; i++ {
		g.AddDatum(8*i, U64(0xffffffffffffffff))
	}
	return m
}
