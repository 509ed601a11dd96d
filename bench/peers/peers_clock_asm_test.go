//go:build (amd64 || arm64) && !purego && !noasm

package peers

import (
	"time"

	"github.com/simdcore/simdcore/internal/cpuclock"
)

// clockHz measures the core clock with cpuclock.Spin (8·n dependent
// single-cycle adds): the best of a few runs, since interruptions only
// make a run slower.
func clockHz() float64 {
	best := time.Duration(1 << 62)
	const n = 1 << 18
	for range 5 {
		t := time.Now()
		cpuclock.Spin(n)
		best = min(best, time.Since(t))
	}
	return 8 * n / best.Seconds()
}
