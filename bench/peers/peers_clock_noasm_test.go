//go:build !(amd64 || arm64) || purego || noasm

package peers

// clockHz is 0 without the assembly clock probe; per-cycle metrics are
// then left out.
func clockHz() float64 { return 0 }
