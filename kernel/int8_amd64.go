//go:build !purego && !noasm

package kernel

import "github.com/simdcore/simdcore/asm"

// The int8 kernels' dispatch on amd64, hand-written (the kernel table's
// rows name it): a switch on the int8 path. The assembly takes whole
// vectors (32 bytes, 64 for AVX-512); DotInt8's last partial vector is
// summed here, exactly.

// dotInt8 returns Σ x[i]·w[i] in int32 at path p (len(x) ≤ MaxQCols).
func dotInt8(p Int8Path, x, w []int8) int32 {
	w = w[:len(x)]
	var s int32
	switch p {
	case Int8AVX512VNNI:
		m := len(x) &^ 63
		s = asm.DotInt8AVX512VNNI(x[:m], w[:m])
		x, w = x[m:], w[m:]
	case Int8AVXVNNI:
		m := len(x) &^ 31
		s = asm.DotInt8AVXVNNI(x[:m], w[:m])
		x, w = x[m:], w[m:]
	case Int8AVX2:
		m := len(x) &^ 31
		s = asm.DotInt8AVX2(x[:m], w[:m])
		x, w = x[m:], w[m:]
	}
	return s + dotInt8Generic(x, w)
}

// gemvInt8 sets acc[r] = Σ_j x[j]·w[r*stride+j] at path p; len(x) is a
// multiple of qAlign, wsum holds the rows' sums (the VNNI paths' bias).
func gemvInt8(p Int8Path, acc []int32, w []int8, stride int, x []int8, wsum []int32) {
	switch p {
	case Int8AVX512VNNI:
		asm.GemvInt8AVX512VNNI(acc, w, stride, x, wsum)
	case Int8AVXVNNI:
		asm.GemvInt8AVXVNNI(acc, w, stride, x, wsum)
	case Int8AVX2:
		asm.GemvInt8AVX2(acc, w, stride, x)
	default:
		gemvInt8Generic(acc, w, stride, x)
	}
}

// hasQTile reports whether path p has QGemm's tile kernel (qgemmTile).
func hasQTile(p Int8Path) bool { return p != Int8Generic }

// qTileAbs reports whether path p's tile reads |x| from qgemmTile's ax.
func qTileAbs(p Int8Path) bool { return p == Int8AVX2 }

// qgemmTile runs QGemm's tile kernel at path p: c[i*ldc+k] = the
// dequantized product of row i of x and row k of w (plus c's value if
// add), for i < len(sx) (even) and k < 4. ax (len(x)) is the avx2 path's
// |x|, filled by the call with fill set, the first for this x.
func qgemmTile(p Int8Path, c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, wsum []int32, ax []int8, fill, add bool) {
	switch p {
	case Int8AVX512VNNI:
		asm.QGemmInt8AVX512VNNI(c, ldc, x, sx, w, stride, sw, wsum, add)
	case Int8AVXVNNI:
		asm.QGemmInt8AVXVNNI(c, ldc, x, sx, w, stride, sw, wsum, add)
	case Int8AVX2:
		asm.QGemmInt8AVX2(c, ldc, x, sx, w, stride, sw, ax[:len(x)], fill, add)
	default:
		panic("kernel: no QGemm tile at int8 path " + p.String())
	}
}

// hasQPacked reports whether path p has QGemm's broadcast tiles on
// packed w (qgemmPacked).
func hasQPacked(p Int8Path) bool { return p == Int8AVX512VNNI || p == Int8AVX2 }

// qPackedTile returns the most rows of x path p's broadcast tiles take
// (halving down to 1 for the last rows) and whether they store under a
// mask; else they store all 32 columns of a block (a partial block goes
// through a buffer), loop over the rows given, and read |x| from a
// buffer.
func qPackedTile(p Int8Path) (rows int, masked bool) {
	if p == Int8AVX512VNNI {
		return 8, true
	}
	return 2, false
}

// qgemmPackedTile runs path p's broadcast tile of mr rows of x (8, 4, 2
// or 1) on one block of packed w; at AVX2, the tile in a loop over the
// rows of x given (len(sx), a multiple of mr), reading |x| from ax (laid
// out as x), which it first fills if fill is set.
func qgemmPackedTile(p Int8Path, mr int, c []float32, ldc int, x, ax []int8, stride int, sx []float32, wp []int8, sw []float32, bias []int32, cols int, fill, add bool) {
	if p == Int8AVX2 {
		if mr == 2 {
			asm.QGemmPacked2x32AVX2(c, ldc, x, ax[:len(x)], stride, sx, wp, sw, fill, add)
		} else {
			asm.QGemmPacked1x32AVX2(c, ldc, x, ax[:len(x)], stride, sx, wp, sw, fill, add)
		}
		return
	}
	switch mr {
	case 8:
		asm.QGemmPacked8x32AVX512VNNI(c, ldc, x, stride, sx, wp, sw, bias, cols, add)
	case 4:
		asm.QGemmPacked4x32AVX512VNNI(c, ldc, x, stride, sx, wp, sw, bias, cols, add)
	case 2:
		asm.QGemmPacked2x32AVX512VNNI(c, ldc, x, stride, sx, wp, sw, bias, cols, add)
	default:
		asm.QGemmPacked1x32AVX512VNNI(c, ldc, x, stride, sx, wp, sw, bias, cols, add)
	}
}
