//go:build !linux

package cpuclock

import "time"

// ThreadCPU returns 0: this system has no per-thread CPU clock here.
func ThreadCPU() time.Duration { return 0 }
