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

// asmProbe returns the assembly probe of level l, if it has one.
func asmProbe(l kernel.Level) (probe, bool) {
	if l == kernel.NEON {
		return probe{fma: fmaPeakNEON, fmaFlops: 28 * 4 * 2, read: readBWNEON}, true
	}
	return probe{}, false
}
