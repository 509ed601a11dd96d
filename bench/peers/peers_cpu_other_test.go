//go:build !unix

package peers

// processCPU is unavailable here; the cpu-* metrics are then left out.
func processCPU() float64 { return 0 }
