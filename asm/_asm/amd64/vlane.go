package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// vl emits one vector's computation in the GELU, GELUTanh and SiLU
// bodies, written once with Y0..Y15 and splat constants as the AVX2
// kernels are. At AVX2 it emits the instructions as written. At AVX-512 it
// maps Y0..Y15 to Z(base)..Z(base+15), reads each constant as a 4-byte
// scalar by embedded broadcast (VBROADCASTSS where a constant is loaded),
// and replaces VBLENDVPS, which has no EVEX form, by VPMOVD2M into the
// lane's opmask k and VBLENDMPS. Every lane runs the same operations at
// both widths (the same roundings, the same true divisions), so the
// results are the same bits.
type vl struct {
	g    *gen
	zmm  bool
	base int            // the first Z register (AVX-512)
	k    OpmaskPhysical // the lane's opmask for blends (AVX-512)
}

// lanesOf returns the n lanes of s: at AVX2 one, on Y0..Y15; at AVX-512
// up to two, on Z0..Z15 (opmask K2) and Z16..Z31 (K3). K1 and K4 are the
// tail's load and store masks.
func (g *gen) lanesOf(s isa, n int) []vl {
	if !s.masked {
		if n != 1 {
			panic("lanesOf: AVX2 has one lane")
		}
		return []vl{{g: g}}
	}
	ls := []vl{{g: g, zmm: true, base: 0, k: K2}, {g: g, zmm: true, base: 16, k: K3}}
	return ls[:n]
}

// r is the register of this lane that Y register v stands for.
func (l vl) r(v VecPhysical) VecPhysical {
	if !l.zmm {
		return v
	}
	return avx512.vecs[l.base+int(v.PhysicalIndex())]
}

// c is a constant of eight copies of bits (AVX2) or a 4-byte scalar
// read by embedded broadcast (AVX-512), defined once per file.
func (l vl) c(name string, bits uint32) Mem {
	if l.zmm {
		return l.g.scalar(name, bits)
	}
	return l.g.splat(name, bits)
}

// emit maps ops' Y registers to the lane's and calls plain, or bcst at
// AVX-512 when an operand is a (4-byte constant) memory operand.
func (l vl) emit(plain, bcst func(...Op), ops ...Op) {
	m := make([]Op, len(ops))
	mem := false
	for i, o := range ops {
		m[i] = o
		switch o := o.(type) {
		case VecPhysical:
			m[i] = l.r(o)
		case Mem:
			mem = true
		}
	}
	if l.zmm && mem {
		bcst(m...)
		return
	}
	plain(m...)
}

// Comment passes through.
func (l vl) Comment(s ...string) { l.g.Comment(s...) }

func (l vl) VANDPS(o ...Op)  { l.emit(l.g.VANDPS, l.g.VANDPS_BCST, o...) }
func (l vl) VORPS(o ...Op)   { l.emit(l.g.VORPS, l.g.VORPS_BCST, o...) }
func (l vl) VMINPS(o ...Op)  { l.emit(l.g.VMINPS, l.g.VMINPS_BCST, o...) }
func (l vl) VMAXPS(o ...Op)  { l.emit(l.g.VMAXPS, l.g.VMAXPS_BCST, o...) }
func (l vl) VADDPS(o ...Op)  { l.emit(l.g.VADDPS, l.g.VADDPS_BCST, o...) }
func (l vl) VSUBPS(o ...Op)  { l.emit(l.g.VSUBPS, l.g.VSUBPS_BCST, o...) }
func (l vl) VMULPS(o ...Op)  { l.emit(l.g.VMULPS, l.g.VMULPS_BCST, o...) }
func (l vl) VDIVPS(o ...Op)  { l.emit(l.g.VDIVPS, l.g.VDIVPS_BCST, o...) }
func (l vl) VMOVAPS(o ...Op) { l.emit(l.g.VMOVAPS, nil, o...) }
func (l vl) VPSUBD(o ...Op)  { l.emit(l.g.VPSUBD, l.g.VPSUBD_BCST, o...) }
func (l vl) VPADDD(o ...Op)  { l.emit(l.g.VPADDD, l.g.VPADDD_BCST, o...) }
func (l vl) VPSRAD(o ...Op)  { l.emit(l.g.VPSRAD, nil, o...) }
func (l vl) VPSLLD(o ...Op)  { l.emit(l.g.VPSLLD, nil, o...) }

func (l vl) VFMADD213PS(o ...Op)  { l.emit(l.g.VFMADD213PS, l.g.VFMADD213PS_BCST, o...) }
func (l vl) VFMADD231PS(o ...Op)  { l.emit(l.g.VFMADD231PS, l.g.VFMADD231PS_BCST, o...) }
func (l vl) VFNMADD231PS(o ...Op) { l.emit(l.g.VFNMADD231PS, l.g.VFNMADD231PS_BCST, o...) }
func (l vl) VFMSUB231PS(o ...Op)  { l.emit(l.g.VFMSUB231PS, l.g.VFMSUB231PS_BCST, o...) }
func (l vl) VFNMSUB231PS(o ...Op) { l.emit(l.g.VFNMSUB231PS, l.g.VFNMSUB231PS_BCST, o...) }

// VMOVUPS loads a constant (src a memory operand) or copies a register.
func (l vl) VMOVUPS(src, dst Op) {
	l.emit(l.g.VMOVUPS, func(o ...Op) { l.g.VBROADCASTSS(o...) }, src, dst)
}

// VBLENDVPS m, a, b, c sets c = m's sign bit ? a : b (a register or a
// constant); at AVX-512 by VPMOVD2M m → k and VBLENDMPS a, b, k, c.
func (l vl) VBLENDVPS(m, a, b, c VecPhysical) {
	if !l.zmm {
		l.g.VBLENDVPS(m, a, b, c)
		return
	}
	l.g.VPMOVD2M(l.r(m), l.k)
	l.g.VBLENDMPS(l.r(a), l.r(b), l.k, l.r(c))
}

// lanesPer is the number of vectors per iteration of a lane-written
// kernel: one at AVX2 (a vector needs all sixteen registers), two at
// AVX-512 (one on each half of the 32).
func lanesPer(s isa) int {
	if s.masked {
		return 2
	}
	return 1
}

// lanesAt is k with the loop shape of s: at AVX2 one vector per
// iteration and an eight-element buffer tail; at AVX-512 a pair per
// iteration and a pair under K1 and K4 for the last 1..31 elements.
func lanesAt(k activation, s isa) activation {
	n := lanesPer(s)
	k.main, k.group, k.tail = n, n, n
	return k
}
