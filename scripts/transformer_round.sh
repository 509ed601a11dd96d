#!/usr/bin/env bash
# Used for the transformer rows of BENCHMARKS.md: ROUNDS alternating rounds of the Go benchmarks
# (an encoder layer, one token of a 4-layer LM's decode, MHA prefill at 1 and 2 threads) and
# bench/peers/torch_transformer.py (torch one thread, with its default OpenBLAS kernels and, on an
# AVX-512 CPU, with OPENBLAS_CORETYPE=SkylakeX) on the same shapes. Output in OUT/.
set -eu
ROUNDS=${ROUNDS:-6}
OUT=${OUT:-/tmp/transformer}
mkdir -p "$OUT"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
go test -c -o "$OUT/simdcore.bin" . >/dev/null
: > "$OUT/go.txt"; : > "$OUT/torch.txt"
for r in $(seq "$ROUNDS"); do
	"$OUT/simdcore.bin" -test.run '^$' -test.bench '^Benchmark(TransformerEncoderLayer|TransformerLMDecode|AttnPrefill|Bounds)$' \
		-test.count 1 -test.benchtime 1s >> "$OUT/go.txt"
	/usr/bin/python3 bench/peers/torch_transformer.py -count 1 >> "$OUT/torch.txt" 2>>"$OUT/torch.err"
	# OpenBLAS's AVX-512 kernels, where the CPU runs them (SIGILL elsewhere: skipped).
	if grep -qw avx512f /proc/cpuinfo; then
		OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/peers/torch_transformer.py -count 1 >> "$OUT/torch.txt" 2>>"$OUT/torch.err"
	fi
done
