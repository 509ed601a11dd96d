//go:build !purego && !noasm

package machbound

import "github.com/simdcore/simdcore/kernel"

// The probes' assembly, written by hand (fmapeak_neon_arm64.s,
// readbw_neon_arm64.s).

// fmaPeakNEON runs n iterations of 28 independent FMLA on q registers
// (224 FLOP each).
//
//go:noescape
func fmaPeakNEON(n int)

// readBWNEON sweeps buf reps times with q-register load pairs, 256 bytes
// per iteration; bytes past the last whole 256 are not read.
//
//go:noescape
func readBWNEON(buf []byte, reps int)

// int8MacPeakNEONDot runs n iterations of 28 independent SDOT on q
// registers (448 MACs each).
//
//go:noescape
func int8MacPeakNEONDot(n int)

// int8MacPeakNEON runs n iterations of twelve independent copies of the
// neon int8 path's MAC sequence (SMULL, SMLAL2, SADALP: 16 MACs each, 192
// per iteration).
//
//go:noescape
func int8MacPeakNEON(n int)

// asmInt8Probe returns the assembly probe of int8 path p, if it has one.
func asmInt8Probe(p kernel.Int8Path) (int8Probe, bool) {
	switch p {
	case kernel.Int8NEONDot:
		return int8Probe{mac: int8MacPeakNEONDot, macs: 28 * 16}, true
	case kernel.Int8NEON:
		return int8Probe{mac: int8MacPeakNEON, macs: 12 * 16}, true
	}
	return int8Probe{}, false
}

// asmProbe returns the assembly probe of level l, if it has one.
func asmProbe(l kernel.Level) (probe, bool) {
	if l == kernel.NEON {
		return probe{fma: fmaPeakNEON, fmaFlops: 28 * 4 * 2, read: readBWNEON}, true
	}
	return probe{}, false
}
