//go:build !purego && !noasm

package kernel

func init() {
	register("Softmax", Generic, "softmax_generic_3pass")
	register("LogSoftmax", Generic, "logsoftmax_generic_3pass")
	register("LogSumExp", Generic, "logsumexp_generic")
}

func expShiftSum(dst, src []float32, m float32) float32 { return expShiftSumGeneric(dst, src, m) }
func sumExpShift(x []float32, m float32) float32        { return sumExpShiftGeneric(x, m) }
func shiftSub(dst, src []float32, m, ls float32)        { shiftSubGeneric(dst, src, m, ls) }
