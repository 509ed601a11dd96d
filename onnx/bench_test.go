package onnx_test

import (
	"testing"

	"github.com/simdcore/simdcore/onnx"
)

// BenchmarkSessionMLP times Run on the small MLP of TestSessionMLP (nine
// nodes, four left after folding): mostly the per-node overhead.
func BenchmarkSessionMLP(b *testing.B) {
	m, err := onnx.Parse(mlpModel())
	if err != nil {
		b.Fatal(err)
	}
	s, err := onnx.NewSession(m, map[string][]int{"x": {8, 4}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range s.Input("x").Float {
		s.Input("x").Float[i] = float32(i%7) - 3
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
}
