//go:build (amd64 || arm64) && !purego && !noasm

package cpuclock

// HasProbe says whether Spin is a cycle-exact clock probe in this build.
const HasProbe = true

// Spin runs n iterations of a chain of 8 dependent integer adds and
// returns 8·n, the cycles it takes on a core with single-cycle ADD (every
// x86-64 core of the last decade, every Cortex-A and Neoverse core). A
// separate loop-counter chain runs alongside, so the add chain sets the
// pace. The adds add a register holding 1, computed from n: Intel's cores
// since Golden Cove fold chains of adds of a constant at register
// renaming and run several a cycle, which read a Sapphire Rapids core's
// 2.5 GHz as 6 to 10 GHz.
//
//	for i := 0; i < n; i++ { acc += one (eight times, each depending on the last) }
//
//go:noescape
func Spin(n int) int
