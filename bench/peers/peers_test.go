package peers

import (
	"fmt"
	"testing"

	"github.com/chewxy/math32"
	"github.com/simdcore/simdcore/internal/benchutil"
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

// peerSet is a kernel's peers: the implementations of its operation,
// over the operands of its benchutil.Op, and the sizes they are compared
// at (nil: the sizes of the kernel's table row).
type peerSet struct {
	sizes []int
	peers func(op *benchutil.Op) []impl
}

// peerSets maps a kernel of the kernel table, by name, to its peers.
// Gemm's are compared on non-square shapes and at two thread counts, in
// BenchmarkGemm.
var peerSets = map[string]peerSet{
	"Dot":     {nil, dotPeers},
	"Axpy":    {nil, axpyPeers},
	"Exp":     {vectorSizes, expPeers},
	"Tanh":    {vectorSizes, tanhPeers},
	"Sigmoid": {vectorSizes, sigmoidPeers},
	"Softmax": {nil, softmaxPeers},
	"Gemv":    {nil, gemvPeers},
	"GemvT":   {[]int{256, 1024}, gemvTPeers},
}

// benchPeers compares the table's kernel name with its peers at each size,
// "n=<size>/impl=<peer or simdcore-level>", each timed on the same
// operands and reported by the kernel's class (benchtest.Time).
func benchPeers(b *testing.B, name string) {
	s, ok := kernel.SpecOf(name)
	if !ok {
		b.Fatalf("no kernel %s in the table", name)
	}
	set := peerSets[name]
	sizes := set.sizes
	if sizes == nil {
		sizes = s.Sizes
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			op := benchutil.NewOp(s, n)
			compare(b, set.peers(&op), op.Call, func(b *testing.B, fn func()) { benchtest.Time(b, op, fn) })
		})
	}
}

// Every kernel with peers is a kernel of the table.
func TestPeerSetsAreTableKernels(t *testing.T) {
	for name := range peerSets {
		if _, ok := kernel.SpecOf(name); !ok {
			t.Errorf("peers of %s, which the kernel table does not have", name)
		}
	}
}
