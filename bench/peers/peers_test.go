package peers

import (
	"testing"

	"github.com/chewxy/math32"
	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"
)

// The imports above pin the peers in go.mod; each family of benchmarks
// lives in its own file.
var (
	_ = blas32.Dot
	_ = vek32.Dot
	_ = math32.Exp
	_ = kernel.Dot
)

// withLevel runs fn as a sub-benchmark at kernel level l, if this CPU has it.
func withLevel(b *testing.B, l kernel.Level, fn func(b *testing.B)) {
	restore, err := kernel.SetLevel(l)
	if err != nil {
		return
	}
	defer restore()
	b.Run("impl=simdcore-"+l.String(), fn)
}
