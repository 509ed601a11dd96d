package peers

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

var vectorBest = flag.Bool("vectorbest", false, "print TestVectorBestOf's table")

// bestOfTable starts a test that prints a best-of table: it skips t
// unless enabled (the test's flag, named flag, was given) and the build
// has a clock probe, and locks the goroutine to its thread for the rest
// of t.
func bestOfTable(t *testing.T, enabled bool, flag string) {
	if !enabled {
		t.Skip("run with -" + flag)
	}
	if !cpuclock.HasProbe {
		t.Skip("no clock probe in this build")
	}
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

// TestVectorBestOf prints, with -vectorbest, Dot and Axpy against the
// peers as best-of-N timings (the implementations measured round-robin)
// converted to cycles with a clock probe taken around each measurement:
//
//	cd bench/peers && go test -run VectorBestOf -vectorbest -v
func TestVectorBestOf(t *testing.T) {
	bestOfTable(t, *vectorBest, "vectorbest")
	var out strings.Builder
	fmt.Fprintf(&out, "| kernel | n | impl | ns | FLOP/cycle | elem/cycle | GHz |\n|---|---|---|---|---|---|---|\n")
	for _, kern := range []string{"Dot", "Axpy"} {
		for _, n := range vectorSizes {
			spec, _ := kernel.SpecOf(kern)
			op := benchutil.NewOp(spec, n)
			impls := append(peerSets[kern].peers(&op), impl{"simdcore", op.Call})
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
					g0 := cpuclock.GHz()
					ns := benchutil.BestOf(1, inner, r.fn)
					g := max(g0, cpuclock.GHz())
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
