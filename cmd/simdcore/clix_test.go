package main

import (
	"testing"
)

// TestBenchSizeLimitsByClass: the int8 matrix kernels have the float
// ones' size limits (bench -kernel qgemv -sizes 60000 allocated a
// 60000×60000 matrix and died out of memory with a runtime trace).
func TestBenchSizeLimitsByClass(t *testing.T) {
	for _, c := range []struct{ kernel, size string }{
		{"qgemv", "16385"}, {"qgemvadd", "60000"}, {"gemvt", "16385"},
		{"qgemm", "4097"}, {"qgemmadd", "20000"}, {"gemm", "4097"},
	} {
		requireUsageError(t, "too large", "bench", "-kernel", c.kernel, "-sizes", c.size, "-time", "1ms")
	}
}
