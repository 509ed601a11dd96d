package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/internal/machbound"
	"github.com/simdcore/simdcore/kernel"
)

// benchCase is one kernel the bench command can time.
type benchCase struct {
	name  string // the kernel's name in lower case: "dot"
	spec  kernel.Spec
	sizes []int // default sizes
	short []int // sizes for the no-argument run
}

// sizeLabel names size n of kernel class c: n=4096, 256x256, 256³.
func sizeLabel(c kernel.Class, n int) string {
	switch c {
	case kernel.ClassGemv:
		return fmt.Sprintf("%dx%d", n, n)
	case kernel.ClassGemm:
		return fmt.Sprintf("%d³", n)
	}
	return fmt.Sprintf("n=%d", n)
}

// benchCases returns a case for every public kernel of the kernel table,
// in its order, with the table's sizes. Each is timed on the operands
// benchutil.NewOp makes for its class.
func benchCases() []benchCase {
	var cs []benchCase
	for _, s := range kernel.Specs() {
		c := benchCase{name: strings.ToLower(s.Name), spec: s, sizes: s.Sizes}
		if len(s.Short) > 0 {
			c.short = s.Short
		}
		cs = append(cs, c)
	}
	return cs
}

// benchResult is one row of the table (and one object of -json output).
type benchResult struct {
	Kernel    string  `json:"kernel"`
	Size      string  `json:"size"`
	N         int     `json:"n"`
	Level     string  `json:"level"`
	NsPerOp   float64 `json:"ns_per_op"`
	GFlops    float64 `json:"gflops,omitempty"`
	NsPerElem float64 `json:"ns_per_elem,omitempty"`
	Speedup   float64 `json:"speedup_vs_generic"`
	OfBound   float64 `json:"fraction_of_bound,omitempty"`
	ClockGHz  float64 `json:"clock_ghz,omitempty"`
	Threads   int     `json:"threads"`

	bound func(ghz float64) float64 // the bound in ns at a clock; nil for none
}

func cmdBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench")
	kernels := fs.String("kernel", "", "comma-separated kernels to time (default: all)")
	sizes := fs.String("sizes", "", "comma-separated sizes (default: each kernel's own)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	minTime := fs.Duration("time", 100*time.Millisecond, "minimum time per measurement")
	short := fs.Bool("short", false, "a quick run: a few kernels, one size each, the best level against generic")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *minTime <= 0 || *minTime > time.Minute {
		return usageError{fmt.Sprintf("bench: -time %v out of range (0, 1m]", *minTime)}
	}
	all := benchCases()
	var chosen []benchCase
	if *kernels == "" {
		for _, c := range all {
			if !*short || c.short != nil {
				chosen = append(chosen, c)
			}
		}
	} else {
		for _, name := range strings.Split(*kernels, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			i := slices.IndexFunc(all, func(c benchCase) bool { return c.name == name })
			if i < 0 {
				var names []string
				for _, c := range all {
					names = append(names, c.name)
				}
				return usageError{fmt.Sprintf("bench: unknown kernel %q (have %s)", name, strings.Join(names, ", "))}
			}
			chosen = append(chosen, all[i])
		}
	}
	var userSizes []int
	if *sizes != "" {
		var err error
		if userSizes, err = parseSizes(*sizes); err != nil {
			return err
		}
	}
	levels := kernel.Available()
	if *short {
		*minTime = 20 * time.Millisecond
		if len(levels) > 2 {
			levels = []kernel.Level{levels[0], levels[len(levels)-1]}
		}
	}
	type job struct {
		c benchCase
		n int
	}
	var jobs []job
	for _, c := range chosen {
		ns := c.sizes
		if *short {
			ns = c.short
		}
		if userSizes != nil {
			ns = userSizes
		}
		for _, n := range ns {
			if lim := maxBenchSize(c.spec.Class); n > lim {
				return usageError{fmt.Sprintf("bench: %s size %d too large (max %d; %d for the matrix products, %d for the matrix-vector ones)",
					c.name, n, lim, maxGemmSize, maxGemvSize)}
			}
			jobs = append(jobs, job{c, n})
		}
	}
	var clock clockProbes
	clock.probe()
	var results []benchResult
	total, done := len(jobs)*len(levels), 0
	status := newStatusLine(stderr)
	for _, j := range jobs {
		op := benchutil.NewOp(j.c.spec, j.n)
		size := sizeLabel(j.c.spec.Class, j.n)
		var genericNs float64
		for _, l := range levels {
			done++
			status.show(fmt.Sprintf("bench [%d/%d] %s %s %s", done, total, j.c.name, size, l), false)
			restore, err := kernel.SetLevel(l)
			if err != nil {
				return err
			}
			ns := measure(op.Call, *minTime)
			restore()
			if l == kernel.Generic {
				genericNs = ns
			}
			r := benchResult{Kernel: j.c.name, Size: size, N: j.n, Level: l.String(), NsPerOp: ns, Speedup: genericNs / ns, Threads: kernelThreads(j.c.spec)}
			if op.Flops > 0 {
				r.GFlops = op.Flops / ns
			}
			if op.Elems > 0 {
				r.NsPerElem = ns / float64(op.Elems)
			}
			if op.Bounded {
				threads := float64(r.Threads)
				r.bound = func(ghz float64) float64 { return boundNs(op.Load, op.Store, op.Set, op.Flops, ghz, threads) }
			}
			results = append(results, r)
		}
		clock.probe()
	}
	status.erase()
	ghz, clockOK := clock.estimate()
	if clockOK {
		for i := range results {
			if r := &results[i]; r.bound != nil {
				r.ClockGHz = ghz
				r.OfBound = r.bound(ghz) / r.NsPerOp
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return printBench(stdout, results, clock)
}

// The largest sizes bench takes: an n×n matrix for the matrix-vector
// kernels (float and int8: gemv, gemvt, qgemv, …), two and a result for
// the matrix products (gemm, qgemm, …), n elements for the others.
const (
	maxGemmSize = 4096
	maxGemvSize = 16384
	maxVecSize  = 1 << 26
)

// maxBenchSize is the largest size bench takes for a kernel of class c.
// The limit goes by class, not name: naming the float kernels alone let
// qgemv and qgemm take up to 1<<26, an n×n matrix of 16 million GiB.
func maxBenchSize(c kernel.Class) int {
	switch c {
	case kernel.ClassGemm, kernel.ClassQGemm:
		return maxGemmSize
	case kernel.ClassGemv, kernel.ClassQGemv:
		return maxGemvSize
	}
	return maxVecSize
}

// kernelThreads is how many threads a kernel may run on: Gemm splits a
// large product across kernel.Threads() goroutines (runtime.GOMAXPROCS by
// default), every other kernel runs on the calling one.
func kernelThreads(s kernel.Spec) int {
	if s.Class == kernel.ClassGemm {
		return max(1, min(kernel.Threads(), runtime.NumCPU()))
	}
	return 1
}

// clockProbes collects the clock probe's readings over a bench run: one
// before the first kernel and one after each kernel's sizes and levels.
type clockProbes struct {
	ghz []float64
}

// maxClockSpread is the most the probes may disagree, as a fraction of
// the highest, for the bound to be shown.
const maxClockSpread = 0.10

func (c *clockProbes) probe() {
	if g := cpuclock.GHz(); g > 0 {
		c.ghz = append(c.ghz, g)
	}
}

// estimate returns the clock, the highest reading (a probe interrupted
// or descheduled can only read low), and whether it can be trusted: there
// is a probe, and all readings lie within maxClockSpread of the highest.
// A core whose clock changed during the run (turbo, thermal limits, a
// busy machine) makes a bound at any one clock wrong, so no bound then.
func (c *clockProbes) estimate() (ghz float64, ok bool) {
	if len(c.ghz) == 0 {
		return 0, false
	}
	lo, hi := slices.Min(c.ghz), slices.Max(c.ghz)
	return hi, (hi-lo)/hi <= maxClockSpread
}

// measure returns the best ns/op of three batches of calls that each last
// at least minTime/4 (benchutil.BestOf). The best, not the mean:
// interference only slows a run.
func measure(op func(), minTime time.Duration) float64 {
	op() // warm caches and page in operands
	iters := 1
	for {
		t := time.Now()
		for range iters {
			op()
		}
		if el := time.Since(t); el >= minTime/4 || iters >= 1<<30 {
			break
		}
		iters *= 2
	}
	return benchutil.BestOf(3, iters, op)
}

// boundNs is the least time, in ns, a call can take by a simple model of
// threads cores, given the bytes it loads and stores, its working set
// (set, bytes), its floating-point operations and the clock (GHz). The
// rates per cycle are measured on this core, once per run, at the level
// the kernels run (internal/machbound: R1 and R2 the read bandwidth of L1
// and L2, F the FMA peak); W, the vector width of the widest level this
// CPU runs (64 bytes with AVX-512, 32 with AVX2, 16 otherwise), is the
// store rate per cycle. The memory time depends on the smallest cache the
// working set fits in (sizes from cpuid, else 32 KiB, 512 KiB, 8 MiB):
//
//   - L1: max(load/R1, store/W) cycles;
//   - L2: (load+store)/R2 cycles, loads and stores together;
//   - L3: 97 GB/s; beyond it, DRAM: 26 GB/s (measured on this project's
//     machines).
//
// The compute time is flops/F cycles, and the bound is the larger of the
// two. With threads cores, compute and the per-core caches (L1, L2) go
// threads times as fast; L3 and DRAM, which the cores share, do not. It
// is 0 (none) where the rates are unknown (no clock probe).
func boundNs(load, store, set, flops, ghz, threads float64) float64 {
	r := machbound.Get()
	if r.L1 <= 0 || r.L2 <= 0 || r.FMA <= 0 {
		return 0
	}
	l1, l2, l3 := float64(cpuid.CPU.Cache.L1D), float64(cpuid.CPU.Cache.L2), float64(cpuid.CPU.Cache.L3)
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 8 << 20
	}
	w := 16.0
	switch {
	case kernel.Supported(kernel.AVX512):
		w = 64
	case kernel.Supported(kernel.AVX2):
		w = 32
	}
	var memNs float64
	switch {
	case set <= l1:
		memNs = max(load/r.L1, store/w) / ghz / threads
	case set <= l2:
		memNs = (load + store) / r.L2 / ghz / threads
	case set <= l3:
		memNs = (load + store) / 97
	default:
		memNs = (load + store) / 26
	}
	return max(memNs, flops/r.FMA/ghz/threads)
}

// printBench prints the table, with the "of bound" column only when the
// clock probes agreed (and a line saying why it is missing otherwise).
func printBench(w io.Writer, rs []benchResult, clock clockProbes) error {
	ghz, ok := clock.estimate()
	switch {
	case ok:
		fmt.Fprintf(w, "Kernel speeds (clock %.2f GHz, the highest of %d probes; of bound: the least time a model of loads,\n"+
			"stores and FMAs at that clock allows, as a share of ns/op, on as many cores as the kernel may use:\n"+
			"%d for gemm, 1 for the others)\n",
			ghz, len(clock.ghz), max(1, min(kernel.Threads(), runtime.NumCPU())))
	case len(clock.ghz) == 0:
		fmt.Fprintln(w, "Kernel speeds (no clock probe in this build, so no bound)")
	default:
		fmt.Fprintf(w, "Kernel speeds (no \"of bound\" column: the clock probes disagreed, %.2f to %.2f GHz, more than %.0f%%;\n"+
			"the clock changed during the run or the machine is busy)\n", slices.Min(clock.ghz), ghz, 100*maxClockSpread)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	head := "kernel\tsize\tlevel\tns/op\tGFLOP/s\tns/elem\tvs generic\t"
	if ok {
		head += "of bound\t"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f×\t", r.Kernel, r.Size, r.Level, num(r.NsPerOp), opt(r.GFlops, "%.1f"), opt(r.NsPerElem, "%.3f"), r.Speedup)
		if ok {
			fmt.Fprintf(tw, "%s\t", opt(100*r.OfBound, "%.0f%%"))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func num(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 100:
		return fmt.Sprintf("%.0f", ns)
	default:
		return fmt.Sprintf("%.1f", ns)
	}
}

func opt(v float64, f string) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return fmt.Sprintf(f, v)
}
