#!/usr/bin/env bash
# Used for "Silero VAD against ONNX Runtime" in BENCHMARKS.md: ROUNDS alternating rounds of
# vad's BenchmarkSileroChunk and bench/peers/ort_vad.mjs (one thread each) on the test recording.
set -eu
ROUNDS=${ROUNDS:-4}
OUT=${OUT:-/tmp/vadbench}
mkdir -p "$OUT"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
go test -c -o "$OUT/vad.bin" ./vad >/dev/null
(cd bench/peers && [ -d node_modules ] || npm ci --ignore-scripts >/dev/null 2>&1)
: > "$OUT/go.txt"; : > "$OUT/ort.txt"
for r in $(seq "$ROUNDS"); do
	(cd vad && "$OUT/vad.bin" -test.run '^$' -test.bench 'SileroChunk' -test.benchtime 2s -test.count 1) >> "$OUT/go.txt"
	node bench/peers/ort_vad.mjs -rounds 3 testdata/vad/speech16k.wav >> "$OUT/ort.txt"
done
