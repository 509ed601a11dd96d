//go:build !linux

package simdcore_test

import "time"

// Without a CPU-time clock the per-cycle metrics are left out.
func threadCPU() time.Duration { return 0 }
