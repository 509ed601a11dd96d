//go:build !purego && !noasm

package asm

// SpinAdds runs n iterations of a chain of 8 dependent integer adds and
// returns the sum (n·8), so it takes 8·n core cycles on a core with
// single-cycle ADD (every Cortex-A and Neoverse core).
//
//	for i := 0; i < n; i++ { acc += 1 (eight times, each depending on the last) }
//
//go:noescape
func SpinAdds(n int) int
