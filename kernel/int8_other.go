//go:build !(amd64 || arm64) || purego || noasm

package kernel

// The int8 kernels in builds without assembly: the generic path only.

func dotInt8(p Int8Path, x, w []int8) int32 { return dotInt8Generic(x, w) }

func gemvInt8(p Int8Path, acc []int32, w []int8, stride int, x []int8, wsum []int32) {
	gemvInt8Generic(acc, w, stride, x)
}

func hasQTile(p Int8Path) bool { return false }

func qTileAbs(p Int8Path) bool { return false }

func qgemmTile(p Int8Path, c []float32, ldc int, x []int8, sx []float32, w []int8, stride int, sw []float32, wsum []int32, ax []int8, fill, add bool) {
	panic("kernel: no QGemm tile in builds without assembly")
}

// hasQPacked reports whether path p has QGemm's broadcast tiles on
// packed w: none here.
func hasQPacked(p Int8Path) bool { return false }

// qPackedTile is the broadcast tiles' shape: none here.
func qPackedTile(p Int8Path) (rows int, masked bool) { return 0, false }

func qgemmPackedTile(p Int8Path, mr int, c []float32, ldc int, x, ax []int8, stride int, sx []float32, wp []int8, sw []float32, bias []int32, cols int, fill, add bool) {
	panic("kernel: no packed QGemm tile here")
}
