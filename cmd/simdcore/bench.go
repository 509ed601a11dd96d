package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdcore/simdcore/kernel"
)

// benchCase is one kernel the bench command can time.
type benchCase struct {
	name  string
	sizes []int // default sizes
	short []int // sizes for the no-argument run
	// setup prepares operands of size n and returns one call of the kernel.
	setup func(n int) func()
	// flops per call (0: report ns/element instead of GFLOP/s).
	flops func(n int) float64
	// elems per call, for ns/element.
	elems func(n int) float64
	// loads and stores in bytes per call and the working set in bytes,
	// for the memory-bandwidth bound (nil: no bound is claimed).
	traffic   func(n int) (load, store, set float64)
	sizeLabel func(n int) string
}

func vec(n int, seed uint32) []float32 {
	x := make([]float32, n)
	s := seed*2654435761 + 1
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(int32(s)) / (1 << 31)
	}
	return x
}

func plain(n int) string  { return fmt.Sprintf("n=%d", n) }
func square(n int) string { return fmt.Sprintf("%dx%d", n, n) }
func cube(n int) string   { return fmt.Sprintf("%d³", n) }

func perElem(n int) float64 { return float64(n) }

// benchCases returns a case for every public kernel of the kernel table,
// in its order, named in lower case ("dot"), with the table's sizes.
func benchCases() []benchCase {
	var cs []benchCase
	for _, s := range kernel.Specs() {
		cs = append(cs, benchCaseOf(s))
	}
	return cs
}

// benchCaseOf times kernel s on operands its class defines: vectors with
// elements in [-1, 1) (the elementwise and row kernels' in [-4, 4)),
// n×n matrices for the Gemv family and Gemm.
func benchCaseOf(s kernel.Spec) benchCase {
	c := benchCase{name: strings.ToLower(s.Name), sizes: s.Sizes, elems: perElem, sizeLabel: plain}
	if len(s.Short) > 0 {
		c.short = s.Short
	}
	if s.Flops > 0 {
		c.flops = func(n int) float64 { return s.Flops * float64(n) }
	}
	// stream is the memory traffic of a kernel that loads ld float32s per
	// element and stores st of them in place (working set: what it loads).
	stream := func(ld, st float64) func(n int) (float64, float64, float64) {
		return func(n int) (float64, float64, float64) {
			return 4 * ld * float64(n), 4 * st * float64(n), 4 * ld * float64(n)
		}
	}
	switch s.Class {
	case kernel.ClassDot:
		c.setup = func(n int) func() {
			x, y := vec(n, 1), vec(n, 2)
			return func() { sink32 += s.Dot(x, y) }
		}
		c.traffic = stream(2, 0)
	case kernel.ClassReduce:
		c.setup = func(n int) func() {
			x := vec(n, 1)
			return func() { sink32 += s.Reduce(x) }
		}
		if s.Contract.Kind != kernel.RowSum { // LogSumExp is bound by its exponentials
			c.traffic = stream(1, 0)
		}
	case kernel.ClassArgmax:
		c.setup = func(n int) func() {
			x := vec(n, 1)
			return func() { sinkInt += s.Argmax(x) }
		}
		c.traffic = stream(1, 0)
	case kernel.ClassAxpy:
		c.setup = func(n int) func() {
			x, y := vec(n, 1), vec(n, 2)
			return func() { s.Axpy(1e-7, x, y) }
		}
		c.traffic = stream(2, 1)
	case kernel.ClassScale:
		c.setup = func(n int) func() {
			x := vec(n, 1)
			return func() { s.Scale(1, x) }
		}
		c.traffic = stream(1, 1)
	case kernel.ClassBinary:
		c.setup = func(n int) func() {
			a, b, d := vec(n, 1), vec(n, 2), make([]float32, n)
			return func() { s.Binary(d, a, b) }
		}
		c.traffic = func(n int) (float64, float64, float64) { return 8 * float64(n), 4 * float64(n), 12 * float64(n) }
	case kernel.ClassUnary, kernel.ClassRow:
		c.setup = func(n int) func() {
			src, dst := vec(n, 7), make([]float32, n)
			kernel.Scale(4, src)
			return func() { s.Unary(dst, src) }
		}
	case kernel.ClassGemv:
		c.setup = func(n int) func() {
			a := kernel.MatrixFrom(n, n, vec(n*n, 3))
			x, d := vec(n, 4), make([]float32, n)
			return func() { s.Gemv(d, a, x) }
		}
		c.flops = func(n int) float64 { return s.Flops * float64(n) * float64(n) }
		c.elems = nil
		c.traffic = func(n int) (float64, float64, float64) { m := 4 * float64(n) * float64(n); return m, 0, m }
		c.sizeLabel = square
	case kernel.ClassGemm:
		c.setup = func(n int) func() {
			a := kernel.MatrixFrom(n, n, vec(n*n, 5))
			b := kernel.MatrixFrom(n, n, vec(n*n, 6))
			d := kernel.NewMatrix(n, n)
			return func() { s.Gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 0, d) }
		}
		c.flops = func(n int) float64 { return s.Flops * float64(n) * float64(n) * float64(n) }
		c.elems = nil
		c.traffic = func(n int) (float64, float64, float64) { return 0, 0, 0 }
		c.sizeLabel = cube
	default:
		panic("bench: no operands for kernel class " + string(s.Class))
	}
	return c
}

var (
	sink32  float32
	sinkInt int
)

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
			if (c.name == "gemm" && n > 4096) || (strings.HasPrefix(c.name, "gemv") && n > 16384) {
				return usageError{fmt.Sprintf("bench: %s size %d too large (max 4096 for gemm, 16384 for gemv)", c.name, n)}
			}
			jobs = append(jobs, job{c, n})
		}
	}
	ghz := clockGHz()
	var results []benchResult
	total, done := len(jobs)*len(levels), 0
	for _, j := range jobs {
		op := j.c.setup(j.n)
		var genericNs float64
		for _, l := range levels {
			done++
			fmt.Fprintf(stderr, "\rbench [%d/%d] %s %s %s        ", done, total, j.c.name, j.c.sizeLabel(j.n), l)
			restore, err := kernel.SetLevel(l)
			if err != nil {
				return err
			}
			ns := measure(op, *minTime)
			restore()
			if l == kernel.Generic {
				genericNs = ns
			}
			r := benchResult{Kernel: j.c.name, Size: j.c.sizeLabel(j.n), N: j.n, Level: l.String(), NsPerOp: ns, Speedup: genericNs / ns, ClockGHz: ghz}
			if j.c.flops != nil {
				r.GFlops = j.c.flops(j.n) / ns
			}
			if j.c.elems != nil {
				r.NsPerElem = ns / j.c.elems(j.n)
			}
			if j.c.traffic != nil && ghz > 0 {
				ld, st, set := j.c.traffic(j.n)
				var fl float64
				if j.c.flops != nil {
					fl = j.c.flops(j.n)
				}
				r.OfBound = boundNs(ld, st, set, fl, ghz) / ns
			}
			results = append(results, r)
		}
	}
	fmt.Fprint(stderr, "\r\033[K")
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return printBench(stdout, results, ghz)
}

// measure returns the best ns/op of three batches that each last at
// least minTime. The best, not the mean: interference only slows a run.
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
	best := math.Inf(1)
	for range 3 {
		t := time.Now()
		for range iters {
			op()
		}
		best = min(best, float64(time.Since(t).Nanoseconds())/float64(iters))
	}
	return best
}

// boundNs is the least time a call can take by a simple model of one
// core, after DESIGN §6 and probes on this project's machines: per cycle,
// two vector loads and one vector store at the widest available level's
// width W (64 bytes with AVX-512, 32 with AVX2, 16 otherwise), L2 at W
// bytes (32 B/cycle measured on Zen 4, 64 on Zen 5),
// L3 about 97 GB/s, DRAM about 26 GB/s, and two FMA pipes (W/2 FLOP/cycle).
// Cores that split 512-bit operations in two (Zen 4) reach only half the
// AVX-512 compute and L1 figures, so their fractions read low.
func boundNs(load, store, set, flops, ghz float64) float64 {
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
		memNs = max(load/(2*w), store/w) / ghz
	case set <= l2:
		memNs = (load + store) / w / ghz
	case set <= l3:
		memNs = (load + store) / 97
	default:
		memNs = (load + store) / 26
	}
	return max(memNs, flops/(w/2)/ghz)
}

func printBench(w io.Writer, rs []benchResult, ghz float64) error {
	if ghz > 0 {
		fmt.Fprintf(w, "Kernel speeds (clock %.2f GHz; bound: a memory/FMA model of one core, see boundNs)\n", ghz)
	} else {
		fmt.Fprintln(w, "Kernel speeds (no clock probe in this build, so no bound)")
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kernel\tsize\tlevel\tns/op\tGFLOP/s\tns/elem\tvs generic\tof bound\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f×\t%s\t\n", r.Kernel, r.Size, r.Level, num(r.NsPerOp), opt(r.GFlops, "%.1f"), opt(r.NsPerElem, "%.3f"), r.Speedup, opt(100*r.OfBound, "%.0f%%"))
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
