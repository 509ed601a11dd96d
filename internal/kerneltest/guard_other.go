//go:build !(linux || darwin || freebsd)

package kerneltest

import "testing"

// Guarded falls back to ordinary memory where mmap is not available; the
// NaN guard bands still catch stray writes there.
func Guarded(t testing.TB, n int) (endGuarded, startGuarded []float32) {
	return make([]float32, n), make([]float32, n)
}
