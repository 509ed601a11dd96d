//go:build unix

package attn

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// BenchmarkPaths measures SelfAttention's direct path against the tiled
// path at several tile sizes, to choose directMaxKeys, directRows and the tiles (seq.go):
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
				c0 := cpuSeconds()
				for b.Loop() {
					selfDirect(dst, q, k, v, &opt)
				}
				reportCPU(b, c0)
			})
			for _, tile := range [][2]int{{64, 256}, {128, 256}, {128, 512}, {256, 256}} {
				if tile[1] > T && tile[1] > 128 {
					continue
				}
				b.Run(fmt.Sprintf("T=%d/causal=%v/path=tiled%dx%d", T, causal, tile[0], tile[1]), func(b *testing.B) {
					c0 := cpuSeconds()
					for b.Loop() {
						selfTiled(dst, q, k, v, &opt, tile[0], tile[1])
					}
					reportCPU(b, c0)
				})
			}
		}
	}
}

// cpuSeconds is the process CPU time: on a machine shared with other
// jobs it measures work better than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func reportCPU(b *testing.B, c0 float64) {
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e6, "cpu-us/op")
}
