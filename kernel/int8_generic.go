package kernel

// dotInt8Generic returns Σ x[i]·max(w[i], −127) for i < len(x) in int32
// (exact for at most MaxQCols elements, see Int8 kernels in the package
// documentation). len(w) ≥ len(x).
func dotInt8Generic(x, w []int8) int32 {
	w = w[:len(x)]
	var s int32
	for i, v := range x {
		s += int32(v) * int32(max(w[i], -127))
	}
	return s
}

// gemvInt8Generic sets acc[r] = Σ_j x[j]·w[r*stride+j] for r < len(acc),
// j < len(x).
func gemvInt8Generic(acc []int32, w []int8, stride int, x []int8) {
	for r := range acc {
		acc[r] = dotInt8Generic(x, w[r*stride:])
	}
}
