//go:build (amd64 || arm64) && !purego && !noasm

package simdcore_test

import "github.com/simdcore/simdcore/asm"

// gemmHaveClockProbe says whether gemmSpinAdds takes 8·n core cycles.
const gemmHaveClockProbe = true

func gemmSpinAdds(n int) int { return asm.SpinAdds(n) }
