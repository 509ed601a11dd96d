// Package benchutil holds what the benchmarks of simdcore share: the root
// module's benchmarks, bench/peers and the bench command of cmd/simdcore.
// It makes their inputs (Filled, ActivationInput), runs a benchmark at
// each kernel level (EachLevel), and reports the metrics they have in
// common: GFLOP/s and ns/elem over wall time, the same over the process's
// CPU time (a CPU reading taken before the timed loop), and per-cycle
// figures with the clock measured by internal/cpuclock right after it.
//
// CPU time matters on a machine shared with other jobs: wall time also
// counts the time spent waiting for a core, CPU time does not.
package benchutil
