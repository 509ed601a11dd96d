package kernel

import (
	"math"
	"testing"
)

// BenchmarkLSTMCellSubnormal times LSTMCell on 256 units at the active
// level with a cell state c of normal floats and with one of subnormals
// (a state that decayed as c = f·c for long: a unit whose input gate
// stays shut), the g gate 0 and c restored before each call, so that
// every call sees the same state. Intel's cores
// take a microcode assist for each subnormal operand or result, AMD's do
// not: the ratio of the two is what a state in the subnormals costs on
// the core at hand. The results are the same bits either way: nothing is
// flushed to zero, as torch and ONNX Runtime flush nothing by default.
func BenchmarkLSTMCellSubnormal(b *testing.B) {
	const n = 256
	for _, sub := range []bool{false, true} {
		name := "c=normal"
		if sub {
			name = "c=subnormal"
		}
		b.Run(name, func(b *testing.B) {
			h, c0, c := make([]float32, n), make([]float32, n), make([]float32, n)
			g := make([]float32, 4*n)
			for i := range c {
				c0[i] = 0.25 + float32(i%7)*0.125
				if sub {
					c0[i] = math.Float32frombits(uint32(1 + i%1000)) // 2^-149 … 1000·2^-149
				}
				g[i], g[n+i], g[2*n+i], g[3*n+i] = -1, 1.5, 0, 0.5 // i, f, g, o
			}
			gates := make([]float32, 4*n)
			for b.Loop() {
				copy(gates, g) // LSTMCell activates the gates in place
				copy(c, c0)
				LSTMCell(h, c, c, gates)
			}
		})
	}
}

// BenchmarkSubnormalOperands times Dot, Mul and Add over 4096 elements at
// the active level with normal operands, with subnormal ones (x of
// 2^-149 … 10^5·2^-149), and with normal operands whose products are
// subnormal (2^-70 · 2^-70): on Intel's cores the multiplications take
// an assist per vector in the last two, the additions none (ACCURACY.md,
// "Subnormals are computed, never flushed").
func BenchmarkSubnormalOperands(b *testing.B) {
	const n = 4096
	for _, mode := range []string{"normal", "subnormal-in", "subnormal-out"} {
		x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = 0.5+float32(i%7)*0.01, 1.25
			switch mode {
			case "subnormal-in":
				x[i] = math.Float32frombits(uint32(1 + i%100000))
			case "subnormal-out":
				x[i], y[i] = 0x1p-70, 0x1p-70
			}
		}
		var sink float32
		b.Run(mode+"/Dot", func(b *testing.B) {
			for b.Loop() {
				sink += Dot(x, y)
			}
		})
		b.Run(mode+"/Mul", func(b *testing.B) {
			for b.Loop() {
				Mul(d, x, y)
			}
		})
		b.Run(mode+"/Add", func(b *testing.B) {
			for b.Loop() {
				Add(d, x, x)
			}
		})
		_ = sink
	}
}
