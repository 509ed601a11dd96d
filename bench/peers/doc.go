// Package peers benchmarks the work simdcore does against what a Go
// programmer would otherwise use: plain Go loops, gonum (blas32), vek
// (vek32) and chewxy/math32, all in one run so that the ratios hold on a
// machine whose clock drifts. It is a nested module so that simdcore's
// users never download these dependencies.
//
//	cd bench/peers && go test -bench . -count 6 | tee peers.txt
//	benchstat -col /impl peers.txt
//
// cmd/chart turns such a run into one SVG chart per kernel family
// (speed-up over plain Go by size, one line per simdcore level and per
// peer); BENCHMARKS.md shows them and gives the exact commands:
//
//	go run ./cmd/chart -metric cpu-ns/elem,cpu-GFLOP/s,ns/op -o ../../docs/img peers.txt
//
// The recurrent nets (rnn's Elman, LSTM and GRU at D=H=256, T=100, batch
// 1 and 32, one thread) are timed against PyTorch and ONNX Runtime by two
// scripts run by hand; neither CI nor the library needs Python or Node.
// torch_rnn.py (Debian's python3-torch and libopenblas0-pthread) times
// torch once with OpenBLAS's own kernels and once with
// OPENBLAS_CORETYPE=SkylakeX (left out, with a message, on a CPU without
// AVX-512); ort_rnn.mjs times onnxruntime-node (from package-lock.json,
// installed without its install script, which only fetches GPU parts) on
// models torch.onnx.export wrote at opset 14, after checking that ONNX
// Runtime's output matches torch's. Both print Go benchmark lines
// (BenchmarkTorch/LSTM/B=1/blas=default, BenchmarkORT/LSTM/B=1, ns/op and
// cpu-us/seq, an op being one call over the whole batch), each line the
// median of one round of calls:
//
//	npm ci --ignore-scripts
//	/usr/bin/python3 onnx_rnn_export.py    # writes onnx/ (.gitignored)
//	node ort_rnn.mjs -count 6 > ort.txt
//	/usr/bin/python3 torch_rnn.py --gobench 6 > torch.txt
//	(cd ../.. && go test -run '^$' -bench '^Benchmark(RNN|Gated)$' -count 6 .) > go.txt
//	benchstat -table '' -col '' -row .fullname go.txt torch.txt ort.txt
//
// torch_rnn.py --interleave N alternates torch's timings with the Go
// benchmark and prints the table of ratios BENCHMARKS.md records.
package peers
