//go:build linux

package simdcore_test

import (
	"syscall"
	"time"
	"unsafe"
)

// gemmCPUClock reads a CPU-time clock: 3 is CLOCK_THREAD_CPUTIME_ID (time the
// calling OS thread spent on a CPU), 2 CLOCK_PROCESS_CPUTIME_ID (all of
// the process's threads). On this shared machine wall time includes the
// time other programs held the cores; CPU time does not, so per-cycle
// figures use it.
func gemmCPUClock(id int) time.Duration {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

func gemmThreadCPU() time.Duration  { return gemmCPUClock(3) }
func gemmProcessCPU() time.Duration { return gemmCPUClock(2) }
