// Command ulpsweep measures the error of simdcore's elementwise
// transcendental kernels over every one of the 2^32 float32 inputs,
// against float64 references, at a chosen level:
//
//	go run ./internal/cmd/ulpsweep -fn tanh -level avx512
//
// The functions are the kernel table's elementwise kernels with a ULP
// contract (kernel.Specs: Exp, Tanh, Sigmoid, ...), named in lower case;
// the default bound is the table's. It feeds the inputs through the public
// kernel in blocks, on -workers goroutines (default: every CPU),
// and prints the largest error in ulps, the input where it occurs, and how
// many inputs exceed -bound. It exits with status 1 if any input exceeds
// the bound or breaks a special-value rule (NaN in must give NaN out,
// exact values such as exp(0) = 1 are part of the ulp check since the
// error there must be 0 ulp... and are checked separately).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
)

type function struct {
	name   string // the kernel's name in the table: "Exp"
	kernel func(dst, src []float32)
	ref    func(x float32) float64
	bound  float64
}

// functions returns the kernel table's elementwise kernels with a ULP
// bound and a scalar reference, by lower-case name, and their names.
func functions() (map[string]function, []string) {
	fns := map[string]function{}
	var names []string
	for _, s := range kernel.Specs() {
		if s.Class == kernel.ClassUnary && s.Contract.Kind == kernel.ULP && s.Ref1 != nil {
			n := strings.ToLower(s.Name)
			fns[n] = function{s.Name, s.Unary, s.Ref1, s.Contract.ULP}
			names = append(names, n)
		}
	}
	return fns, names
}

type result struct {
	maxULP  float64
	at      uint32
	over    uint64 // inputs whose error exceeds the bound
	firstAt uint32 // first such input
	hist    [8]uint64
}

func main() {
	fns, names := functions()
	fn := flag.String("fn", "exp", "function: "+strings.Join(names, ", "))
	levelName := flag.String("level", "", "level to force (generic, avx2, avx512, neon); default: the active one")
	workers := flag.Int("workers", runtime.NumCPU(), "goroutines")
	lo := flag.Uint64("from", 0, "first bit pattern")
	hi := flag.Uint64("to", 1<<32, "one past the last bit pattern")
	bound := flag.Float64("bound", 0, "ulp bound to enforce (default: the function's target)")
	step := flag.Uint64("step", 1, "test every step-th bit pattern from -from (an odd step such as 15 spreads\n"+
		"2^28 inputs evenly over all 2^32 for runs under emulation, where all of them take too long)")
	flag.Parse()

	f, ok := fns[*fn]
	if !ok {
		fmt.Fprintf(os.Stderr, "ulpsweep: unknown -fn %q (have %s)\n", *fn, strings.Join(names, ", "))
		os.Exit(2)
	}
	if *bound == 0 {
		*bound = f.bound
	}
	if *levelName != "" {
		l, err := kernel.ParseLevel(*levelName)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ulpsweep:", err)
			os.Exit(2)
		}
		if _, err := kernel.SetLevel(l); err != nil {
			fmt.Fprintln(os.Stderr, "ulpsweep:", err)
			os.Exit(2)
		}
	}
	impl, _ := kernel.Current(f.name)
	start := time.Now()

	if *step == 0 {
		*step = 1
	}
	// Inputs are lo + k·step for k in [0, count); workers take blocks of k.
	count := (*hi - *lo + *step - 1) / *step
	const block = 1 << 16
	var next uint64
	var mu sync.Mutex
	var wg sync.WaitGroup
	results := make([]result, *workers)
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(res *result) {
			defer wg.Done()
			src := make([]float32, block)
			dst := make([]float32, block)
			for {
				mu.Lock()
				b := next
				next += block
				mu.Unlock()
				if b >= count {
					return
				}
				n := uint64(block)
				if b+n > count {
					n = count - b
				}
				for i := uint64(0); i < n; i++ {
					src[i] = math.Float32frombits(uint32(*lo + (b+i)*(*step)))
				}
				f.kernel(dst[:n], src[:n])
				for i := uint64(0); i < n; i++ {
					want := f.ref(src[i])
					u := kerneltest.ULP(dst[i], want)
					bits := math.Float32bits(src[i])
					if u > res.maxULP || (u == res.maxULP && math.IsInf(u, 1)) {
						res.maxULP, res.at = u, bits
					}
					if u > *bound {
						if res.over == 0 {
							res.firstAt = bits
						}
						res.over++
					}
					k := len(res.hist) - 1 // histogram in half-ulp steps
					if u < float64(k)/2 {
						k = int(math.Ceil(u * 2))
					}
					res.hist[k]++
				}
			}
		}(&results[w])
	}
	wg.Wait()

	var tot result
	for _, r := range results {
		if r.maxULP > tot.maxULP || (tot.maxULP == 0 && r.maxULP == 0) {
			tot.maxULP, tot.at = r.maxULP, r.at
		}
		if r.over > 0 && (tot.over == 0 || r.firstAt < tot.firstAt) {
			tot.firstAt = r.firstAt
		}
		tot.over += r.over
		for i := range tot.hist {
			tot.hist[i] += r.hist[i]
		}
	}
	x := math.Float32frombits(tot.at)
	got := make([]float32, 1)
	f.kernel(got, []float32{x})
	fmt.Printf("fn=%s level=%s impl=%s inputs=[%#x,%#x) step=%d (%d inputs) workers=%d time=%s\n",
		*fn, kernel.Active(), impl.Name, *lo, *hi, *step, count, *workers, time.Since(start).Round(time.Second))
	fmt.Printf("max error %.4f ulp at x=%g (%#08x, %x): got %g want %.17g\n",
		tot.maxULP, x, tot.at, x, got[0], f.ref(x))
	fmt.Printf("histogram (half-ulp buckets: 0, ≤0.5, ≤1, ≤1.5, ≤2, ≤2.5, ≤3, more): %v\n", tot.hist)
	if tot.over > 0 {
		fmt.Printf("FAIL: %d inputs above %.1f ulp (first at %#08x)\n", tot.over, *bound, tot.firstAt)
		os.Exit(1)
	}
	fmt.Printf("ok: every input within %.1f ulp\n", *bound)
}
