package kernel

import "sync"

// The helper goroutines of a threaded Gemm: one channel and one set of
// pack buffers per helper, started on demand and kept.

// gemmTask is one worker's share of a threaded product.
type gemmTask struct {
	op   gemmOperands
	cfg  gemmConfig
	done *sync.WaitGroup
}

var (
	gemmWorkMu sync.Mutex
	// gemmWork[i] is where helper i waits for work. Each helper has its
	// own channel, so the t-th share of a split product always goes to the
	// same helper, whose pack buffers are then already the right size:
	// after the first call of a shape, no call allocates.
	gemmWork    []chan gemmTask
	gemmWGPool  = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
	gemmBufPool = sync.Pool{New: func() any { return new(gemmBuffers) }}
)

// gemmWorker is a helper goroutine: it keeps its own pack buffers and
// runs tasks until the program ends.
func gemmWorker(work <-chan gemmTask) {
	var bufs gemmBuffers
	for t := range work {
		gemmSerial(t.op, t.cfg, &bufs)
		t.done.Done()
	}
}

// ensureGemmWorkers starts helpers until there are at least n, and
// returns their channels.
func ensureGemmWorkers(n int) []chan gemmTask {
	gemmWorkMu.Lock()
	defer gemmWorkMu.Unlock()
	for len(gemmWork) < n {
		ch := make(chan gemmTask)
		go gemmWorker(ch)
		gemmWork = append(gemmWork, ch)
	}
	return gemmWork
}
