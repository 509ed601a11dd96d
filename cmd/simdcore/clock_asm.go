//go:build (amd64 || arm64) && !purego && !noasm

package main

import (
	"time"

	"github.com/simdcore/simdcore/asm"
)

// clockGHz measures the core clock now: a chain of dependent adds runs at
// one per cycle, so cycles/ns of it is the clock. The best of a few runs
// is taken, since a run can only be slowed down, never sped up.
func clockGHz() float64 {
	const iters = 2_000_000 // 16M cycles, ~5 ms
	best := 0.0
	for range 5 {
		t := time.Now()
		asm.SpinAdds(iters)
		if ghz := float64(iters*8) / float64(time.Since(t).Nanoseconds()); ghz > best {
			best = ghz
		}
	}
	return best
}
