package peers

import (
	"testing"

	"github.com/chewxy/math32"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
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

// sinkF32 keeps the compiler from dropping the results of timed calls.
var sinkF32 float32

// impl is one implementation of the operation a benchmark compares: one
// call of fn does the operation once.
type impl struct {
	name string
	fn   func()
}

// compare runs each of peers as the sub-benchmark "impl=<name>", then simd
// as "impl=simdcore-<level>" at each kernel level this CPU can run, each
// timed and reported by timed.
func compare(b *testing.B, peers []impl, simd func(), timed func(b *testing.B, fn func())) {
	for _, p := range peers {
		b.Run("impl="+p.name, func(b *testing.B) { timed(b, p.fn) })
	}
	benchtest.EachLevel(b, "impl=simdcore-", func(b *testing.B) { timed(b, simd) })
}
