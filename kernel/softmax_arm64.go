//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for the passes of Softmax, LogSoftmax and LogSumExp on arm64.
// Pass 1 is Max, and Softmax's pass 3 is Scale, dispatched on their own.

func init() {
	register("Softmax", Generic, "softmax_generic_3pass")
	register("LogSoftmax", Generic, "logsoftmax_generic_3pass")
	register("LogSumExp", Generic, "logsumexp_generic")
	register("Softmax", NEON, "softmax_neon_3pass_u8")
	register("LogSoftmax", NEON, "logsoftmax_neon_3pass_u8")
	register("LogSumExp", NEON, "logsumexp_neon_u8")
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
