//go:build linux

package simdcore_test

import (
	"syscall"
	"time"
	"unsafe"
)

// cpuClock reads a CPU-time clock: 3 is CLOCK_THREAD_CPUTIME_ID (time the
// calling OS thread spent on a CPU), 2 CLOCK_PROCESS_CPUTIME_ID (all of
// the process's threads). On this shared machine wall time includes the
// time other programs held the cores; CPU time does not, so per-cycle
// figures use it.
func cpuClock(id int) time.Duration {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

func threadCPU() time.Duration { return cpuClock(3) }
