//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// The int8 kernels' dispatch on arm64, hand-written (the kernel table's
// rows name it): a switch on the int8 path. The assembly takes whole
// vectors of 16 bytes; DotInt8's last partial vector is summed here,
// exactly.

// dotInt8 returns Σ x[i]·w[i] in int32 at path p (len(x) ≤ MaxQCols).
func dotInt8(p Int8Path, x, w []int8) int32 {
	w = w[:len(x)]
	var s int32
	switch p {
	case Int8NEONDot:
		m := len(x) &^ 15
		s = asm.DotInt8NEONDot(x[:m], w[:m])
		x, w = x[m:], w[m:]
	case Int8NEON:
		m := len(x) &^ 15
		s = asm.DotInt8NEON(x[:m], w[:m])
		x, w = x[m:], w[m:]
	}
	return s + dotInt8Generic(x, w)
}

// gemvInt8 sets acc[r] = Σ_j x[j]·w[r*stride+j] at path p; len(x) is a
// multiple of qAlign; wsum (the row sums) is not needed on arm64.
func gemvInt8(p Int8Path, acc []int32, w []int8, stride int, x []int8, wsum []int32) {
	switch p {
	case Int8NEONDot:
		asm.GemvInt8NEONDot(acc, w, stride, x)
	case Int8NEON:
		asm.GemvInt8NEON(acc, w, stride, x)
	default:
		gemvInt8Generic(acc, w, stride, x)
	}
}

// hasQTile reports whether path p has QGemm's tile kernel (qgemmTile).
func hasQTile(p Int8Path) bool { return p != Int8Generic }

// qTileAbs reports whether path p's tile reads |x| from qgemmTile's ax.
func qTileAbs(p Int8Path) bool { return false }

// qgemmTile runs QGemm's tile kernel at path p: c[i*ldc+k] = the
// dequantized product of row i of x and row k of w (plus c's value if
// add), for i < len(sx) (even) and k < 4; wsum and ax are not needed on
// arm64.
func qgemmTile(p Int8Path, c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, wsum []int32, ax []int8, fill, add bool) {
	switch p {
	case Int8NEONDot:
		asm.QGemmInt8NEONDot(c, ldc, x, sx, w, stride, sw, add)
	case Int8NEON:
		asm.QGemmInt8NEON(c, ldc, x, sx, w, stride, sw, add)
	default:
		panic("kernel: no QGemm tile at int8 path " + p.String())
	}
}

// hasQPacked reports whether path p has QGemm's broadcast tiles on
// packed w: none here.
func hasQPacked(p Int8Path) bool { return false }

// qPackedTile is the broadcast tiles' shape: none here.
func qPackedTile(p Int8Path) (rows int, masked bool) { return 0, false }

func qgemmPackedTile(p Int8Path, mr int, c []float32, ldc int, x, ax []int8, stride int, sx []float32, wp []int8, sw []float32, bias []int32, cols int, fill, add bool) {
	panic("kernel: no packed QGemm tile here")
}
