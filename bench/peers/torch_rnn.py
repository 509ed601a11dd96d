#!/usr/bin/env python3
"""PyTorch timing (and parity fixtures) for simdcore's rnn package.

Run by hand with Debian's python3-torch (apt-get install -y python3-torch),
one thread, in the same sitting as the Go benchmark. Install
libopenblas0-pthread too, as PEERS.md's measurements did: without it
Debian's torch links the unoptimised reference BLAS (libblas3) and runs
several times slower, which would flatter simdcore.

    /usr/bin/python3 bench/peers/torch_rnn.py            # timings
    /usr/bin/python3 bench/peers/torch_rnn.py --fixtures testdata/rnn_torch.json

Timings: torch.nn.RNN(tanh) under torch.no_grad(), input T×B×D (seq-first),
D=H=256, T=100, batch 1 and 32, and D=H=1024 batch 1: the same shapes as
BenchmarkRNN in bench_rnn_test.go. Each figure is the median of `rounds`
rounds, each round the mean of `reps` calls after a warm-up; both wall time
and process CPU time (time.process_time, steadier on a shared machine) are
printed.

Interleaved with the Go benchmark (the figures BENCHMARKS.md records):

    /usr/bin/python3 bench/peers/torch_rnn.py --interleave 5

runs, 5 times in turn, this script's timings (in a fresh interpreter for
each OPENBLAS_CORETYPE in --coretypes: by default OpenBLAS's own choice,
which is Haswell on this Zen 5, and SkylakeX, its AVX-512 kernels, which
make torch's batch-1 RNN about 3× faster here) and
`go test -run '^$' -bench '^BenchmarkRNN$' -count 1 .` from the module root,
then prints the median of each figure (wall and CPU time) and the ratios
torch/simdcore, so that both sides see the same machine load.

Fixtures: small networks in several topologies (stacked, bidirectional,
relu, no bias) with their weights under torch.nn.RNN's names, an input and
torch's output and h_n, written as JSON for rnn's TestTorchParity.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

# One thread everywhere: torch.set_num_threads covers OpenMP; OpenBLAS's
# own pool needs its variable set before the library loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402


def time_rnn(d, h, t, b, rounds=7, reps=None):
    torch.manual_seed(0)
    rnn = torch.nn.RNN(d, h, nonlinearity="tanh")
    x = torch.rand(t, b, d) * 2 - 1
    if reps is None:
        # About 0.1 s per round at ~30 GFLOP/s.
        reps = min(100, max(3, int(0.1 / (t * b * h * (d + h) * 2 / 3e10))))
    with torch.no_grad():
        for _ in range(3):
            rnn(x)
        res, cpu = [], []
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(reps):
                rnn(x)
            res.append((time.perf_counter() - t0) / reps)
            cpu.append((time.process_time() - c0) / reps)
    return statistics.median(res), statistics.median(cpu)


SHAPES = [(256, 256, 1), (256, 256, 32), (1024, 1024, 1)]


def timings(quiet=False):
    torch.set_num_threads(1)
    if not quiet:
        print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    out = {}
    for d, h, b in SHAPES:
        s, c = time_rnn(d, h, 100, b, rounds=3 if quiet else 7)
        out[(d, h, b)] = (s * 1e6, c * 1e6)
        if not quiet:
            print(f"torch_rnn D={d} H={h} T=100 batch={b}: {s*1e6:.1f} us/seq (whole batch), "
                  f"{c*1e6:.1f} cpu-us/seq, {s*1e6/100:.2f} us/step")
    return out


def go_timings(root):
    """One run of BenchmarkRNN; returns {(d,h,b): (us/seq, cpu-us/seq)}."""
    res = subprocess.run(["go", "test", "-run", "^$", "-bench", "^BenchmarkRNN$", "-count", "1", "."],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    out = {}
    for line in res.splitlines():
        m = re.match(r"BenchmarkRNN/D=(\d+)_H=(\d+)_T=100/batch=(\d+)\S*\s", line)
        if not m:
            continue
        wall = float(re.search(r"([\d.]+) us/seq", line).group(1))
        cpu = float(re.search(r"([\d.]+) cpu-us/seq", line).group(1))
        out[tuple(int(g) for g in m.groups())] = (wall, cpu)
    return out


def torch_subprocess(coretype):
    """timings() in a fresh interpreter with OPENBLAS_CORETYPE set (it is
    read when OpenBLAS loads); "" keeps OpenBLAS's own choice."""
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    return {tuple(r["shape"]): (r["wall"], r["cpu"]) for r in json.loads(res)}


def interleave(n, coretypes):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    runs = {ct: [] for ct in coretypes}
    go_runs = []
    for i in range(n):
        for ct in coretypes:
            runs[ct].append(torch_subprocess(ct))
        go_runs.append(go_timings(root))
        print(f"round {i+1}/{n}: " + "; ".join(f"torch[{ct or 'default'}] {runs[ct][-1]}" for ct in coretypes)
              + f"; go {go_runs[-1]}", flush=True)
    med = lambda rs, key, j: statistics.median(r[key][j] for r in rs)
    print(f"\ntorch {torch.__version__} one thread vs simdcore (SetThreads(1)), median of {n} interleaved rounds")
    print("| shape | peer | peer us/seq | simdcore us/seq | speed-up (wall) | peer cpu-us/seq | simdcore cpu-us/seq | speed-up (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for key in SHAPES:
        gw, gc = med(go_runs, key, 0), med(go_runs, key, 1)
        d, h, b = key
        for ct in coretypes:
            tw, tc = med(runs[ct], key, 0), med(runs[ct], key, 1)
            peer = f"torch, OpenBLAS {ct}" if ct else "torch, OpenBLAS default"
            print(f"| D={d} H={h} T=100 batch={b} | {peer} | {tw:.0f} | {gw:.0f} | {tw/gw:.2f}× | {tc:.0f} | {gc:.0f} | {tc/gc:.2f}× |")


def fixtures(path):
    torch.manual_seed(1234)
    cases = []
    specs = [
        dict(name="tanh-1layer", input=3, hidden=4, layers=1, bidirectional=False, nonlinearity="tanh", bias=True, T=5),
        dict(name="relu-stacked", input=3, hidden=5, layers=2, bidirectional=False, nonlinearity="relu", bias=True, T=6),
        dict(name="tanh-bidir-stacked", input=2, hidden=3, layers=2, bidirectional=True, nonlinearity="tanh", bias=True, T=4),
        dict(name="tanh-nobias", input=4, hidden=3, layers=1, bidirectional=False, nonlinearity="tanh", bias=False, T=3),
    ]
    for s in specs:
        rnn = torch.nn.RNN(s["input"], s["hidden"], num_layers=s["layers"], nonlinearity=s["nonlinearity"],
                           bias=s["bias"], bidirectional=s["bidirectional"])
        x = torch.rand(s["T"], 1, s["input"]) * 2 - 1
        with torch.no_grad():
            out, hn = rnn(x)
        c = dict(s)
        c["weights"] = {k: v.detach().reshape(-1).tolist() for k, v in rnn.state_dict().items()}
        c["x"] = x.reshape(-1).tolist()
        c["output"] = out.reshape(-1).tolist()
        c["h_n"] = hn.reshape(-1).tolist()
        cases.append(c)
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", help="write parity fixtures to this JSON file instead of timing")
    ap.add_argument("--interleave", type=int, default=0, help="alternate N rounds with the Go benchmark")
    ap.add_argument("--coretypes", default=",SkylakeX",
                    help="comma-separated OPENBLAS_CORETYPE values for --interleave ('' = OpenBLAS's own choice)")
    ap.add_argument("--json", action="store_true", help="print the timings as JSON (used by --interleave)")
    a = ap.parse_args()
    if a.fixtures:
        fixtures(a.fixtures)
    elif a.json:
        print(json.dumps([{"shape": list(k), "wall": v[0], "cpu": v[1]} for k, v in timings(quiet=True).items()]))
    elif a.interleave:
        interleave(a.interleave, a.coretypes.split(","))
    else:
        timings()
