//go:build !unix

package cpuclock

import "time"

// ProcessCPU returns 0: this system has no process CPU clock here.
func ProcessCPU() time.Duration { return 0 }
