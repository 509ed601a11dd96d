// Package benchutil holds what the benchmarks of simdcore share that does
// not need package testing, so that the bench command of cmd/simdcore can
// use it without linking testing: the inputs (Filled, ActivationInput),
// a best-of-batches timer (BestOf), and the operands and costs of one call
// of each kernel of the kernel table by its signature class (NewOp), which
// the root module's benchmarks, bench/peers and cmd/simdcore all time.
//
// Its subpackage benchtest holds the helpers that take a *testing.B (each
// level as a sub-benchmark, the reported metrics); only tests import it.
package benchutil
