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
