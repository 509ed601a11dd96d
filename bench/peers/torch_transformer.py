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

And BenchmarkTransformerLMDecode's: one token of a 4-layer pre-norm
transformer LM (d_model 256, 4 heads, ffn 1024, relu, vocabulary 256)
after 1024 cached tokens, composed of torch's ops as simdcore's
State.Step composes its kernels (torch has no decoding layer with a key/
value cache): per layer layer_norm, the packed q/k/v projection, the new
key and value written into preallocated 1025-row caches, q·Kᵀ/√d_head,
softmax, ·V, the output projection, the residual, layer_norm and the
feed-forward block; then the final layer_norm, the head and a softmax.

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

# The OpenBLAS kernels in use, in the row names when chosen by
# OPENBLAS_CORETYPE (scripts/transformer_round.sh runs both the default
# and SkylakeX, its AVX-512 kernels, and BENCHMARKS.md takes the faster).
BLAS = "/blas=" + os.environ["OPENBLAS_CORETYPE"] if os.environ.get("OPENBLAS_CORETYPE") else ""

# One thread everywhere: OpenBLAS's own pool needs its variable set before
# the library loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

T, D, H, FFN = 128, 256, 4, 1024
LAYERS, VOCAB, PAST = 4, 256, 1024


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
                      f"/peer=torch{BLAS}\t{calls}\t{ns:.0f} ns/op\t{f / ns:.3f} GFLOP/s\t{cpu:.0f} cpu-us/op\t{ns / 1e3:.0f} us/op",
                      flush=True)
    decode_rounds(a.count, a.seconds)


class Decoder:
    """BenchmarkTransformerLMDecode's model as torch ops over caches of
    PAST+1 rows, filled with PAST random keys and values."""

    def __init__(self):
        F = torch.nn.functional
        self.F = F
        self.layers = []
        dh = D // H
        for _ in range(LAYERS):
            lay = {
                "n1": (torch.ones(D), torch.zeros(D)), "n2": (torch.ones(D), torch.zeros(D)),
                "in_w": torch.randn(3 * D, D) / math.sqrt(D), "in_b": torch.zeros(3 * D),
                "out_w": torch.randn(D, D) / math.sqrt(D), "out_b": torch.zeros(D),
                "w1": torch.randn(FFN, D) / math.sqrt(D), "b1": torch.zeros(FFN),
                "w2": torch.randn(D, FFN) / math.sqrt(FFN), "b2": torch.zeros(D),
                "k": torch.randn(H, PAST + 1, dh), "v": torch.randn(H, PAST + 1, dh),
            }
            self.layers.append(lay)
        self.norm = (torch.ones(D), torch.zeros(D))
        self.head_w, self.head_b = torch.randn(VOCAB, D) / math.sqrt(D), torch.zeros(VOCAB)
        self.embed = torch.randn(VOCAB, D)
        self.pos = torch.randn(PAST + 1, D)

    def step(self, tok):
        F, dh = self.F, D // H
        x = self.embed[tok] + self.pos[PAST]
        for lay in self.layers:
            a = F.layer_norm(x, (D,), *lay["n1"])
            qkv = F.linear(a, lay["in_w"], lay["in_b"])
            q, k, v = qkv.view(3, H, 1, dh)
            lay["k"][:, PAST:PAST + 1] = k
            lay["v"][:, PAST:PAST + 1] = v
            s = torch.matmul(q, lay["k"].transpose(1, 2)) / math.sqrt(dh)
            ctx = torch.matmul(torch.softmax(s, dim=-1), lay["v"]).reshape(D)
            x = x + F.linear(ctx, lay["out_w"], lay["out_b"])
            b = F.layer_norm(x, (D,), *lay["n2"])
            x = x + F.linear(F.relu(F.linear(b, lay["w1"], lay["b1"])), lay["w2"], lay["b2"])
        h = F.layer_norm(x, (D,), *self.norm)
        return torch.softmax(F.linear(h, self.head_w, self.head_b), dim=-1)


def decode_rounds(count, seconds):
    dec = Decoder()
    flops = LAYERS * (2.0 * D * 4 * D + 4.0 * D * FFN + 4.0 * (PAST + 1) * D) + 2.0 * D * VOCAB
    with torch.inference_mode():
        for _ in range(count):
            calls, ns, cpu = time_calls(lambda: dec.step(3), seconds)
            print(f"BenchmarkTransformerLMDecode/layers={LAYERS}/dmodel={D}/H={H}/ffn={FFN}/vocab={VOCAB}/cache={PAST}"
                  f"/peer=torch{BLAS}\t{calls}\t{ns:.0f} ns/op\t{flops / ns:.3f} GFLOP/s\t{cpu:.0f} cpu-us/op\t{ns / 1e3:.0f} us/op",
                  flush=True)


if __name__ == "__main__":
    main()
