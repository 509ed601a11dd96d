// Package simdcore makes recurrent-network and attention passes fast on
// CPUs, from Go. This package holds only documentation and the
// end-to-end benchmarks; the work is done by the packages below it:
//
//   - kernel: float32 kernels (Dot, Axpy, Gemv, Gemm, Exp, Tanh, Sigmoid,
//     Softmax, LogSoftmax, Max, Argmax, Sum, …) in hand-written AVX2+FMA
//     and AVX-512 assembly on amd64 and NEON on arm64, chosen at start-up
//     from what the CPU offers, with a pure-Go fallback everywhere;
//   - kernel/ref: the float64 references every level is tested against;
//   - rnn: Elman networks (many-to-one, causal streaming, bidirectional,
//     stacked), a language model, and training by backpropagation through
//     time; loss and optim hold the losses and optimisers;
//   - attn: scaled and unscaled soft and hard dot-product attention, masks,
//     multi-head attention with a KV cache, and gradients;
//   - nn: torch's Transformer layers (Linear, LayerNorm, feed-forward,
//     encoder and decoder layers and stacks) on attn, loaded from torch
//     state_dicts, with gradients;
//   - cmd/simdcore: the command line (info, bench, demo, generate, train,
//     run).
//
// The active level can be capped with the SIMDCORE_LEVEL environment
// variable (generic, avx2, avx512 or neon), or from code with
// kernel.SetLevel. Building with the purego (or noasm) tag removes all
// assembly.
//
// A dot product, a matrix-vector product and a softmax:
//
//	x := []float32{1, 2, 3}
//	y := []float32{4, 5, 6}
//	fmt.Println(kernel.Dot(x, y)) // 32
//
//	a := kernel.MatrixFrom(2, 3, []float32{1, 0, 0, 0, 1, 1})
//	dst := make([]float32, 2)
//	kernel.Gemv(dst, a, x)   // [1 5]
//	kernel.Softmax(dst, dst) // [0.0180 0.9820]
package simdcore
