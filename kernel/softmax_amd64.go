//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// Dispatch for the passes of Softmax, LogSoftmax and LogSumExp on amd64
// (Softmax's last pass is Scale, and the three-pass fallback's first is
// Max).

func init() {
	register("Softmax", Generic, "softmax_generic_2pass")
	register("Softmax", AVX2, "softmax_avx2_fma_2pass_rr2_p6_u4")
	register("Softmax", AVX512, "softmax_avx512_2pass_rr2_p6_u8")
	register("LogSoftmax", Generic, "logsoftmax_generic_2pass")
	register("LogSoftmax", AVX2, "logsoftmax_avx2_fma_2pass_rr2_p6_u4")
	register("LogSoftmax", AVX512, "logsoftmax_avx512_2pass_rr2_p6_u8")
	register("LogSumExp", Generic, "logsumexp_generic_1pass")
	register("LogSumExp", AVX2, "logsumexp_avx2_fma_1pass_rr2_p6_u4")
	register("LogSumExp", AVX512, "logsumexp_avx512_1pass_rr2_p6_u8")
}

func expShiftSum(dst, src []float32, m float32) float32 {
	switch active {
	case AVX512:
		return asm.ExpShiftSumAVX512(dst, src, m)
	case AVX2:
		return asm.ExpShiftSumAVX2(dst, src, m)
	}
	return expShiftSumGeneric(dst, src, m)
}

func sumExpShift(x []float32, m float32) float32 {
	switch active {
	case AVX512:
		return asm.SumExpShiftAVX512(x, m)
	case AVX2:
		return asm.SumExpShiftAVX2(x, m)
	}
	return sumExpShiftGeneric(x, m)
}

func shiftSub(dst, src []float32, m, ls float32) {
	switch active {
	case AVX512:
		asm.ShiftSubAVX512(dst, src, m, ls)
		return
	case AVX2:
		asm.ShiftSubAVX2(dst, src, m, ls)
		return
	}
	shiftSubGeneric(dst, src, m, ls)
}

func expScaledSumMax(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int) {
	switch active {
	case AVX512:
		s, mx, ymax, _, done = asm.ExpScaledSumMaxAVX512(dst, src, k, lo, hi, 0)
		return s, mx, ymax, done
	case AVX2:
		s, mx, ymax, _, done = asm.ExpScaledSumMaxAVX2(dst, src, k, lo, hi, 0)
		return s, mx, ymax, done
	}
	return expScaledSumMaxGeneric(dst, src, k, lo, hi)
}

// expScaledFused runs pass 1 with the scaling taken from src (and, with
// xsNormalize, the scaling pass) in one call where the level has such a
// kernel: AVX-512 and AVX2. ok is false elsewhere.
func expScaledFused(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int, ok bool) {
	switch active {
	case AVX512:
		s, mx, ymax, c, done = asm.ExpScaledSumMaxAVX512(dst, src, 0, 0, 0, flags)
		return s, mx, ymax, c, done, true
	case AVX2:
		s, mx, ymax, c, done = asm.ExpScaledSumMaxAVX2(dst, src, 0, 0, 0, flags)
		return s, mx, ymax, c, done, true
	}
	return 0, 0, 0, 0, 0, false
}
