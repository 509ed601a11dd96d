//go:build (amd64 || arm64) && !purego && !noasm

package simdcore_test

import "github.com/simdcore/simdcore/internal/cpuclock"

// haveClockProbe says whether spinAdds takes 8·n core cycles.
const haveClockProbe = true

func spinAdds(n int) int { return cpuclock.Spin(n) }
