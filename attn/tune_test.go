package attn

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkPaths measures SelfAttention's direct path against the tiled
// path at several tile sizes, to choose directMaxKeys, tileQ and tileK:
//
//	go test -run '^$' -bench Paths -count 6 ./attn/ | tee paths.txt
func BenchmarkPaths(b *testing.B) {
	old := kernel.Threads()
	kernel.SetThreads(1)
	defer kernel.SetThreads(old)
	r := kerneltest.Rand(1)
	d := 64
	for _, T := range []int{64, 128, 256, 512, 1024} {
		q := randMatrix(r, T, d, 0, -1, 1)
		k := randMatrix(r, T, d, 0, -1, 1)
		v := randMatrix(r, T, d, 0, -1, 1)
		dst := kernel.NewMatrix(T, d)
		for _, causal := range []bool{false, true} {
			opt := Options{Causal: causal}
			b.Run(fmt.Sprintf("T=%d/causal=%v/path=direct", T, causal), func(b *testing.B) {
				for b.Loop() {
					selfDirect(dst, q, k, v, &opt)
				}
			})
			for _, tile := range [][2]int{{32, 128}, {64, 128}, {64, 256}, {128, 128}, {128, 256}, {64, 512}} {
				if tile[1] > T && tile[1] > 128 {
					continue
				}
				b.Run(fmt.Sprintf("T=%d/causal=%v/path=tiled%dx%d", T, causal, tile[0], tile[1]), func(b *testing.B) {
					for b.Loop() {
						selfTiled(dst, q, k, v, &opt, tile[0], tile[1])
					}
				})
			}
		}
	}
}
