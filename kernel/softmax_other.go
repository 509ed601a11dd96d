//go:build !(amd64 || arm64) || purego || noasm

package kernel

func init() {
	register("Softmax", Generic, "softmax_generic_2pass")
	register("LogSoftmax", Generic, "logsoftmax_generic_2pass")
	register("LogSumExp", Generic, "logsumexp_generic_1pass")
}

func expShiftSum(dst, src []float32, m float32) float32 { return expShiftSumGeneric(dst, src, m) }
func sumExpShift(x []float32, m float32) float32        { return sumExpShiftGeneric(x, m) }
func shiftSub(dst, src []float32, m, ls float32)        { shiftSubGeneric(dst, src, m, ls) }

func expScaledSumMax(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int) {
	return expScaledSumMaxGeneric(dst, src, k, lo, hi)
}

func expScaledFused(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int, ok bool) {
	return 0, 0, 0, 0, 0, false
}
