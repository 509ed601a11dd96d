//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for the passes of Softmax, LogSoftmax and LogSumExp on arm64.
// Softmax's last pass is Scale and the three-pass fallback's first is Max,
// dispatched on their own.

func init() {
	register("Softmax", Generic, "softmax_generic_2pass")
	register("LogSoftmax", Generic, "logsoftmax_generic_2pass")
	register("LogSumExp", Generic, "logsumexp_generic_1pass")
	register("Softmax", NEON, "softmax_neon_2pass_u2")
	register("LogSoftmax", NEON, "logsoftmax_neon_2pass_u2")
	register("LogSumExp", NEON, "logsumexp_neon_1pass_u2")
}

func expShiftSum(dst, src []float32, m float32) float32 {
	if active == NEON {
		return asm.ExpShiftSumNEON(dst, src, m)
	}
	return expShiftSumGeneric(dst, src, m)
}

func sumExpShift(x []float32, m float32) float32 {
	if active == NEON {
		return asm.SumExpShiftNEON(x, m)
	}
	return sumExpShiftGeneric(x, m)
}

func shiftSub(dst, src []float32, m, ls float32) {
	if active == NEON {
		asm.ShiftSubNEON(dst, src, m, ls)
		return
	}
	shiftSubGeneric(dst, src, m, ls)
}

func expScaledSumMax(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int) {
	if active == NEON {
		s, mx, ymax, _, done = asm.ExpScaledSumMaxNEON(dst, src, k, lo, hi, 0)
		return s, mx, ymax, done
	}
	return expScaledSumMaxGeneric(dst, src, k, lo, hi)
}

// expScaledFused runs pass 1 with the scaling taken from src (and the
// second pass, by flags) in one call on NEON. ok is false elsewhere.
func expScaledFused(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int, ok bool) {
	if active == NEON {
		s, mx, ymax, c, done = asm.ExpScaledSumMaxNEON(dst, src, 0, 0, 0, flags)
		return s, mx, ymax, c, done, true
	}
	return 0, 0, 0, 0, 0, false
}
