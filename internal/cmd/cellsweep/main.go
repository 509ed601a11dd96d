// Command cellsweep measures the error of kernel.LSTMCell and
// kernel.GRUCell at a chosen level against their float64 references
// (package ref), on random units and on every pair of special inputs:
//
//	go run ./internal/cmd/cellsweep -cell lstm -level avx2 -units 16777216
//
// For each result (LSTMCell's gates i, f, g, o, its c and h; GRUCell's r,
// z, m and h) it prints over all units the largest share of the Composed
// bound used (error/bound, which the contract keeps at or below 1), and
// over the random units whose result is well conditioned (its bound at
// most 8 ulps of the reference value: no cancellation, no pre-activation
// sum whose rounding σ amplifies) the largest error in ulps, each with
// the inputs where it occurs. An error in ulps says little elsewhere: in
// c = f·cPrev + i·g with the two terms cancelling, the float32 inputs'
// own roundings are many ulps of the small result. The
// bound is kerneltest.LSTMBound or GRUBound, the one the tests apply. It
// exits with status 1 if any result breaks the contract.
//
// Random units: each pre-activation is uniform in [−8, 8) or, one time in
// two, ±2^e with e uniform in [−20, 7) (saturation, σ's subnormal tail at
// −104 and beyond); each state uniform in [−2, 2) or ±2^e with e in
// [−20, 10). Special units: every pair of the inputs' positions over
// every pair of kerneltest.CellSpecials (the kernels' special values and
// the activations' thresholds), the other positions special too.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

// stat is the worst error of one result.
type stat struct {
	name          string
	ulps          bool // measure the error in ulps too
	count, failed int
	wellCond      int // results whose error in ulps is measured
	maxULP, share float64
	atULP, atShr  string
	firstFail     string
}

func (s *stat) add(r kerneltest.CellResult) {
	s.count++
	if !r.OK {
		if s.failed == 0 {
			s.firstFail = r.String()
		}
		s.failed++
	}
	if r.NaNRule || math.IsNaN(r.Want) || math.IsInf(r.Want, 0) {
		return
	}
	err := math.Abs(float64(r.Got) - r.Want)
	if math.IsInf(err, 0) {
		return // an allowed overflow to infinity
	}
	if ulp := kerneltest.ULPSize(r.Want); s.ulps && r.Bound.E <= 8*ulp {
		s.wellCond++
		if u := err / ulp; u > s.maxULP {
			s.maxULP, s.atULP = u, r.String()
		}
	}
	if r.Bound.E > 0 {
		if sh := err / r.Bound.E; sh > s.share {
			s.share, s.atShr = sh, r.String()
		}
	}
}

// cell is one kernel under measurement.
type cell struct {
	spec    kernel.Spec
	inputs  int      // float32 inputs per unit
	results []string // the names of its results, in CheckLSTM's or CheckGRU's order per unit
	// run calls the kernel on units of vals (inputs consecutive blocks of
	// n) and reports every result.
	run func(n int, vals []float32, visit func(kerneltest.CellResult))
}

var cells = map[string]cell{
	"lstm": {inputs: 5, results: []string{"i", "f", "g", "o", "c", "h"},
		run: func(n int, vals []float32, visit func(kerneltest.CellResult)) {
			pre, cPrev := slices.Clone(vals[:4*n]), slices.Clone(vals[4*n:5*n])
			gates, h, c := slices.Clone(pre), make([]float32, n), make([]float32, n)
			kernel.LSTMCell(h, c, cPrev, gates)
			kerneltest.CheckLSTM(2, cPrev, pre, h, c, gates, visit)
		}},
	"gru": {inputs: 7, results: []string{"r", "z", "m", "h"},
		run: func(n int, vals []float32, visit func(kerneltest.CellResult)) {
			xg, hg, hPrev := slices.Clone(vals[:3*n]), slices.Clone(vals[3*n:6*n]), slices.Clone(vals[6*n:7*n])
			gates, h := slices.Clone(xg), make([]float32, n)
			kernel.GRUCell(h, hPrev, gates, hg)
			kerneltest.CheckGRU(2, hPrev, xg, hg, h, gates, visit)
		}},
}

func main() {
	name := flag.String("cell", "lstm", "the cell: lstm or gru")
	level := flag.String("level", "", "level to force (generic, avx2, avx512, neon); default: the active one")
	units := flag.Int("units", 1<<22, "random units")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	c, ok := cells[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "cellsweep: -cell %q: want lstm or gru\n", *name)
		os.Exit(2)
	}
	if *level != "" {
		l, err := kernel.ParseLevel(*level)
		if err == nil {
			_, err = kernel.SetLevel(l)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cellsweep:", err)
			os.Exit(2)
		}
	}
	stats := make([]*stat, len(c.results))
	for i, r := range c.results {
		stats[i] = &stat{name: r, ulps: true}
	}
	// visit files each result under its name: the gates (CheckLSTM's
	// "gates", CheckGRU's "xg") by block, then c and h.
	var n int
	visit := func(r kerneltest.CellResult) {
		i := len(c.results) - 1 // h
		switch r.Name {
		case "gates", "xg":
			i = r.Index / n
		case "c":
			i = 4
		}
		stats[i].add(r)
	}

	r := rand.New(rand.NewPCG(*seed, 0xce11))
	const block = 4096
	vals := make([]float32, c.inputs*block)
	for done := 0; done < *units; done += block {
		n = min(block, *units-done)
		v := vals[:c.inputs*n]
		for i := range v {
			// The last block of n values is the state.
			v[i] = random(r, i >= (c.inputs-1)*n)
		}
		c.run(n, v, visit)
	}
	// Special units: positions p < q over every pair of specials.
	for _, s := range stats {
		s.ulps = false
	}
	m := len(kerneltest.CellSpecials)
	n = c.inputs * (c.inputs - 1) / 2 * m * m
	v := make([]float32, c.inputs*n)
	unit := 0
	for p := range c.inputs {
		for q := p + 1; q < c.inputs; q++ {
			for a := range m {
				for b := range m {
					for s := range c.inputs {
						v[s*n+unit] = kerneltest.CellSpecials[(unit+3*s)%m]
					}
					v[p*n+unit], v[q*n+unit] = kerneltest.CellSpecials[a], kerneltest.CellSpecials[b]
					unit++
				}
			}
		}
	}
	c.run(n, v, visit)

	fmt.Printf("%s at level %v: %d random units (seed %d) and %d special units\n",
		strings.ToUpper(*name), kernel.Active(), *units, *seed, n)
	failed := false
	for _, s := range stats {
		fmt.Printf("  %-2s max %.3f ulp (%d well-conditioned random results) at %s\n     max %.3f of the bound at %s\n",
			s.name, s.maxULP, s.wellCond, s.atULP, s.share, s.atShr)
		if s.failed > 0 {
			fmt.Printf("     %d of %d results break the contract, first: %s\n", s.failed, s.count, s.firstFail)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// random returns a pre-activation, or with state a state.
func random(r *rand.Rand, state bool) float32 {
	lo, hi, emin, emax := float32(-8), float32(8), -20, 7
	if state {
		lo, hi, emax = -2, 2, 10
	}
	if r.IntN(2) == 0 {
		return lo + (hi-lo)*r.Float32()
	}
	x := float32(math.Ldexp(1+r.Float64(), emin+r.IntN(emax-emin)))
	if r.IntN(2) == 0 {
		x = -x
	}
	return x
}
