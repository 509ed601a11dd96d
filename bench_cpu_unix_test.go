//go:build unix

package simdcore_test

import "syscall"

// processCPU returns the CPU time (user+system) this process has used,
// in seconds. On a machine shared with other jobs it is a steadier
// measure of work than wall time, which counts the time spent waiting
// for a core.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
