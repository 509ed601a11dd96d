package workers

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/race"
)

// countTask counts how often each share runs.
type countTask struct{ runs []atomic.Int32 }

func (t *countTask) Run(i int) { t.runs[i].Add(1) }

func TestEveryShareOnce(t *testing.T) {
	for _, shares := range []int{0, 1, 2, 3, 7, 64} {
		for _, threads := range []int{-1, 0, 1, 2, 3, 8} {
			task := &countTask{runs: make([]atomic.Int32, shares)}
			Run(task, shares, threads)
			for i := range task.runs {
				require.EqualValues(t, 1, task.runs[i].Load(), "share %d of %d with %d threads", i, shares, threads)
			}
		}
	}
}

// meetTask's two shares wait for each other, up to a timeout: they meet
// only if they run at the same time.
type meetTask struct {
	arrived atomic.Int32
	met     atomic.Bool
}

func (t *meetTask) Run(int) {
	t.arrived.Add(1)
	deadline := time.Now().Add(200 * time.Millisecond)
	for t.arrived.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Microsecond)
	}
	if t.arrived.Load() == 2 {
		t.met.Store(true)
	}
}

// TestHelpersRun: with two threads, an idle helper takes a share while the
// caller runs the other. (A helper just started may not be waiting yet, so
// the test allows a few tries.)
func TestHelpersRun(t *testing.T) {
	for try := 0; try < 20; try++ {
		task := &meetTask{}
		Run(task, 2, 2)
		if task.met.Load() {
			require.GreaterOrEqual(t, Started(), 1)
			return
		}
	}
	t.Fatal("the two shares never ran at the same time")
}

// nestTask's shares each run a parallel call of their own.
type nestTask struct{ inner []*countTask }

func (t *nestTask) Run(i int) { Run(t.inner[i], len(t.inner[i].runs), 2) }

// TestNested: shares that call Run while every helper is busy complete on
// their own goroutine instead of waiting for a helper.
func TestNested(t *testing.T) {
	threads := max(Started(), 1) + 1 // enough to take every helper
	outer := &nestTask{}
	for range 2 * threads {
		outer.inner = append(outer.inner, &countTask{runs: make([]atomic.Int32, 5)})
	}
	done := make(chan struct{})
	go func() {
		Run(outer, len(outer.inner), threads)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("nested Run deadlocked")
	}
	for _, in := range outer.inner {
		for i := range in.runs {
			require.EqualValues(t, 1, in.runs[i].Load())
		}
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	task := &countTask{runs: make([]atomic.Int32, 8)}
	var g Group
	g.Run(task, 8, 2) // start the helper
	require.Zero(t, testing.AllocsPerRun(100, func() { g.Run(task, 8, 2) }))
}
