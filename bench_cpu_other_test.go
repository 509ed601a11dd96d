//go:build !unix

package simdcore_test

// processCPU is unavailable here; the cpu-us metric then reads 0.
func processCPU() float64 { return 0 }
