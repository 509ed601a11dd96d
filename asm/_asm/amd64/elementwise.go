package main

import (
	"fmt"
	"slices"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// An elementwise kernel reads one element of each input slice and writes
// one element of the output, independently for every index. The skeleton
// (gen.elementwise) owns the loops: four vectors per iteration, then one
// vector at a time, then the tail (one element at a time at AVX2, so no
// memory past the slices is touched (VMASKMOVPS would do on hardware,
// but a masked store is slow on AMD and qemu faults on masked-off lanes);
// one K1-masked vector at AVX-512). The main loop stores each vector
// before it loads the next (interleaving the stores with the loads
// measured 7% faster than four loads, then four stores, for Add, and 19%
// for Axpy on Zen 5); each vector's loads precede its store, so the
// output may be an input (in place).
type elementwise struct {
	name string // Add: the symbols are AddAVX2 and AddAVX512
	sig  string // the Go signature
	// prologue loads the arguments: the pointer registers, the length
	// into CX, and any broadcast scalar into s.alpha.
	prologue func(g *gen, s isa)
	ins      []GPPhysical // input pointers, in the order they are read
	out      GPPhysical   // output pointer (may be one of ins)
	// op emits the computation of one vector (or one element) and returns
	// the register holding the result. ins are the inputs: in vector mode
	// every input but the last is in a register (the first in dst) and
	// the last is a memory operand; in scalar and masked mode all are in
	// registers, the first in dst.
	op func(g *gen, m mode, s isa, dst VecPhysical, ins []Op) VecPhysical
}

// loadDstAB is the common prologue of the binary kernels: dst, then its
// length, then a and b.
func loadDstAB(g *gen, s isa) {
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("dst").Len(), RCX)
	g.Load(g.Param("a").Base(), RSI)
	g.Load(g.Param("b").Base(), RDX)
}

// binary is the kernel name(dst, a, b []float32): dst[i] = a[i] op b[i]
// for i < len(dst), with len(a), len(b) ≥ len(dst); packed and single are
// op's packed and scalar instructions.
func binary(name string, packed, single func(*build.Context, ...Op)) elementwise {
	return elementwise{
		name: name, sig: "func(dst, a, b []float32)",
		prologue: loadDstAB,
		ins:      []GPPhysical{RSI, RDX}, out: RDI,
		op: func(g *gen, m mode, s isa, dst VecPhysical, ins []Op) VecPhysical {
			op := packed
			if m == scalar {
				op = single
			}
			op(g.Context, ins[1], ins[0], dst)
			return dst
		},
	}
}

var (
	add = binary("Add", (*build.Context).VADDPS, (*build.Context).VADDSS) // dst[i] = a[i] + b[i]
	mul = binary("Mul", (*build.Context).VMULPS, (*build.Context).VMULSS) // dst[i] = a[i] · b[i]
)

// loadAlphaX is the prologue of Scale(alpha, x), and of Axpy(alpha, x, y)
// with y.
func loadAlphaX(y bool) func(g *gen, s isa) {
	return func(g *gen, s isa) {
		g.Load(g.Param("x").Base(), RSI)
		if y {
			g.Load(g.Param("y").Base(), RDI)
		}
		g.Load(g.Param("x").Len(), RCX)
		g.VBROADCASTSS(g.addr(g.Param("alpha")), s.alpha)
	}
}

// axpy: y[i] = alpha·x[i] + y[i] rounded once (FMA), i < len(x).
var axpy = elementwise{
	name: "Axpy", sig: "func(alpha float32, x, y []float32)",
	prologue: loadAlphaX(true),
	ins:      []GPPhysical{RSI, RDI}, out: RDI,
	op: func(g *gen, m mode, s isa, dst VecPhysical, ins []Op) VecPhysical {
		switch m {
		case scalar:
			g.VFMADD213SS(ins[1], xmm(s.alpha), ins[0])
		case masked:
			y := ins[1].(VecPhysical)
			g.VFMADD231PS(ins[0], s.alpha, y)
			return y
		default:
			g.VFMADD213PS(ins[1], s.alpha, ins[0])
		}
		return dst
	},
}

// scale: x[i] = alpha·x[i].
var scale = elementwise{
	name: "Scale", sig: "func(alpha float32, x []float32)",
	prologue: loadAlphaX(false),
	ins:      []GPPhysical{RSI}, out: RSI,
	op: func(g *gen, m mode, s isa, dst VecPhysical, ins []Op) VecPhysical {
		if m == scalar {
			g.VMULSS(ins[0], xmm(s.alpha), dst)
		} else {
			g.VMULPS(ins[0], s.alpha, dst)
		}
		return dst
	},
}

// elementwise emits k's kernel for s.
func (g *gen) elementwise(k elementwise, s isa) {
	name := k.name + s.suffix
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr(k.sig)
	k.prologue(g, s)

	const unroll = 4
	lanes := s.lanes()
	// ptrs are the pointers to advance: the inputs, then the output if it
	// is not one of them.
	ptrs := append([]GPPhysical{}, k.ins...)
	if !slices.Contains(ptrs, k.out) {
		ptrs = append(ptrs, k.out)
	}
	advance := func(elems int) {
		for _, p := range ptrs {
			g.ADDQ(imm(4*elems), p)
		}
	}
	// vec emits one full vector at byte offset off, in register v.
	vec := func(off int, v VecPhysical) {
		ins := make([]Op, len(k.ins))
		for i, p := range k.ins {
			if i == len(k.ins)-1 {
				ins[i] = at(p, off)
				break
			}
			if i > 0 {
				panic("elementwise: more than one input in registers")
			}
			g.VMOVUPS(at(p, off), v)
			ins[i] = v
		}
		r := k.op(g, vector, s, v, ins)
		g.VMOVUPS(r, at(k.out, off))
	}

	big := fmt.Sprintf("loop%d", unroll*lanes)
	one := fmt.Sprintf("loop%d", lanes)
	g.Comment(fmt.Sprintf("Main loop: %d elements per iteration, vector by vector.", unroll*lanes))
	g.Label(big)
	g.CMPQ(RCX, imm(unroll*lanes))
	g.JB(LabelRef(one))
	for i := 0; i < unroll; i++ {
		vec(i*s.bytes, s.v(i))
	}
	advance(unroll * lanes)
	g.SUBQ(imm(unroll*lanes), RCX)
	g.JMP(LabelRef(big))

	tail := "tail"
	if s.masked {
		tail = "tailmask"
	}
	g.Comment(fmt.Sprintf("One vector at a time while %d or more are left.", lanes))
	g.Label(one)
	g.CMPQ(RCX, imm(lanes))
	g.JB(LabelRef(tail))
	vec(0, s.v(0))
	advance(lanes)
	g.SUBQ(imm(lanes), RCX)
	g.JMP(LabelRef(one))

	ins := make([]Op, len(k.ins))
	if s.masked {
		g.Comment(fmt.Sprintf("The last 0..%d elements under K1 = (1<<N)-1: masked-off lanes are", lanes-1),
			"neither read nor written.")
		g.tailIfAny(tail, "done")
		g.loadMask()
		for i, p := range k.ins {
			g.VMOVUPS_Z(at(p, 0), K1, s.v(i))
			ins[i] = s.v(i)
		}
		r := k.op(g, masked, s, s.v(0), ins)
		g.VMOVUPS(r, K1, at(k.out, 0))
	} else {
		g.Comment(fmt.Sprintf("The last 0..%d elements one at a time: a scalar loop touches nothing", lanes-1),
			"past the end. Each load is a VMOVSS of exactly 4 bytes (qemu widens",
			"some scalar memory operands to 16).")
		g.tailIfAny(tail, "done")
		for i, p := range k.ins {
			g.VMOVSS(at(p, 0), xreg(i))
			ins[i] = xreg(i)
		}
		r := k.op(g, scalar, s, X0, ins)
		g.VMOVSS(r, at(k.out, 0))
		advance(1)
		g.DECQ(RCX)
		g.JMP(LabelRef(tail))
	}

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// xreg is the X register i.
func xreg(i int) VecPhysical { return avx2.v(i).AsX().(VecPhysical) }
