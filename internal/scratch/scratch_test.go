package scratch

import (
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/alloctest"
	"github.com/simdcore/simdcore/internal/race"

	"github.com/stretchr/testify/require"
)

func TestGetLength(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 3} {
		b := Get(n)
		require.Len(t, b.Data, n)
		for i := range b.Data {
			b.Data[i] = float32(i) // every element is writable
		}
		Put(b)
	}
}

func TestSet(t *testing.T) {
	var s Set
	a, b := s.Get(5), s.Get(9)
	require.Len(t, a, 5)
	require.Len(t, b, 9)
	a[4], b[8] = 1, 2
	require.NotSame(t, &a[0], &b[0], "buffers of one set are distinct")
	require.Len(t, s, 2)
	s.Release()
	require.Empty(t, s)
	require.Len(t, s.Get(3), 3, "a released set lends again")
	s.Release()
}

// TestClasses: a request's class is never shorter than the request, nor
// longer by a quarter or more (beyond the smallest class, 4), and the
// classes grow with their index.
func TestClasses(t *testing.T) {
	check := func(n int) {
		c := classOf(n)
		size := classSize(c)
		require.GreaterOrEqual(t, size, n, "n=%d", n)
		require.LessOrEqual(t, size, max(4, n+(n-1)/4), "n=%d: class %d of %d", n, c, size)
		require.Equal(t, c, classOf(size), "n=%d: a buffer's capacity is in its class", n)
		require.LessOrEqual(t, classOf(n-1), c, "n=%d", n)
	}
	for n := 1; n <= 1<<16; n++ {
		check(n)
	}
	for s := 17; s < 58; s++ {
		for _, d := range []int{-1, 0, 1, 3} {
			check(1<<s + d)
		}
	}
	for c := 1; c < 4*61; c++ { // the classes whose size is an int
		require.Greater(t, classSize(c), classSize(c-1), "class %d", c)
	}
	c := classOf(math.MaxInt)
	require.True(t, c >= 0 && c < numClasses, "class %d", c)
}

// TestBestFit: Get lends the shortest free buffer long enough, of a larger
// class if need be, and allocates only when none is long enough.
func TestBestFit(t *testing.T) {
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	a, b := p.Get(100), p.Get(1000)
	p.Put(a)
	p.Put(b)
	g := p.Get(500)
	require.Same(t, b, g, "the 1000-element buffer serves 500")
	require.Len(t, g.Data, 500)
	require.Same(t, a, p.Get(50))
	p.Put(g)
	require.Same(t, g, p.Get(1000), "a buffer lent short is given back whole")
	n := p.Get(2000)
	require.NotSame(t, a, n)
	require.NotSame(t, b, n)
	require.GreaterOrEqual(t, cap(n.Data), 2000)
}

// TestPutWhole: a borrower may reslice Data; Put takes back the whole
// buffer, which lends as long a slice again.
func TestPutWhole(t *testing.T) {
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	b := p.Get(1000)
	b.Data = b.Data[600:]
	p.Put(b)
	require.Same(t, b, p.Get(1000))
	require.Len(t, b.Data, 1000)
}

// TestNoTrade: once a sequence of calls, each taking buffers of its own
// sizes (one inside another), has run, it allocates nothing however often
// it runs again, in any order: no call leaves another a buffer too short
// for it. (One pool for every size that replaced a short buffer by a long
// one traded them back and forth.)
func TestNoTrade(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector's runs look for races, not allocations")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	alloctest.WarmRuntime()
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	call := func(sizes ...int) func() {
		return func() {
			var bs [4]*Buf
			for i, n := range sizes {
				bs[i] = p.Get(n)
				bs[i].Data[n-1] = 1
			}
			for _, b := range bs[:len(sizes)] {
				p.Put(b)
			}
		}
	}
	calls := []func(){call(9000, 300, 4000), call(120, 8000, 8000), call(5000), call(50000, 10, 20, 30), call(700, 600, 500, 400)}
	for _, c := range calls {
		c()
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		i := r.IntN(len(calls))
		require.Zero(t, alloctest.Mallocs(calls[i]), "call %d", i)
	}
}

// TestParallelProvides: a Get made while parallel calls of k threads are
// under way leaves the pool k buffers at least as long, so that k
// goroutines may then hold one each at once without an allocation; one
// more allocates.
func TestParallelProvides(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector's runs look for races, not allocations")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	alloctest.WarmRuntime()
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	BeginParallel(2)
	BeginParallel(1) // another call under way: 3 threads in all
	p.Put(p.Get(1000))
	EndParallel(1)
	EndParallel(2)
	require.Zero(t, parallel.Load())
	var held [4]*Buf
	require.Zero(t, alloctest.Mallocs(func() {
		held[0], held[1], held[2] = p.Get(1000), p.Get(900), p.Get(1000)
	}), "three at once")
	require.NotZero(t, alloctest.Mallocs(func() { held[3] = p.Get(1000) }), "a fourth")
	for _, b := range held {
		p.Put(b)
	}
	// Without parallel calls, a Get keeps no spare.
	q := new(Buffers)
	q.Put(q.Get(1000))
	c := classOf(1000)
	require.Equal(t, 1, q.total[c])
	BeginParallel(1)
	q.Put(q.Get(1000))
	EndParallel(1)
	require.Equal(t, 1, q.total[c], "one thread needs no spare")
}

// TestReleaseIdle: a class that lent nothing between two releases (two
// garbage collections) gives its free buffers up; one that lent keeps
// them.
func TestReleaseIdle(t *testing.T) {
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	idle, busy := p.Get(5000), p.Get(100)
	p.Put(idle)
	p.Put(busy)
	p.releaseIdle() // both lent since the pool began
	require.Same(t, busy, p.Get(100))
	p.Put(busy)
	p.releaseIdle()
	ci, cb := classOf(5000), classOf(100)
	require.Empty(t, p.free[ci], "idle for a whole cycle")
	require.Zero(t, p.total[ci])
	require.False(t, p.populated.contains(ci))
	require.False(t, p.nonEmpty.contains(ci))
	require.Equal(t, []*Buf{busy}, p.free[cb], "lent during the cycle")
	require.NotSame(t, idle, p.Get(5000), "a released buffer is not lent again")
}

// TestReleaseAfterGC: garbage collections run releaseIdle, so a buffer
// nobody asks for is given up without a call to the pool.
func TestReleaseAfterGC(t *testing.T) {
	p := NewBuffers()
	p.Put(p.Get(5000))
	c := classOf(5000)
	freed := func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.total[c] == 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for !freed() {
		require.True(t, time.Now().Before(deadline), "the buffer is still pooled after many collections")
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer runs on its own goroutine
	}
}

// TestPool: Pool lends back what it was given, and a new zero value when
// it has none.
func TestPool(t *testing.T) {
	var p Pool[struct{ x int }]
	a := p.Get()
	require.Zero(t, a.x)
	a.x = 7
	p.Put(a)
	b := p.Get()
	require.Same(t, a, b)
	require.Equal(t, 7, b.x, "as Put left it")
	c := p.Get()
	require.NotSame(t, a, c)
	require.Zero(t, c.x)
	p.Put(b)
	p.Put(c)
	if !race.Enabled {
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		alloctest.WarmRuntime()
		require.Zero(t, alloctest.Mallocs(func() { x, y := p.Get(), p.Get(); p.Put(x); p.Put(y) }))
	}
}

// TestConcurrent: goroutines taking and giving back buffers of many sizes
// at once (some inside parallel calls) never share one (run with -race
// too).
func TestConcurrent(t *testing.T) {
	// Not NewBuffers: no garbage collection releases its buffers meanwhile.
	p := new(Buffers)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			mark := float32(g + 1)
			if g%2 == 0 {
				BeginParallel(2)
				defer EndParallel(2)
			}
			for range 500 {
				a, b := p.Get(1+r.IntN(3000)), p.Get(r.IntN(300))
				for _, x := range [][]float32{a.Data, b.Data} {
					for j := range x {
						x[j] = mark
					}
				}
				runtime.Gosched()
				for _, x := range [][]float32{a.Data, b.Data} {
					for j := range x {
						if x[j] != mark {
							t.Errorf("goroutine %d: element %d overwritten", g, j)
							return
						}
					}
				}
				p.Put(b)
				p.Put(a)
			}
		}()
	}
	wg.Wait()
	require.Zero(t, parallel.Load())
}
