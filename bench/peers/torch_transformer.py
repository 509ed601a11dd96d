#!/usr/bin/env python3
"""PyTorch one-thread timings for simdcore's nn package, in Go benchmark
format (for benchstat, beside BenchmarkTransformerEncoderLayer in
bench_nn_test.go).

Run by hand with Debian's python3-torch (apt-get install -y python3-torch)
and libopenblas0-pthread (without it Debian's torch runs on the reference
BLAS, several times slower, which would flatter simdcore), in the same
sitting as the Go benchmark:

    /usr/bin/python3 bench/peers/torch_transformer.py -count 6 | tee torch_nn.txt
    go test -run '^$' -bench 'TransformerEncoderLayer' -count 6 . | tee nn.txt

The shapes of BenchmarkTransformerEncoderLayer: one
nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024,
dropout=0, batch_first=True) in eval mode under torch.inference_mode()
(so torch 1.13 may take its fused fast path), float32,
torch.set_num_threads(1), on a 1×128×256 input, without a mask and with
the causal mask (a boolean upper triangle as src_mask).

Each line is one round: the calls of about `seconds` after a warm-up,
their median wall time (ns/op, us/op) and the process CPU time per call
(cpu-us/op, steadier on a machine shared with other jobs).
"""
import argparse
import math
import os
import statistics
import sys
import time

# One thread everywhere: OpenBLAS's own pool needs its variable set before
# the library loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

T, D, H, FFN = 128, 256, 4, 1024


def time_calls(fn, seconds):
    fn()
    once = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        once = min(once, time.perf_counter() - t0)
    calls = max(5, min(10000, math.ceil(seconds / once)))
    ns = []
    c0 = time.process_time()
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        ns.append(time.perf_counter_ns() - t0)
    cpu = (time.process_time() - c0) / calls * 1e6
    return calls, statistics.median(ns), cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-count", "--count", type=int, default=1, help="rounds per workload")
    ap.add_argument("--seconds", type=float, default=1.0, help="time per round")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D, H, FFN, dropout=0.0, batch_first=True).eval()
    x = torch.rand(1, T, D) * 2 - 1
    causal = torch.ones(T, T, dtype=torch.bool).triu(1)
    print(f"goos: {sys.platform}")
    print("pkg: bench/peers/torch_transformer.py")
    print(f"torch: {torch.__version__}")
    print(f"threads: {torch.get_num_threads()}", flush=True)
    flops = 2.0 * T * D * 4 * D + 4.0 * T * D * FFN + 4.0 * T * T * D
    with torch.inference_mode():
        for _ in range(a.count):
            for is_causal in (False, True):
                mask = causal if is_causal else None
                calls, ns, cpu = time_calls(lambda: layer(x, src_mask=mask), a.seconds)
                f = flops - (2.0 * T * T * D if is_causal else 0)
                print(f"BenchmarkTransformerEncoderLayer/T={T}/dmodel={D}/H={H}/ffn={FFN}/causal={str(is_causal).lower()}"
                      f"/peer=torch\t{calls}\t{ns:.0f} ns/op\t{f / ns:.3f} GFLOP/s\t{cpu:.0f} cpu-us/op\t{ns / 1e3:.0f} us/op",
                      flush=True)


if __name__ == "__main__":
    main()
