package kernel_test

import (
	"fmt"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestOverlapBoundary places two n-element operands of every kernel that
// takes two slices of one length d elements apart in one buffer, for
// every d from -(n+1) to n+1, at every level: the call panics exactly
// when they share an element without being the same slice (0 < |d| < n),
// and runs when they are the same, adjacent or further apart. The
// assembly entries decide this with one unsigned comparison
// (kernel/internal/gen/entry.go); this pins where its edges fall.
func TestOverlapBoundary(t *testing.T) {
	type call struct {
		name string
		f    func(p, q []float32) // p and q are the pair checked
	}
	var calls []call
	for _, s := range kernel.Specs() {
		switch {
		case s.Unary != nil:
			calls = append(calls, call{s.Name + "(dst, src)", func(p, q []float32) { s.Unary(p, q) }})
		case s.Binary != nil:
			calls = append(calls,
				call{s.Name + "(dst, a)", func(p, q []float32) { s.Binary(p, q, make([]float32, len(p))) }},
				call{s.Name + "(dst, b)", func(p, q []float32) { s.Binary(p, make([]float32, len(p)), q) }})
		case s.Axpy != nil:
			calls = append(calls, call{s.Name + "(x, y)", func(p, q []float32) { s.Axpy(0.5, p, q) }})
		}
	}
	require.NotEmpty(t, calls)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, c := range calls {
			for _, n := range []int{1, 2, 3, 7, 16, 33} {
				buf := make([]float32, 3*n+2)
				for d := -(n + 1); d <= n+1; d++ {
					for i := range buf {
						buf[i] = 0.25
					}
					base := n + 1
					p, q := buf[base+d:base+d+n], buf[base:base+n]
					what := fmt.Sprintf("%s, n=%d, p %d elements after q", c.name, n, d)
					if d != 0 && -n < d && d < n {
						require.Panics(t, func() { c.f(p, q) }, what)
					} else {
						require.NotPanics(t, func() { c.f(p, q) }, what)
					}
				}
			}
		}
	})
}
