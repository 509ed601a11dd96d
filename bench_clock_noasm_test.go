//go:build !(amd64 || arm64) || purego || noasm

package simdcore_test

// Without the assembly there is no cycle-exact probe: clockHz reports 0
// and the per-cycle metrics are left out.
const haveClockProbe = false

func spinAdds(n int) int { return 0 }
