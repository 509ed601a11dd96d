//go:build !purego && !noasm

package machbound

import "github.com/simdcore/simdcore/kernel"

// The probes' assembly, written by asm/_asm/amd64 (probe.go).

// fmaPeakAVX2 runs n iterations of 14 independent VFMADD231PS on ymm
// registers (224 FLOP each).
//
//go:noescape
func fmaPeakAVX2(n int)

// fmaPeakAVX512 runs n iterations of 30 independent VFMADD231PS on zmm
// registers (960 FLOP each).
//
//go:noescape
func fmaPeakAVX512(n int)

// readBWAVX2 sweeps buf reps times with ymm loads, 256 bytes per
// iteration; bytes past the last whole 256 are not read.
//
//go:noescape
func readBWAVX2(buf []byte, reps int)

// readBWAVX512 sweeps buf reps times with zmm loads, 512 bytes per
// iteration; bytes past the last whole 512 are not read.
//
//go:noescape
func readBWAVX512(buf []byte, reps int)

// int8MacPeakAVX2 runs n iterations of six independent copies of the
// avx2 int8 path's MAC sequence (VPSIGNB, VPMADDUBSW, VPMADDWD, VPADDD:
// 32 MACs each, 192 per iteration).
//
//go:noescape
func int8MacPeakAVX2(n int)

// int8MacPeakAVXVNNI runs n iterations of 14 independent VEX VPDPBUSD on
// ymm registers (448 MACs each).
//
//go:noescape
func int8MacPeakAVXVNNI(n int)

// int8MacPeakAVX512VNNI runs n iterations of 30 independent EVEX
// VPDPBUSD on zmm registers (1920 MACs each).
//
//go:noescape
func int8MacPeakAVX512VNNI(n int)

// asmInt8Probe returns the assembly probe of int8 path p, if it has one.
func asmInt8Probe(p kernel.Int8Path) (int8Probe, bool) {
	switch p {
	case kernel.Int8AVX512VNNI:
		return int8Probe{mac: int8MacPeakAVX512VNNI, macs: 30 * 64}, true
	case kernel.Int8AVXVNNI:
		return int8Probe{mac: int8MacPeakAVXVNNI, macs: 14 * 32}, true
	case kernel.Int8AVX2:
		return int8Probe{mac: int8MacPeakAVX2, macs: 6 * 32}, true
	}
	return int8Probe{}, false
}

// asmProbe returns the assembly probe of level l, if it has one.
func asmProbe(l kernel.Level) (probe, bool) {
	switch l {
	case kernel.AVX512:
		return probe{fma: fmaPeakAVX512, fmaFlops: 30 * 16 * 2, read: readBWAVX512}, true
	case kernel.AVX2:
		return probe{fma: fmaPeakAVX2, fmaFlops: 14 * 8 * 2, read: readBWAVX2}, true
	}
	return probe{}, false
}
