package machbound

import (
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

// Trials is the number of timed runs behind each rate.
const Trials = 11

const (
	trialTime = 250 * time.Microsecond // the least length of one run
	agreeTol  = 1.10                   // a run agrees if within 10% of the best
	block     = 512                    // buffer sizes are multiples of this
)

// Rates are the measured rates of one core at one level; 0 means unknown
// (see the package doc for when).
type Rates struct {
	Level kernel.Level // the level measured
	GHz   float64      // the core clock, timed in the same rounds as the rates

	FMA float64 // FMA peak, FLOP per cycle (an FMA is 2 FLOP)
	L1  float64 // read bandwidth from L1, bytes per cycle
	L2  float64 // read bandwidth from L2, bytes per cycle

	Int8Path kernel.Int8Path // the int8 path measured (kernel.ActiveInt8())
	Int8     float64         // int8 multiply-accumulate peak at Int8Path, MACs per cycle

	L1Set, L2Set int // the bytes swept for L1 and for L2

	Trials int // timed runs behind each rate
	Agreed int // fewest, over the clock and the four rates, of runs within 10% of the best
}

// Measure measures the rates now, at the level and int8 path the
// kernels run, taking about 20 ms. Most callers want Get.
func Measure() Rates { return measureAt(kernel.Active(), kernel.ActiveInt8()) }

// cacheKey is what one measurement is cached for.
type cacheKey struct {
	l kernel.Level
	p kernel.Int8Path
}

var cache struct {
	sync.Mutex
	byLevel map[cacheKey]Rates
}

// Get returns the rates at the level and int8 path the kernels run,
// measured (by Measure) on the first call at that pair in this process
// and the same thereafter.
func Get() Rates {
	k := cacheKey{kernel.Active(), kernel.ActiveInt8()}
	cache.Lock()
	defer cache.Unlock()
	if r, ok := cache.byLevel[k]; ok {
		return r
	}
	r := measureAt(k.l, k.p)
	if cache.byLevel == nil {
		cache.byLevel = map[cacheKey]Rates{}
	}
	cache.byLevel[k] = r
	return r
}

// measureAt measures the rates of level l and int8 path ip, which this
// CPU must run.
func measureAt(l kernel.Level, ip kernel.Int8Path) Rates {
	r := Rates{Level: l, Trials: Trials}
	p, ok := probeAt(l)
	q, okq := int8ProbeAt(ip)
	if !ok || !okq || !cpuclock.HasProbe {
		return r
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r.L1Set, r.L2Set = setSizes()
	buf := aligned(r.L2Set)
	// The clock is timed in the same rounds as the probes, as cpuclock.Hz
	// times it: 8 cycles per iteration of cpuclock.Spin.
	rates, agreed := bestOf([]func(k int){
		func(k int) { cpuclock.Spin(k) },
		p.fma,
		func(k int) { p.read(buf[:r.L1Set], k) },
		func(k int) { p.read(buf, k) },
		q.mac,
	})
	hz, fma, l1, l2, mac := 8*rates[0], rates[1], rates[2], rates[3], rates[4]
	r.GHz = hz / 1e9
	r.FMA = fma * p.fmaFlops / hz
	r.L1 = l1 * float64(r.L1Set) / hz
	r.L2 = l2 * float64(r.L2Set) / hz
	r.Int8Path, r.Int8 = ip, mac*q.macs/hz
	r.Agreed = agreed
	return r
}

// setSizes returns the buffer sizes that fit L1 and L2 but not the level
// above: half of each cache as cpuid reports it (32 KiB and 512 KiB where
// it reports none), and for L2 at least four times L1.
func setSizes() (l1, l2 int) {
	c1, c2 := cpuid.CPU.Cache.L1D, cpuid.CPU.Cache.L2
	if c1 <= 0 {
		c1 = 32 << 10
	}
	if c2 <= 0 {
		c2 = 512 << 10
	}
	l1 = max(c1/2/block*block, block)
	l2 = max(c2/2, 4*c1) / block * block
	return l1, l2
}

// aligned returns n bytes starting on a 64-byte boundary, every byte
// written. A fresh large allocation is memory the kernel has not yet
// backed: reading it maps every page to the one shared zero page, so a
// sweep "over 1 MiB" would read the same 4 KiB from L1 and report the L1
// rate as L2's (it read 90–94 B/cycle for L2 on a Sapphire Rapids class
// core whose L2 delivers 29–50, BENCHMARKS.md). Writing each byte gives
// every page a frame of its own.
func aligned(n int) []byte {
	b := make([]byte, n+64)
	for i := range b {
		b[i] = byte(i | 1)
	}
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & 63)
	return b[off : off+n : off+n]
}

// bestOf times each of runs: it finds for each the k (doubled from 1) at
// which run(k) lasts trialTime, then runs them all in turn, Trials rounds,
// so that each one's runs spread over the whole measurement rather than
// one burst that a neighbour's burst could cover. It returns each one's
// best rate in units of k per second, and the fewest runs, over all,
// that came within agreeTol of their best.
func bestOf(runs []func(k int)) (perSec []float64, agreed int) {
	clock := stopwatch()
	ks := make([]int, len(runs))
	for i, run := range runs {
		k := 1
		for ; k < 1<<40; k *= 2 {
			t := clock()
			run(k)
			if clock()-t >= trialTime {
				break
			}
		}
		ks[i] = k
	}
	ds := make([][Trials]time.Duration, len(runs))
	for j := range Trials {
		for i, run := range runs {
			t := clock()
			run(ks[i])
			ds[i][j] = clock() - t
		}
	}
	agreed = Trials
	for i := range runs {
		b := max(slices.Min(ds[i][:]), 1)
		n := 0
		for _, d := range ds[i] {
			if float64(d) <= agreeTol*float64(b) {
				n++
			}
		}
		agreed = min(agreed, n)
		perSec = append(perSec, float64(ks[i])/b.Seconds())
	}
	return perSec, agreed
}

// stopwatch returns the clock that times runs: the calling thread's CPU
// time where the system has one (so that time the thread spends
// descheduled is not counted; the caller locks it to its OS thread), else
// the wall time elapsed since the call.
func stopwatch() func() time.Duration {
	if cpuclock.ThreadCPU() > 0 {
		return cpuclock.ThreadCPU
	}
	t0 := time.Now()
	return func() time.Duration { return time.Since(t0) }
}
