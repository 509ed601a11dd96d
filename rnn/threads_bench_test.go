package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkRNNSplit finds where splitting pays (splitFlops): the same
// work on one goroutine and split in two, over work per goroutine from
// 2¹⁶ to 2²⁴ flops: ForwardBatch splitting a batch of 8 sequences (an
// Elman net, T=16). Compare threads=1 with threads=2 at each size:
//
//	go test -run '^$' -bench RNNSplit -count 6 ./rnn/
func BenchmarkRNNSplit(b *testing.B) {
	defer func() { kernel.SetThreads(0); splitFlopsOverride = 0 }()
	r := rand.New(rand.NewPCG(1, 1))
	for _, h := range []int{16, 32, 64, 128, 256, 512, 1024} {
		n, err := New(Config{Input: h, Hidden: h}, 1)
		if err != nil {
			b.Fatal(err)
		}
		xs := randSeqs(r, 8, 16, h)
		perThread := float64(16*8) * n.stepFlops() / 2
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("ForwardBatch/flops=2^%.1f/threads=%d", math.Log2(perThread), threads), func(b *testing.B) {
				setSplit(threads)
				for b.Loop() {
					if _, err := n.ForwardBatch(xs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
