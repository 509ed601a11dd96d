package machbound

import (
	"unsafe"

	"github.com/simdcore/simdcore/kernel"
)

// probe is one level's pair of loops.
type probe struct {
	fma      func(n int)                // n iterations of independent FMAs
	fmaFlops float64                    // FLOP per iteration of fma
	read     func(buf []byte, reps int) // reps sweeps over buf
}

// int8Probe is one int8 path's multiply-accumulate loop.
type int8Probe struct {
	mac  func(n int) // n iterations of independent int8 MACs
	macs float64     // int8 MACs per iteration of mac
}

// int8ProbeAt returns int8 path p's probe: its assembly's MAC sequence,
// the Go loop at the generic path; ok is false for a path this build has
// no assembly for.
func int8ProbeAt(p kernel.Int8Path) (q int8Probe, ok bool) {
	if q, ok := asmInt8Probe(p); ok {
		return q, true
	}
	if p == kernel.Int8Generic {
		return int8Probe{mac: int8Go, macs: 12}, true
	}
	return int8Probe{}, false
}

// probeAt returns level l's probe: the assembly of a SIMD level, the Go
// loops at Generic; ok is false for a SIMD level this build has no
// assembly for.
func probeAt(l kernel.Level) (p probe, ok bool) {
	if p, ok := asmProbe(l); ok {
		return p, true
	}
	if l == kernel.Generic {
		return probe{fma: fmaGo, fmaFlops: 12 * 2, read: readGo}, true
	}
	return probe{}, false
}

// goMul and goAdd are fmaGo's operands, variables so that the compiler
// cannot fold them; goSink keeps its results alive.
var (
	goMul, goAdd float32 = 1, 0
	goSink       uint64
	goSinkF      float32
	goX, goW     int8 = 1, 1
	goSinkI      int32
)

// fmaGo runs n iterations of twelve independent float32 multiply-adds
// acc = acc·goMul + goAdd (2 FLOP each): the generic level's arithmetic.
func fmaGo(n int) {
	m, c := goMul, goAdd
	var a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 float32
	for range n {
		a0 = a0*m + c
		a1 = a1*m + c
		a2 = a2*m + c
		a3 = a3*m + c
		a4 = a4*m + c
		a5 = a5*m + c
		a6 = a6*m + c
		a7 = a7*m + c
		a8 = a8*m + c
		a9 = a9*m + c
		a10 = a10*m + c
		a11 = a11*m + c
	}
	goSinkF = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
}

// int8Go runs n iterations of twelve independent int8 multiply-adds
// into int32, acc += int32(x)·int32(w): the generic int8 path's
// arithmetic (dotInt8Generic's).
func int8Go(n int) {
	x, w := int32(goX), int32(goW)
	var a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11 int32
	for range n {
		a0 += x * w
		a1 += x * (w + 1)
		a2 += x * (w + 2)
		a3 += x * (w + 3)
		a4 += (x + 1) * w
		a5 += (x + 1) * (w + 1)
		a6 += (x + 1) * (w + 2)
		a7 += (x + 1) * (w + 3)
		a8 += (x + 2) * w
		a9 += (x + 2) * (w + 1)
		a10 += (x + 2) * (w + 2)
		a11 += (x + 2) * (w + 3)
		x, w = w, x
	}
	goSinkI = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
}

// readGo sweeps buf reps times, eight 8-byte loads per 64 bytes, each
// into its own sum; bytes past the last whole 64 are not read. buf must
// be 8-byte aligned (aligned gives 64).
func readGo(buf []byte, reps int) {
	w := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(buf))), len(buf)/8)
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for range reps {
		for i := 0; i+8 <= len(w); i += 8 {
			v := w[i : i+8 : i+8]
			s0 += v[0]
			s1 += v[1]
			s2 += v[2]
			s3 += v[3]
			s4 += v[4]
			s5 += v[5]
			s6 += v[6]
			s7 += v[7]
		}
	}
	goSink = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}
