package peers

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/benchutil/benchtest"
	"github.com/simdcore/simdcore/internal/cpuclock"
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
	return benchutil.Filled(n*n, 1), benchutil.Filled(n, 2), make([]float32, n)
}

// gemvPeers returns Gemv's peers for dst = a·x, a n×n.
func gemvPeers(n int, a, x, dst []float32) []impl {
	ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
	gx := blas32.Vector{N: n, Inc: 1, Data: x}
	gy := blas32.Vector{N: n, Inc: 1, Data: dst}
	return []impl{
		{"pure", func() {
			for i := range n {
				var s float32
				for j, v := range a[i*n : i*n+n] {
					s += v * x[j]
				}
				dst[i] = s
			}
		}},
		{"gonum", func() { blas32.Gemv(blas.NoTrans, 1, ga, gx, 0, gy) }},
		{"vek", func() { vek32.MatMul_Into(dst, a, x, n) }},
		{"vek-dot", func() {
			for i := range dst {
				dst[i] = vek32.Dot(a[i*n:i*n+n], x)
			}
		}},
	}
}

// gemvTimed returns the timing of an n×n product for compare: GFLOP/s
// (2·n² flops per call) over wall time and over CPU time (cpu-GFLOP/s),
// and the matrix bytes.
func gemvTimed(n int) func(b *testing.B, fn func()) {
	return func(b *testing.B, fn func()) {
		b.SetBytes(int64(4 * n * n))
		cpu := benchtest.StartCPU()
		for b.Loop() {
			fn()
		}
		benchtest.ReportFlops(b, 2*float64(n)*float64(n))
		cpu.ReportFlops(b, 2*float64(n)*float64(n))
	}
}

func BenchmarkGemv(b *testing.B) {
	for _, n := range gemvPeerSizes {
		a, x, dst := gemvData(n)
		m := kernel.MatrixFrom(n, n, a)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			compare(b, gemvPeers(n, a, x, dst), func() { kernel.Gemv(dst, m, x) }, gemvTimed(n))
		})
	}
}

// BenchmarkGemvT compares dst = aᵀ·x with gonum's transposed Gemv (vek
// has no transposed product).
func BenchmarkGemvT(b *testing.B) {
	for _, n := range []int{256, 1024} {
		a, x, dst := gemvData(n)
		m := kernel.MatrixFrom(n, n, a)
		ga := blas32.General{Rows: n, Cols: n, Stride: n, Data: a}
		gx := blas32.Vector{N: n, Inc: 1, Data: x}
		gy := blas32.Vector{N: n, Inc: 1, Data: dst}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			compare(b, []impl{
				{"pure", func() {
					clear(dst)
					for i := range n {
						xi := x[i]
						for j, v := range a[i*n : i*n+n] {
							dst[j] += v * xi
						}
					}
				}},
				{"gonum", func() { blas32.Gemv(blas.Trans, 1, ga, gx, 0, gy) }},
			}, func() { kernel.GemvT(dst, m, x) }, gemvTimed(n))
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
	bestOfTable(t, *gemvBest, "gemvbest")
	var out strings.Builder
	fmt.Fprintf(&out, "| kernel | n | impl | ns | GFLOP/s | FLOP/cycle | matrix B/cycle | vs vek | of stream | GHz |\n|---|---|---|---|---|---|---|---|---|---|\n")
	type levelImpl struct {
		impl
		level kernel.Level
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
			peers := []impl{{"stream", func() { sinkF32 += kernel.Sum(a) }}}
			switch kern {
			case "Gemv":
				peers = append(peers, gemvPeers(n, a, x, dst)...)
			case "GemvT":
				peers = append(peers, impl{"gonum", func() { blas32.Gemv(blas.Trans, 1, ga, gx, 0, gy) }})
			case "GemvAdd":
				peers = append(peers, impl{"gonum", func() { blas32.Gemv(blas.NoTrans, 1, ga, gx, 1, gy) }})
			}
			var impls []levelImpl
			for _, p := range peers {
				impls = append(impls, levelImpl{p, top})
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
				impls = append(impls, levelImpl{impl{"simdcore-" + l.String(), fn}, l})
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
			g := cpuclock.GHz()
			for range 8 {
				for i, im := range impls {
					restore, err := kernel.SetLevel(im.level)
					if err != nil {
						t.Fatal(err)
					}
					best[i] = min(best[i], benchutil.BestOf(reps, inner, im.fn))
					restore()
				}
				g = max(g, cpuclock.GHz())
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
