//go:build (amd64 || arm64) && !purego && !noasm

package peers

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simdcore/simdcore/kernel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"
)

var vectorBest = flag.Bool("vectorbest", false, "print TestVectorBestOf's table")

// bestOf returns the fastest of reps timings of inner calls of fn, per
// call, in ns. On a machine shared with other jobs the fastest repeat is
// the one least disturbed, so it estimates the quiet-machine time far
// better than a mean or median.
func bestOf(reps, inner int, fn func()) float64 {
	for range inner { // warm up: page in, fill the caches and the TLB
		fn()
	}
	best := 1e18
	for range reps {
		t0 := time.Now()
		for range inner {
			fn()
		}
		best = min(best, float64(time.Since(t0).Nanoseconds())/float64(inner))
	}
	return best
}

// clockGHz is clockHz in GHz.
func clockGHz() float64 { return clockHz() / 1e9 }

// TestVectorBestOf prints, with -vectorbest, Dot and Axpy against the
// peers as best-of-N timings (the implementations measured round-robin)
// converted to cycles with a clock probe taken around each measurement:
//
//	cd bench/peers && go test -run VectorBestOf -vectorbest -v
func TestVectorBestOf(t *testing.T) {
	if !*vectorBest {
		t.Skip("run with -vectorbest")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var out strings.Builder
	fmt.Fprintf(&out, "| kernel | n | impl | ns | FLOP/cycle | elem/cycle | GHz |\n|---|---|---|---|---|---|---|\n")
	for _, kern := range []string{"Dot", "Axpy"} {
		for _, n := range vectorSizes {
			x, y, tmp := vecData(n, 1), vecData(n, 2), make([]float32, n)
			gx := blas32.Vector{N: n, Inc: 1, Data: x}
			gy := blas32.Vector{N: n, Inc: 1, Data: y}
			type impl struct {
				name string
				fn   func()
			}
			var impls []impl
			if kern == "Dot" {
				impls = []impl{
					{"pure", func() {
						var s float32
						for i := range x {
							s += x[i] * y[i]
						}
						sinkF32 += s
					}},
					{"gonum", func() { sinkF32 += blas32.Dot(gx, gy) }},
					{"vek", func() { sinkF32 += vek32.Dot(x, y) }},
					{"simdcore", func() { sinkF32 += kernel.Dot(x, y) }},
				}
			} else {
				const alpha = 1e-6
				impls = []impl{
					{"pure", func() {
						for i := range x {
							y[i] += alpha * x[i]
						}
					}},
					{"gonum", func() { blas32.Axpy(alpha, gx, gy) }},
					{"vek", func() { vek32.MulNumber_Into(tmp, x, alpha); vek32.Add_Inplace(y, tmp) }},
					{"simdcore", func() { kernel.Axpy(alpha, x, y) }},
				}
			}
			inner, reps := max(1, 400000/n), 40
			if n >= 1<<20 {
				inner, reps = 2, 20
			}
			// Every implementation at every level, measured round-robin
			// so that none is favoured by when it ran (after a slow
			// scalar run, the next vector code measured slower here).
			type run struct {
				name  string
				level kernel.Level
				fn    func()
				best  float64 // fastest time per call, ns
				ghz   float64 // clock probe around that fastest time
			}
			var runs []*run
			for _, im := range impls {
				if im.name != "simdcore" {
					runs = append(runs, &run{name: im.name, level: kernel.Active(), fn: im.fn, best: 1e18})
					continue
				}
				for _, l := range kernel.Available() {
					runs = append(runs, &run{name: "simdcore-" + l.String(), level: l, fn: im.fn, best: 1e18})
				}
			}
			for range reps {
				for _, r := range runs {
					restore, err := kernel.SetLevel(r.level)
					if err != nil {
						t.Fatal(err)
					}
					g0 := clockGHz()
					ns := bestOf(1, inner, r.fn)
					g := max(g0, clockGHz())
					restore()
					if ns*g < r.best*r.ghz || r.best == 1e18 {
						r.best, r.ghz = ns, g
					}
				}
			}
			for _, r := range runs {
				cyc := r.best * r.ghz
				fmt.Fprintf(&out, "| %s | %d | %s | %.4g | %.3g | %.3g | %.2f |\n", kern, n, r.name, r.best, 2*float64(n)/cyc, float64(n)/cyc, r.ghz)
			}
		}
	}
	t.Log("\n" + out.String())
}
