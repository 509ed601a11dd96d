//go:build unix

package weights

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with this ID exists (kill(pid, 0)
// fails with ESRCH only when none does).
func processAlive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
