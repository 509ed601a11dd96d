//go:build !(amd64 || arm64) || purego || noasm

package cpuclock

// HasProbe says whether Spin is a cycle-exact clock probe in this build:
// without the assembly it is not.
const HasProbe = false

// Spin returns 0 at once: this build has no clock probe, so no cycles
// are spent or counted.
func Spin(n int) int { return 0 }
