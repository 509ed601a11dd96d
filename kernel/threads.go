package kernel

import (
	"runtime"
	"sync/atomic"
)

// How many goroutines the kernels may use.

var gemmThreadsSet atomic.Int64

// SetThreads sets how many goroutines Gemm may split one large product
// across. n ≤ 0 restores the default, runtime.GOMAXPROCS(0) at the time
// of each call. Products too small to gain from it run on the calling
// goroutine whatever the setting.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	gemmThreadsSet.Store(int64(n))
}

// Threads returns how many goroutines Gemm may use, as set by SetThreads
// (by default runtime.GOMAXPROCS(0)).
func Threads() int {
	if n := gemmThreadsSet.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}
