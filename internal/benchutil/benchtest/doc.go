// Package benchtest holds the *testing.B helpers of simdcore's benchmarks
// (the root module's and bench/peers'): it runs a benchmark at each kernel
// level (EachLevel), and reports the metrics they have in common: GFLOP/s
// and ns/elem over wall time, the same over the process's CPU time (a CPU
// reading taken before the timed loop), and per-cycle figures with the
// clock measured by internal/cpuclock right after it.
//
// CPU time matters on a machine shared with other jobs: wall time also
// counts the time spent waiting for a core, CPU time does not.
//
// It imports package testing, so only tests import it; what programs may
// share too lives in the parent package benchutil.
package benchtest
