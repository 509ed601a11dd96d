//go:build unix

package cpuclock

import (
	"syscall"
	"time"
)

// ProcessCPU returns the CPU time (user + system) all of this process's
// threads have used (0 if it cannot be read).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
