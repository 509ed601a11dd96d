package peers

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
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

// blasGemv returns the operands of a Gemv-family op as gonum's: the
// matrix, x and dst.
func blasGemv(op *benchutil.Op) (blas32.General, blas32.Vector, blas32.Vector) {
	n := op.N
	return blas32.General{Rows: n, Cols: n, Stride: n, Data: op.A.Data},
		blas32.Vector{N: n, Inc: 1, Data: op.X},
		blas32.Vector{N: n, Inc: 1, Data: op.Dst}
}

// gemvPeers returns Gemv's peers for dst = a·x, a n×n (op.A, op.X,
// op.Dst).
func gemvPeers(op *benchutil.Op) []impl {
	n, a, x, dst := op.N, op.A.Data, op.X, op.Dst
	ga, gx, gy := blasGemv(op)
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

// gemvTPeers returns GemvT's peers for dst = aᵀ·x: a loop and gonum's
// transposed Gemv (vek has no transposed product).
func gemvTPeers(op *benchutil.Op) []impl {
	n, a, x, dst := op.N, op.A.Data, op.X, op.Dst
	ga, gx, gy := blasGemv(op)
	return []impl{
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
	}
}

func BenchmarkGemv(b *testing.B)  { benchPeers(b, "Gemv") }
func BenchmarkGemvT(b *testing.B) { benchPeers(b, "GemvT") }

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
		spec, _ := kernel.SpecOf(kern)
		sizes := spec.Sizes
		if kern != "Gemv" {
			sizes = []int{256, 1024}
		}
		for _, n := range sizes {
			op := benchutil.NewOp(spec, n)
			peers := []impl{{"stream", func() { sinkF32 += kernel.Sum(op.A.Data) }}}
			if set, ok := peerSets[kern]; ok {
				peers = append(peers, set.peers(&op)...)
			} else { // GemvAdd: dst += a·x
				ga, gx, gy := blasGemv(&op)
				peers = append(peers, impl{"gonum", func() { blas32.Gemv(blas.NoTrans, 1, ga, gx, 1, gy) }})
			}
			var impls []levelImpl
			for _, p := range peers {
				impls = append(impls, levelImpl{p, top})
			}
			for _, l := range kernel.Available() {
				impls = append(impls, levelImpl{impl{"simdcore-" + l.String(), op.Call}, l})
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
