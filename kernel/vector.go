package kernel

// Dot returns Σ x[i]·y[i].
//
// The sum is accumulated in float32 in an order that depends on the level
// (several partial sums), so results may differ between levels in the last
// bits; the error is bounded by len(x)·ε·Σ|x[i]·y[i]|. Dot of empty
// slices is 0. It panics if len(x) != len(y).
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panicLen("Dot", "x", len(x), "y", len(y))
	}
	raceRead(x)
	raceRead(y)
	var s float32
	for len(x) > maxChunk {
		s += dot(x[:maxChunk], y[:maxChunk])
		x, y = x[maxChunk:], y[maxChunk:]
	}
	return s + dot(x, y)
}

// Sum returns Σ x[i], accumulated as Dot is. Sum of nothing is 0.
func Sum(x []float32) float32 {
	raceRead(x)
	var s float32
	for len(x) > maxChunk {
		s += sum(x[:maxChunk])
		x = x[maxChunk:]
	}
	return s + sum(x)
}

// Max returns the largest element of x, or -Inf if x is empty.
//
// NaN rule: if any element is NaN, Max returns NaN (as numpy.max does).
// +0 and -0 compare equal, and where they tie for the maximum either may
// be returned.
func Max(x []float32) float32 {
	raceRead(x)
	m := negInf
	for len(x) > maxChunk {
		c := max32(x[:maxChunk])
		if c != c {
			return c
		}
		if c > m {
			m = c
		}
		x = x[maxChunk:]
	}
	c := max32(x)
	if c != c || c > m {
		return c
	}
	return m
}

// Argmax returns the index of the first maximum element of x, or -1 if x
// is empty.
//
// NaN rule: if x holds a NaN, Argmax returns the index of the first NaN
// (as numpy.argmax does), so Max(x) and x[Argmax(x)] agree on NaN.
// +0 and -0 compare equal.
func Argmax(x []float32) int {
	raceRead(x)
	if len(x) == 0 {
		return -1
	}
	best, bestVal := -1, negInf
	for base := 0; base < len(x); base += maxChunk {
		chunk := x[base:min(base+maxChunk, len(x))]
		i := argmax(chunk)
		v := chunk[i]
		if v != v {
			return base + i
		}
		if best < 0 || v > bestVal {
			best, bestVal = base+i, v
		}
	}
	return best
}

// Axpy computes y[i] += alpha·x[i]. x and y may be the same slice.
// It panics if len(x) != len(y), or if they overlap without being equal.
//
// AVX2, AVX-512 and NEON use a fused multiply-add (one rounding);
// the generic level may round twice.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panicLen("Axpy", "x", len(x), "y", len(y))
	}
	if partialOverlap(x, y) {
		panicOverlap("Axpy", "y", "x")
	}
	raceRead(x)
	raceWrite(y)
	for len(x) > maxChunk {
		axpy(alpha, x[:maxChunk], y[:maxChunk])
		x, y = x[maxChunk:], y[maxChunk:]
	}
	axpy(alpha, x, y)
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	raceWrite(x)
	for len(x) > maxChunk {
		scale(alpha, x[:maxChunk])
		x = x[maxChunk:]
	}
	scale(alpha, x)
}

// Add computes dst[i] = a[i] + b[i]. dst may be a or b (in place).
// It panics if the lengths differ, or if dst overlaps an input without
// being equal to it.
func Add(dst, a, b []float32) {
	checkBinary("Add", dst, a, b)
	raceRead(a)
	raceRead(b)
	raceWrite(dst)
	for len(dst) > maxChunk {
		add(dst[:maxChunk], a[:maxChunk], b[:maxChunk])
		dst, a, b = dst[maxChunk:], a[maxChunk:], b[maxChunk:]
	}
	add(dst, a, b)
}

// Mul computes dst[i] = a[i] · b[i]. dst may be a or b (in place).
// It panics as Add does.
func Mul(dst, a, b []float32) {
	checkBinary("Mul", dst, a, b)
	raceRead(a)
	raceRead(b)
	raceWrite(dst)
	for len(dst) > maxChunk {
		mul(dst[:maxChunk], a[:maxChunk], b[:maxChunk])
		dst, a, b = dst[maxChunk:], a[maxChunk:], b[maxChunk:]
	}
	mul(dst, a, b)
}

func checkBinary(fn string, dst, a, b []float32) {
	if len(a) != len(dst) {
		panicLen(fn, "a", len(a), "dst", len(dst))
	}
	if len(b) != len(dst) {
		panicLen(fn, "b", len(b), "dst", len(dst))
	}
	if partialOverlap(dst, a) {
		panicOverlap(fn, "dst", "a")
	}
	if partialOverlap(dst, b) {
		panicOverlap(fn, "dst", "b")
	}
}
