#!/usr/bin/env bash
# Used for "LSTM and GRU against PyTorch and ONNX Runtime" in BENCHMARKS.md.
# One interleaved timing of Go (rnn), torch and ONNX Runtime for the RNN/LSTM/GRU rows:
# ROUNDS rounds, each: the Go benchmarks once, torch once, ORT once. Output in OUT/.
set -eu
ROUNDS=${ROUNDS:-6}
OUT=${OUT:-/tmp/gated}
mkdir -p "$OUT"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
go test -c -o "$OUT/simdcore.test" . >/dev/null
cd bench/peers
[ -d node_modules ] || npm ci --ignore-scripts >/dev/null 2>&1
[ -d onnx ] || /usr/bin/python3 onnx_rnn_export.py >/dev/null
: > "$OUT/go.txt"; : > "$OUT/torch.txt"; : > "$OUT/ort.txt"
for r in $(seq "$ROUNDS"); do
	(cd "$ROOT" && "$OUT/simdcore.test" -test.run '^$' -test.bench '^Benchmark(RNN|Gated|GatedStep|Bounds)$' -test.count 1 -test.benchtime 1s) >> "$OUT/go.txt"
	/usr/bin/python3 torch_rnn.py --gobench 1 >> "$OUT/torch.txt" 2>>"$OUT/torch.err"
	node ort_rnn.mjs -count 1 -cells LSTM,GRU,RNN >> "$OUT/ort.txt" 2>>"$OUT/ort.err"
done
