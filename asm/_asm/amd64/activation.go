package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// An activation kernel computes dst[i] = f(src[i]) for i < len(src). The
// skeleton (gen.activation) owns the pointers, the loops and the tail; the
// kernel's body computes a few vectors at once, interleaved so that their
// long dependency chains overlap, reading and writing them through a vio.
//
// The stages are: the main loop (main vectors per iteration, body called
// for each group of them); a second stage of step vectors (a loop, or
// once); and the tail, the last partial vector(s): at AVX-512 under
// opmasks (K1, and K4 for a second vector), which neither read nor write
// masked-off lanes; at AVX2 through a zeroed buffer on the stack, copied
// in and out one element at a time, so no memory past the slices is
// touched (VMASKMOVPS would do on hardware, but qemu faults on its
// masked-off lanes).
type activation struct {
	name string
	// consts loads the kernel's constants after DI = &dst[0],
	// SI = &src[0] and CX = len(src).
	consts   func(g *gen, s isa)
	main     int  // vectors per main-loop iteration
	group    int  // vectors per body call in the main loop
	step     int  // vectors of the second stage; 0 for none
	stepOnce bool // the second stage runs at most once
	tail     int  // vectors of the tail (buffer vectors, or opmasks)
	// srcInBuf: the AVX2 tail points SI at the buffer, for a body that
	// reads its inputs as memory operands (vio.mem).
	srcInBuf bool
	// body computes the io.n vectors of one group. In the main loop it may
	// branch to code of its own, which it returns as wide; wide is
	// emitted after the loop and jumps back to a label the body placed,
	// or to vio.next.
	body func(g *gen, s isa, st stage, io *vio) (wide func())
}

// stage says which part of the skeleton a body is called in.
type stage int

const (
	mainStage stage = iota
	stepStage
	tailStage
)

// vio reads and writes the vectors of one group of a body call.
type vio struct {
	g      *gen
	s      isa
	first  int  // index of the group's first vector in the iteration
	n      int  // vectors in the group
	kind   int  // ioMem, ioMasked, ioBuf
	buf    Mem  // the AVX2 tail buffer
	inBuf  bool // SI points at the buffer
	next   string
	usedNx bool
}

const (
	ioMem = iota
	ioMasked
	ioBuf
)

// masks are the opmasks of the tail's vectors.
var masks = []OpmaskPhysical{K1, K4}

// off is the byte offset of vector i of the group.
func (io *vio) off(i int) int { return (io.first + i) * io.s.bytes }

// mem is vector i of the input as a memory operand.
func (io *vio) mem(i int) Mem {
	switch {
	case io.kind == ioBuf && !io.inBuf:
		return io.buf.Offset(io.off(i))
	case io.kind == ioMasked:
		panic("vio.mem: masked input")
	}
	return at(RSI, io.off(i))
}

// load sets r to vector i of the input.
func (io *vio) load(i int, r VecPhysical) {
	if io.kind == ioMasked {
		io.g.VMOVUPS_Z(at(RSI, io.off(i)), masks[io.first+i], r)
		return
	}
	io.g.VMOVUPS(io.mem(i), r)
}

// store writes r to vector i of the output.
func (io *vio) store(r VecPhysical, i int) {
	switch io.kind {
	case ioMasked:
		io.g.VMOVUPS(r, masks[io.first+i], at(RDI, io.off(i)))
	case ioBuf:
		io.g.VMOVUPS(r, io.buf.Offset(io.off(i)))
	default:
		io.g.VMOVUPS(r, at(RDI, io.off(i)))
	}
}

// nextLabel is the label before the main loop's pointer advance; a body
// calls it before it returns, so that the skeleton places the label.
func (io *vio) nextLabel() LabelRef {
	io.usedNx = true
	return LabelRef(io.next)
}

// activation emits k's kernel for s.
func (g *gen) activation(k activation, s isa) {
	name := k.name + s.suffix
	g.Function(name)
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float32)")
	var buf Mem
	if !s.masked {
		buf = g.AllocLocal(k.tail * s.bytes)
	}
	g.Load(g.Param("dst").Base(), RDI)
	g.Load(g.Param("src").Base(), RSI)
	g.Load(g.Param("src").Len(), RCX)
	k.consts(g, s)

	lanes := s.lanes()
	advance := func(vecs int) {
		g.ADDQ(imm(vecs*s.bytes), RSI)
		g.ADDQ(imm(vecs*s.bytes), RDI)
		g.SUBQ(imm(vecs*lanes), RCX)
	}
	lmain := fmt.Sprintf("loop%d", k.main*lanes)
	lstep := fmt.Sprintf("loop%d", k.step*lanes)
	if k.step == 0 {
		lstep = "tail"
	}

	g.Comment(fmt.Sprintf("Main loop: %d elements (%d vectors) per iteration.", k.main*lanes, k.main))
	g.Label(lmain)
	g.CMPQ(RCX, imm(k.main*lanes))
	g.JB(LabelRef(lstep))
	var wides []func()
	io := &vio{g: g, s: s, next: fmt.Sprintf("next%d", k.main*lanes)}
	for first := 0; first < k.main; first += k.group {
		io.first, io.n = first, k.group
		if w := k.body(g, s, mainStage, io); w != nil {
			wides = append(wides, w)
		}
	}
	if io.usedNx {
		g.Label(io.next)
	}
	advance(k.main)
	g.JMP(LabelRef(lmain))
	for _, w := range wides {
		w()
	}

	if k.step > 0 {
		switch {
		case k.stepOnce:
			g.Comment(fmt.Sprintf("%d vectors if %d or more elements are left.", k.step, k.step*lanes))
		case k.step == 1:
			g.Comment(fmt.Sprintf("One vector at a time while %d or more elements are left.", lanes))
		default:
			g.Comment(fmt.Sprintf("%d vectors at a time while %d or more elements are left.", k.step, k.step*lanes))
		}
		g.Label(lstep)
		g.CMPQ(RCX, imm(k.step*lanes))
		g.JB(LabelRef("tail"))
		k.body(g, s, stepStage, &vio{g: g, s: s, n: k.step})
		advance(k.step)
		if !k.stepOnce {
			g.JMP(LabelRef(lstep))
		}
	}

	g.Comment(fmt.Sprintf("The last 1..%d elements.", k.tail*lanes-1))
	g.tailIfAny("tail", "done")
	if s.masked {
		switch k.tail {
		case 1:
			g.loadMask()
		case 2: // K1 = the low 16 bits of (1<<N)−1, K4 = the rest
			g.MOVQ(imm(1), RAX)
			g.SHLQ(CL, RAX)
			g.DECQ(RAX)
			g.KMOVD(EAX, K1)
			g.SHRQ(imm8(16), RAX)
			g.KMOVD(EAX, K4)
		default:
			panic("activation: tail of more than two masked vectors")
		}
		k.body(g, s, tailStage, &vio{g: g, s: s, n: k.tail, kind: ioMasked})
	} else {
		g.VXORPS(Y0, Y0, Y0)
		for i := 0; i < k.tail; i++ {
			g.VMOVUPS(Y0, buf.Offset(i*s.bytes))
		}
		elem := func(r GPPhysical) Mem { return Mem{Base: r, Index: RAX, Scale: 4} }
		bufElem := buf.Idx(RAX, 4)
		g.XORQ(RAX, RAX)
		g.Label("copyin")
		g.MOVL(elem(RSI), EDX)
		g.MOVL(EDX, bufElem)
		g.INCQ(RAX)
		g.CMPQ(RAX, RCX)
		g.JB(LabelRef("copyin"))
		if k.srcInBuf {
			g.LEAQ(buf, RSI)
		}
		k.body(g, s, tailStage, &vio{g: g, s: s, n: k.tail, kind: ioBuf, buf: buf, inBuf: k.srcInBuf})
		g.XORQ(RAX, RAX)
		g.Label("copyout")
		g.MOVL(bufElem, EDX)
		g.MOVL(EDX, elem(RDI))
		g.INCQ(RAX)
		g.CMPQ(RAX, RCX)
		g.JB(LabelRef("copyout"))
	}

	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}
