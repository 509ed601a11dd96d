package kernel

import (
	"fmt"
	"unsafe"
)

// Gemm's argument checks: shapes, and overlaps between matrix views.

// panicGemmShape reports mismatched Gemm operands:
// "kernel.Gemm: op(a) is 2×3 (a 2×3 NoTrans), op(b) is 4×5 (b 5×4 Trans), c is 2×5: want op(a) m×k, op(b) k×n, c m×n".
//
//go:noinline
func panicGemmShape(tA, tB Transpose, a, b, c Matrix) {
	am, ak := a.Rows, a.Cols
	if tA {
		am, ak = ak, am
	}
	bk, bn := b.Rows, b.Cols
	if tB {
		bk, bn = bn, bk
	}
	panic(fmt.Sprintf("kernel.Gemm: op(a) is %d×%d (a %d×%d %v), op(b) is %d×%d (b %d×%d %v), c is %d×%d: want op(a) m×k, op(b) k×n, c m×n",
		am, ak, a.Rows, a.Cols, tA, bk, bn, b.Rows, b.Cols, tB, c.Rows, c.Cols))
}

// matricesOverlap reports whether two valid matrix views share an
// element. Views that interleave (say, the left and right halves of one
// matrix) do not overlap, though their spans do.
func matricesOverlap(x, y Matrix) bool {
	xs, ys := x.span(), y.span()
	if !overlaps(xs, ys) {
		return false
	}
	// The spans intersect. Row r of y covers the addresses
	// [y0 + r·ys, y0 + r·ys + y.Cols) (in elements), increasing in r, so
	// for each row of x only the last row of y that starts before the end
	// of x's row can reach into it.
	x0 := int(uintptr(unsafe.Pointer(unsafe.SliceData(xs))) / 4)
	y0 := int(uintptr(unsafe.Pointer(unsafe.SliceData(ys))) / 4)
	if uintptr(unsafe.Pointer(unsafe.SliceData(xs)))%4 != uintptr(unsafe.Pointer(unsafe.SliceData(ys)))%4 {
		return true // misaligned views of the same memory: be conservative
	}
	for i := 0; i < x.Rows; i++ {
		lo := x0 + i*x.Stride // x's row i is [lo, lo+x.Cols)
		hi := lo + x.Cols
		if hi <= y0 {
			continue
		}
		r := (hi - 1 - y0) / y.Stride
		if y.Rows == 1 {
			r = 0
		}
		r = min(r, y.Rows-1)
		if y0+r*y.Stride+y.Cols > lo {
			return true
		}
	}
	return false
}
