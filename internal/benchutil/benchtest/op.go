package benchtest

import (
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/kernel"
)

// Time times call, which does the work of op (op.Call, or a peer's
// implementation of the same operation on op's operands), and reports it
// by op's kernel class: what Elementwise reports for the elementwise and
// row kernels; for the others the bytes loaded and stored per second,
// GFLOP/s where the kernel table counts flops and ns/elem for the vector
// kernels, over wall time and over the process's CPU time.
func Time(b *testing.B, op benchutil.Op, call func()) {
	if c := op.Spec.Class; c == kernel.ClassUnary || c == kernel.ClassRow {
		Elementwise(b, op.N, call)
		return
	}
	b.SetBytes(int64(op.Load + op.Store))
	cpu := StartCPU()
	for b.Loop() {
		call()
	}
	if op.Flops > 0 {
		ReportFlops(b, op.Flops)
		cpu.ReportFlops(b, op.Flops)
	}
	if op.Elems > 0 {
		ReportPerElem(b, op.Elems)
		cpu.ReportPerElem(b, op.Elems)
	}
}
