package ref

// ReLU writes max(src[i], 0) to dst (see ReLU1).
func ReLU(dst []float64, src []float32) {
	mustLen("ReLU", len(dst), len(src))
	for i, x := range src {
		dst[i] = ReLU1(x)
	}
}

// ReLU1 returns x for x ≥ 0 (−0 included) and NaN, and +0 for x < 0: the
// function of torch.relu on float32 CPU tensors (clamp_min(x, 0), which
// keeps x unless x < 0).
func ReLU1(x float32) float64 {
	if x < 0 {
		return 0
	}
	return float64(x)
}
