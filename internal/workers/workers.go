// Package workers runs the shares of a parallel computation on the calling
// goroutine and on helper goroutines that are started once and kept for
// the life of the program, so that a parallel call costs a channel
// hand-off per helper rather than a goroutine start.
//
// It is simdcore's one helper pool: kernel's threaded Gemm and attn's
// multi-head Forward and flash-decoding run on it. It takes the number of
// threads from its callers (kernel.Threads()) instead of importing package
// kernel, which imports it.
//
// Shares are claimed one at a time by whichever goroutine is free: the
// caller always works, and a helper joins only if it is idle at the moment
// of the call. So a call never waits for a helper that is busy elsewhere,
// and a share that itself calls Run (a head of attn that calls a Gemm that
// splits) completes on its own goroutine when every helper is taken,
// instead of deadlocking.
package workers

import (
	"sync"
	"sync/atomic"

	"github.com/simdcore/simdcore/internal/scratch"
)

// A Task is a computation split into shares: Run(i) computes share i.
// Shares run concurrently, so they must not write the same memory.
type Task interface {
	Run(share int)
}

// A Group is the state of one parallel call, shared by the caller and the
// helpers it recruits. A caller that must not allocate keeps its own Group
// (its zero value is ready) and calls Group.Run; one goroutine at a time
// may use a Group.
type Group struct {
	t      Task
	shares int
	next   atomic.Int64 // the next share to claim
	wg     sync.WaitGroup
}

var (
	// idle is where helpers wait. It is unbuffered, so a send succeeds
	// only when a helper is waiting: a recruited helper starts at once.
	idle    = make(chan *Group)
	mu      sync.Mutex
	started atomic.Int64 // helpers started
	groups  = sync.Pool{New: func() any { return new(Group) }}
)

// Run is Group.Run on a pooled Group: it allocates only when the pool has
// none at hand (after a garbage collection, or on another P than the last
// call).
func Run(t Task, shares, threads int) {
	g := groups.Get().(*Group)
	g.Run(t, shares, threads)
	groups.Put(g)
}

// Run computes shares 0..shares-1 of t on the calling goroutine and on up
// to threads-1 idle helpers, and returns when every share has returned.
// With threads ≤ 1 or shares ≤ 1 it runs them in order on the caller;
// otherwise, until it returns, package scratch counts its threads among
// the goroutines that may ask for buffers at once (scratch.BeginParallel).
// Once the helpers have been started, it allocates nothing.
func (g *Group) Run(t Task, shares, threads int) {
	threads = min(threads, shares)
	if threads <= 1 {
		for i := range shares {
			t.Run(i)
		}
		return
	}
	ensure(threads - 1)
	scratch.BeginParallel(threads)
	defer scratch.EndParallel(threads)
	g.t, g.shares = t, shares
	g.next.Store(0)
	for range threads - 1 {
		g.wg.Add(1)
		ok := false
		select {
		case idle <- g:
			ok = true
		default:
		}
		if !ok { // no helper is idle: the caller does the rest
			g.wg.Done()
			break
		}
	}
	g.work()
	g.wg.Wait()
	g.t = nil
}

// Started returns how many helper goroutines have been started.
func Started() int { return int(started.Load()) }

// ensure starts helpers until there are at least n.
func ensure(n int) {
	if started.Load() >= int64(n) {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	for started.Load() < int64(n) {
		started.Add(1)
		go helper()
	}
}

// helper works on the calls it is handed until the program ends.
func helper() {
	for g := range idle {
		g.work()
		g.wg.Done()
	}
}

// work claims and runs shares of g until none are left.
func (g *Group) work() {
	for {
		i := int(g.next.Add(1)) - 1
		if i >= g.shares {
			return
		}
		g.t.Run(i)
	}
}
