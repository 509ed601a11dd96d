#!/usr/bin/env bash
# Used for "The ONNX runner on torch's encoder layer" in BENCHMARKS.md: ROUNDS interleaved
# rounds, each timing `simdcore onnx time` of every binary given (BINS, default: this tree's
# command), ONNX Runtime (bench/peers/ort_encoder.mjs) and torch eager
# (bench/peers/onnx_encoder.py) on torch's encoder layer exported with relu and with gelu.
# One thread everywhere. Output: OUT/enc.txt, one Go benchmark line per timing.
set -eu
ROUNDS=${ROUNDS:-6}
OUT=${OUT:-/tmp/onnx_encoder}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
if [ -z "${BINS:-}" ]; then
	(cd "$ROOT" && go build -o "$OUT/simdcore" ./cmd/simdcore)
	BINS="$OUT/simdcore"
fi
[ -f "$OUT/models/gelu/model.onnx" ] || /usr/bin/python3 "$ROOT/bench/peers/onnx_encoder.py" export "$OUT/models" 2>/dev/null
(cd "$ROOT/bench/peers" && { [ -d node_modules ] || npm ci --ignore-scripts >/dev/null 2>&1; })
: > "$OUT/enc.txt"
for r in $(seq "$ROUNDS"); do
	for act in relu gelu; do
		d="$OUT/models/$act"
		for b in $BINS; do
			"$b" onnx time -for 1s -threads 1 "$d/model.onnx" "$d/test_data_set_0" |
				sed -n 's/.*median \([0-9.]*\)\(µs\|ms\).*/\1 \2/p' |
				awk -v m="$act" -v b="$(basename "$b")" '{v = $1 * ($2 == "ms" ? 1e6 : 1e3); printf "BenchmarkEncoderONNX/model=%s/impl=simdcore-%s 1 %d ns/op\n", m, b, v}' >> "$OUT/enc.txt"
		done
		node "$ROOT/bench/peers/ort_encoder.mjs" "$d" >> "$OUT/enc.txt"
		/usr/bin/python3 "$ROOT/bench/peers/onnx_encoder.py" time "$d" 2>/dev/null >> "$OUT/enc.txt"
	done
done
echo "benchstat -col /impl $OUT/enc.txt"
