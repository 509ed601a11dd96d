//go:build (amd64 || arm64) && !purego && !noasm

package peers

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Gemv peers: the same n×n matrix-vector product in plain Go, gonum
// (blas32.Gemv, SSE assembly), vek and simdcore at each level, in one
// run. Run them on one core, since vek32.MatMul splits matrices of 100000
// or more elements over runtime.NumCPU goroutines:
//
//	go test -run '^$' -bench 'Gemv' -cpu 1 -count 6 | tee gemv.txt
//	benchstat -col /impl gemv.txt
//
// vek has no matrix-vector routine as such: impl=vek is vek32.MatMul_Into
// with x as an n×1 matrix (what vek's documentation suggests), and
// impl=vek-dot is a loop of vek32.Dot over the rows.

var gemvPeerSizes = []int{64, 256, 1024, 4096}

// gemvData returns a deterministic n×n matrix, x and dst.
func gemvData(n int) (a, x, dst []float32) {
	a, x = make([]float32, n*n), make([]float32, n)
	s := uint32(12345)
	next := func() float32 {
		s = s*1664525 + 1013904223
		return float32(int32(s)) / (1 << 31)
	}
	for i := range a {
		a[i] = next()
	}
	for i := range x {
		x[i] = next()
	}
	return a, x, make([]float32, n)
}

// gemvPure is the plain Go loop a user would write.
func gemvPure(dst, a, x []float32, n int) {
	for i := 0; i < n; i++ {
		row := a[i*n : i*n+n]
		var s float32
		for j, v := range row {
			s += v * x[j]
		}
		dst[i] = s
	}
}

// gemvBench runs fn b.N times and reports GFLOP/s (2·n² flops per call)
// over wall time and over CPU time (cpu-GFLOP/s), and the matrix bytes.
func gemvBench(b *testing.B, n int, fn func()) {
	b.SetBytes(int64(4 * n * n))
	cpu0 := processCPU()
	for b.Loop() {
		fn()
	}
	flops := 2 * float64(n) * float64(n) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(flops/cpu/1e9, "cpu-GFLOP/s")
	}
}

func BenchmarkGemv(b *testing.B) {
	for _, n := range gemvPeerSizes {
		a, x, dst := gemvData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.Run("impl=pure", func(b *testing.B) {
				gemvBench(b, n, func() {
					gemvPure(dst, a, x, n)
				})
			})
			b.Run("impl=gonum", func(b *testing.B) {
				ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
				gx := blas32.Vector{N: n, Inc: 1, Data: x}
				gy := blas32.Vector{N: n, Inc: 1, Data: dst}
				gemvBench(b, n, func() {
					blas32.Gemv(blas.NoTrans, 1, ga, gx, 0, gy)
				})
			})
			b.Run("impl=vek", func(b *testing.B) {
				gemvBench(b, n, func() {
					vek32.MatMul_Into(dst, a, x, n)
				})
			})
			b.Run("impl=vek-dot", func(b *testing.B) {
				gemvBench(b, n, func() {
					for i := range dst {
						dst[i] = vek32.Dot(a[i*n:i*n+n], x)
					}
				})
			})
			m := kernel.MatrixFrom(n, n, a)
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					gemvBench(b, n, func() {
						kernel.Gemv(dst, m, x)
					})
				})
			}
		})
	}
}

// BenchmarkGemvT compares dst = aᵀ·x with gonum's transposed Gemv (vek
// has no transposed product).
func BenchmarkGemvT(b *testing.B) {
	for _, n := range []int{256, 1024} {
		a, x, dst := gemvData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.Run("impl=pure", func(b *testing.B) {
				gemvBench(b, n, func() {
					clear(dst)
					for i := 0; i < n; i++ {
						xi := x[i]
						for j, v := range a[i*n : i*n+n] {
							dst[j] += v * xi
						}
					}
				})
			})
			b.Run("impl=gonum", func(b *testing.B) {
				ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
				gx := blas32.Vector{N: n, Inc: 1, Data: x}
				gy := blas32.Vector{N: n, Inc: 1, Data: dst}
				gemvBench(b, n, func() {
					blas32.Gemv(blas.Trans, 1, ga, gx, 0, gy)
				})
			})
			m := kernel.MatrixFrom(n, n, a)
			for _, l := range kernel.Available() {
				withLevel(b, l, func(b *testing.B) {
					gemvBench(b, n, func() {
						kernel.GemvT(dst, m, x)
					})
				})
			}
		})
	}
}

var gemvBest = flag.Bool("gemvbest", false, "print TestGemvBestOf's table")

// TestGemvBestOf prints, with -gemvbest, Gemv (and GemvT, GemvAdd) against
// the peers as best-of-N timings, the implementations interleaved round
// by round, converted to cycles with a clock probe taken around each
// size. The row impl=stream is kernel.Sum over the matrix's n² elements
// at the best level: a pure read of the same bytes from the same level of
// the memory hierarchy, the practical bandwidth bound that a Gemv (which
// must read every matrix element once) can at best reach:
//
//	cd bench/peers && go test -run GemvBestOf -gemvbest -v
func TestGemvBestOf(t *testing.T) {
	if !*gemvBest {
		t.Skip("run with -gemvbest")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var out strings.Builder
	fmt.Fprintf(&out, "| kernel | n | impl | ns | GFLOP/s | FLOP/cycle | matrix B/cycle | vs vek | of stream | GHz |\n|---|---|---|---|---|---|---|---|---|---|\n")
	type impl struct {
		name  string
		level kernel.Level
		fn    func()
	}
	top := kernel.Active()
	for _, kern := range []string{"Gemv", "GemvT", "GemvAdd"} {
		sizes := gemvPeerSizes
		if kern != "Gemv" {
			sizes = []int{256, 1024}
		}
		for _, n := range sizes {
			a, x, dst := gemvData(n)
			m := kernel.MatrixFrom(n, n, a)
			ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
			gx := blas32.Vector{N: n, Inc: 1, Data: x}
			gy := blas32.Vector{N: n, Inc: 1, Data: dst}
			impls := []impl{{"stream", top, func() { sinkF32 += kernel.Sum(a) }}}
			switch kern {
			case "Gemv":
				impls = append(impls,
					impl{"pure", top, func() { gemvPure(dst, a, x, n) }},
					impl{"gonum", top, func() { blas32.Gemv(blas.NoTrans, 1, ga, gx, 0, gy) }},
					impl{"vek", top, func() { vek32.MatMul_Into(dst, a, x, n) }},
					impl{"vek-dot", top, func() {
						for i := range dst {
							dst[i] = vek32.Dot(a[i*n:i*n+n], x)
						}
					}})
			case "GemvT":
				impls = append(impls, impl{"gonum", top, func() { blas32.Gemv(blas.Trans, 1, ga, gx, 0, gy) }})
			case "GemvAdd":
				impls = append(impls, impl{"gonum", top, func() { blas32.Gemv(blas.NoTrans, 1, ga, gx, 1, gy) }})
			}
			for _, l := range kernel.Available() {
				var fn func()
				switch kern {
				case "Gemv":
					fn = func() { kernel.Gemv(dst, m, x) }
				case "GemvT":
					fn = func() { kernel.GemvT(dst, m, x) }
				case "GemvAdd":
					fn = func() { kernel.GemvAdd(dst, m, x) }
				}
				impls = append(impls, impl{"simdcore-" + l.String(), l, fn})
			}
			// Repeats of about 16 µs (64², 256²) up to one call (1024²,
			// 4096²), so that some run undisturbed; the best of eight
			// interleaved rounds, since the machine is shared and the
			// disturbance comes and goes.
			inner := max(1, (1<<19)/(n*n))
			reps := max(15, 200000/max(1, n*n/64))
			reps = min(reps, 400)
			best := make([]float64, len(impls))
			for i := range best {
				best[i] = 1e18
			}
			g := clockGHz()
			for range 8 {
				for i, im := range impls {
					restore, err := kernel.SetLevel(im.level)
					if err != nil {
						t.Fatal(err)
					}
					best[i] = min(best[i], bestOf(reps, inner, im.fn))
					restore()
				}
				g = max(g, clockGHz())
			}
			var vek, stream float64
			for i, im := range impls {
				switch im.name {
				case "vek":
					vek = best[i]
				case "stream":
					stream = best[i]
				}
			}
			for i, im := range impls {
				ns := best[i]
				flops := 2 * float64(n) * float64(n)
				vs := "—"
				if vek > 0 && im.name != "stream" {
					vs = fmt.Sprintf("%.2f×", vek/ns)
				}
				fmt.Fprintf(&out, "| %s | %d | %s | %.4g | %.3g | %.3g | %.3g | %s | %.0f%% | %.2f |\n",
					kern, n, im.name, ns, flops/ns, flops/(ns*g), 4*float64(n)*float64(n)/(ns*g), vs, 100*stream/ns, g)
			}
		}
	}
	t.Log("\n" + out.String())
}
