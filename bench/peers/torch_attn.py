#!/usr/bin/env python3
"""PyTorch one-thread timings for simdcore's attn package.

Run by hand with Debian's python3-torch (apt-get install -y python3-torch)
and libopenblas0-pthread (without it Debian's torch runs on the reference
BLAS, several times slower, which would flatter simdcore), in the same
sitting as the Go benchmarks (bench_attn_test.go):

    /usr/bin/python3 bench/peers/torch_attn.py                 # torch only
    /usr/bin/python3 bench/peers/torch_attn.py --interleave 5  # both, in turn

--interleave N runs, N times in turn, these timings and
`go test -run '^$' -bench 'BenchmarkAttn' -count 1 .` (from the module
root, with SIMDCORE_BENCH_LEVEL=avx512 unless --level says otherwise),
then prints the median CPU time of each workload on both sides and the
ratio torch/simdcore, so that both see the same machine load.

The same shapes as BenchmarkAttn*, float32, torch.set_num_threads(1),
under torch.inference_mode():

  query    one query against n=1024 keys and values of width 64:
           softmax(K @ q / 8) @ V. torch 1.13 has no
           F.scaled_dot_product_attention (it came in 2.0), so the ops are
           composed; if it exists, it is timed too.
  self     single-head self-attention T×64 (T=256, 1024), full and causal
           (composed: masked_fill of a precomputed upper triangle).
  decode   one token through d_model=512, H=8 attention against a
           preallocated KV cache holding n-1 tokens (n=1024, 4096): the
           in-projection (F.linear), the append (a copy into the cache),
           batched per-head scores, softmax, weighted values and the
           out-projection. This is how an inference loop uses torch; an
           nn.MultiheadAttention call would re-project every cached token.
  prefill  nn.MultiheadAttention(512, 8, batch_first=True) self-attention
           of T=256 and 1024 tokens with a causal attn_mask,
           need_weights=False (the issue's reference measurement).

Each figure is the median over `rounds` rounds of the mean of `reps` calls
after a warm-up, as wall time and process CPU time (time.process_time,
steadier on a machine shared with other jobs).
"""
import argparse
import math
import os
import re
import statistics
import subprocess
import time

# One thread everywhere: OpenBLAS's own pool needs its variable set before
# the library loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F


def bench(fn, rounds=9, target=0.05):
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    reps = max(1, min(20000, int(target / one)))
    wall, cpu = [], []
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(reps):
            fn()
        wall.append((time.perf_counter() - t0) / reps)
        cpu.append((time.process_time() - c0) / reps)
    return statistics.median(wall), statistics.median(cpu)


RESULTS = {}


def report(name, res):
    w, c = res
    RESULTS[name] = (w * 1e6, c * 1e6)
    print(f"torch_attn {name}: {w*1e6:.2f} us/op, {c*1e6:.2f} cpu-us/op", flush=True)


def timings():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    with torch.inference_mode():
        # Single query.
        n, d = 1024, 64
        K, V, q = torch.rand(n, d) * 2 - 1, torch.rand(n, d) * 2 - 1, torch.rand(d) * 2 - 1
        scale = 1 / math.sqrt(d)
        report(f"query n={n} d={d} composed", bench(lambda: torch.softmax((K @ q) * scale, 0) @ V))
        if hasattr(F, "scaled_dot_product_attention"):
            q4, K4, V4 = q.view(1, 1, 1, d), K.view(1, 1, n, d), V.view(1, 1, n, d)
            report(f"query n={n} d={d} sdpa", bench(lambda: F.scaled_dot_product_attention(q4, K4, V4)))

        # Single-head self-attention.
        for T in (256, 1024):
            Q, Kt, Vt = (torch.rand(T, d) * 2 - 1 for _ in range(3))
            upper = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            report(f"self T={T} d={d} full", bench(lambda: torch.softmax((Q @ Kt.T) * scale, -1) @ Vt))
            report(f"self T={T} d={d} causal",
                   bench(lambda: torch.softmax(((Q @ Kt.T) * scale).masked_fill_(upper, -math.inf), -1) @ Vt))

        # Decode against a KV cache.
        e, h = 512, 8
        dh = e // h
        mha = torch.nn.MultiheadAttention(e, h, batch_first=True)
        w_in, b_in = mha.in_proj_weight, mha.in_proj_bias
        w_out, b_out = mha.out_proj.weight, mha.out_proj.bias
        for n in (1024, 4096):
            kc = torch.rand(h, n, dh) * 2 - 1
            vc = torch.rand(h, n, dh) * 2 - 1
            x = torch.rand(e) * 2 - 1

            def step():
                qkv = F.linear(x, w_in, b_in)
                qh = qkv[:e].view(h, 1, dh)
                kc[:, n - 1, :] = qkv[e:2 * e].view(h, dh)
                vc[:, n - 1, :] = qkv[2 * e:].view(h, dh)
                s = torch.bmm(qh, kc.transpose(1, 2)) * (1 / math.sqrt(dh))
                ctx = torch.bmm(torch.softmax(s, -1), vc)
                return F.linear(ctx.reshape(e), w_out, b_out)
            report(f"decode n={n} H={h} dmodel={e}", bench(step))

        # Causal prefill through nn.MultiheadAttention.
        for T in (256, 1024):
            x = torch.rand(1, T, e) * 2 - 1
            mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            report(f"prefill T={T} H={h} dmodel={e} causal",
                   bench(lambda: mha(x, x, x, attn_mask=mask, need_weights=False), rounds=7, target=0.3))


# torch workload -> the Go benchmark it is compared with.
PAIRS = {
    "query n=1024 d=64 composed": "AttnQuery/n=1024/d=64/level={level}",
    "self T=256 d=64 full": "AttnSelf/T=256/d=64/causal=false/level={level}",
    "self T=256 d=64 causal": "AttnSelf/T=256/d=64/causal=true/level={level}",
    "self T=1024 d=64 full": "AttnSelf/T=1024/d=64/causal=false/level={level}",
    "self T=1024 d=64 causal": "AttnSelf/T=1024/d=64/causal=true/level={level}",
    "decode n=1024 H=8 dmodel=512": "AttnDecode/n=1024/H=8/dmodel=512/threads=1/level={level}",
    "decode n=4096 H=8 dmodel=512": "AttnDecode/n=4096/H=8/dmodel=512/threads=1/level={level}",
    "prefill T=256 H=8 dmodel=512 causal": "AttnPrefill/T=256/H=8/dmodel=512/causal/threads=1/level={level}",
    "prefill T=1024 H=8 dmodel=512 causal": "AttnPrefill/T=1024/H=8/dmodel=512/causal/threads=1/level={level}",
}


def go_round(root, level):
    env = dict(os.environ, SIMDCORE_BENCH_LEVEL=level)
    out = subprocess.run(["go", "test", "-run", "^$", "-bench", "BenchmarkAttn", "-count", "1", "."],
                         cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"Benchmark(\S+?)-\d+\s+\d+\s+.*?([\d.]+) cpu-us/op\s+([\d.]+) us/op", line)
        if m:
            res[m.group(1)] = (float(m.group(3)), float(m.group(2)))
    return res


def interleave(n, level):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    torch_runs, go_runs = [], []
    for i in range(n):
        RESULTS.clear()
        timings()
        torch_runs.append(dict(RESULTS))
        go_runs.append(go_round(root, level))
        print(f"round {i+1}/{n} done", flush=True)
    print(f"\nmedians over {n} interleaved rounds (CPU time; wall time in brackets), simdcore level {level}:")
    print("| workload | torch cpu-us | simdcore cpu-us | torch/simdcore |")
    print("|---|---|---|---|")
    for tname, gpat in PAIRS.items():
        gname = gpat.format(level=level)
        tc = [r[tname][1] for r in torch_runs if tname in r]
        gc = [r[gname][1] for r in go_runs if gname in r]
        tw = [r[tname][0] for r in torch_runs if tname in r]
        gw = [r[gname][0] for r in go_runs if gname in r]
        if not tc or not gc:
            print(f"| {tname} | missing | missing | |")
            continue
        t, g = statistics.median(tc), statistics.median(gc)
        print(f"| {tname} | {t:.1f} ({statistics.median(tw):.1f}) | {g:.2f} ({statistics.median(gw):.2f}) | {t/g:.2f}× |")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--interleave", type=int, default=0)
    ap.add_argument("--level", default="avx512")
    a = ap.parse_args()
    if a.interleave:
        interleave(a.interleave, a.level)
    else:
        timings()
