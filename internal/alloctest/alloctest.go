// Package alloctest serves the tests that check that steady-state calls
// allocate nothing: it counts the allocations of a single call, and has
// the runtime make up front what it would otherwise allocate for itself
// meanwhile. It imports nothing of simdcore's, so that any package's
// tests may use it.
package alloctest

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Mallocs returns the number of heap allocations (MemStats.Mallocs) made
// while f runs once: a single call counted on its own, where
// testing.AllocsPerRun runs f first and averages over the runs. It counts
// every goroutine's allocations, the runtime's included (see
// WarmRuntime).
func Mallocs(f func()) uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.Mallocs
	f()
	runtime.ReadMemStats(&ms)
	return ms.Mallocs - before
}

// WarmRuntime makes the runtime create up front what it would otherwise
// allocate now and then in a test's steady state, for its own use rather
// than the code under test's, though MemStats counts it all the same:
//
//   - Records for parked goroutines (a worker helper waiting for work, a
//     caller waiting for its helpers). A goroutine that parks takes one
//     from its P's cache, the runtime allocating one when that cache and
//     the central one are empty, and gives it back to the cache of the P
//     it wakes up on; so as parallel calls go on, records drift from one
//     P to another, and parking allocates now and then, for thousands of
//     calls. Once more records exist than the caches of all Ps but one
//     hold (128 each in Go 1.26), an empty cache always finds some in the
//     central one, until a garbage collection empties it.
//   - Threads. ReadMemStats stops the world, and restarting it may start
//     a thread for an idle P, which the runtime makes (allocating its
//     state) when none is idle. Threads, once made, are kept.
//
// It parks many goroutines at once, a few of them locked to threads of
// their own, then lets them all go. Call it with the garbage collector
// off (debug.SetGCPercent(-1)).
func WarmRuntime() {
	procs := runtime.GOMAXPROCS(0)
	n, locked := 512*(procs+1), 2*(procs+2)
	var started, done sync.WaitGroup
	wake := make(chan struct{})
	started.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			if i < locked {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread() // so that the thread is kept
			}
			started.Done()
			<-wake
			done.Done()
		}()
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let the last ones reach <-wake
	close(wake)
	done.Wait()
}

// Call is one call of an allocation test: its name, and the call, which
// returns the error the code under test returned.
type Call struct {
	Name string
	Run  func() error
}

// Alternating runs every call once (the warm-up: what the pools need),
// then rounds rounds of them, every other round in reverse order so that
// each call also follows other neighbours, counting every measured call
// on its own (Mallocs). It returns "name: count" for each measured call
// that allocated, and stops at the first error a call returns.
func Alternating(calls []Call, rounds int) (allocated []string, err error) {
	for _, c := range calls {
		if err := c.Run(); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	for round := range rounds {
		for i := range calls {
			c := calls[i]
			if round%2 == 1 {
				c = calls[len(calls)-1-i]
			}
			var err error
			if n := Mallocs(func() { err = c.Run() }); n != 0 {
				allocated = append(allocated, fmt.Sprintf("%s: %d", c.Name, n))
			}
			if err != nil {
				return allocated, fmt.Errorf("%s: %w", c.Name, err)
			}
		}
	}
	return allocated, nil
}
