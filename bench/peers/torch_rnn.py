#!/usr/bin/env python3
"""PyTorch timing (and parity fixtures) for simdcore's rnn package.

Run by hand with Debian's python3-torch (apt-get install -y python3-torch),
one thread, in the same sitting as the Go benchmark. Install
libopenblas0-pthread too, as PEERS.md's measurements did: without it
Debian's torch links the unoptimised reference BLAS (libblas3) and runs
several times slower, which would flatter simdcore.

    /usr/bin/python3 bench/peers/torch_rnn.py            # timings
    /usr/bin/python3 bench/peers/torch_rnn.py --fixtures testdata/rnn_torch.json

Timings: torch.nn.RNN(tanh), nn.LSTM and nn.GRU under torch.no_grad(),
input T×B×D (seq-first), zero initial state, T=100: D=H=256 at batch 1
and 32 for every cell, and D=H=1024 batch 1 for the Elman net (the shapes
of BenchmarkRNN in bench_rnn_test.go and of issue 14's LSTM/GRU targets).
Each figure is the median of `rounds` rounds, each round the mean of
`reps` calls after a warm-up; both wall time and process CPU time
(time.process_time, steadier on a shared machine) are printed. --cells
LSTM,GRU restricts the cells.

Interleaved with the Go benchmark (the figures BENCHMARKS.md records):

    /usr/bin/python3 bench/peers/torch_rnn.py --interleave 5

runs, 5 times in turn, this script's timings (in a fresh interpreter for
each OPENBLAS_CORETYPE in --coretypes: by default OpenBLAS's own choice,
which is Haswell on a Zen 5, and SkylakeX, its AVX-512 kernels, which
make torch's batch-1 RNN about 3× faster there) and
`go test -run '^$' -bench '^Benchmark(RNN|Gated)$' -count 1 .` from the
module root (--go-bench changes the pattern; lines named
BenchmarkRNN/D=…_H=…_T=100/batch=… and BenchmarkGated/{lstm,gru}/D=…
are read, a shape Go did not report shows —), then prints the median of each figure (wall and CPU
time) and the ratios torch/simdcore, so that both sides see the same
machine load. A coretype whose kernels the CPU cannot run (SkylakeX
without AVX-512 dies of SIGILL) is reported and left out.

In Go benchmark format, for benchstat with Go's and ONNX Runtime's
(ort_rnn.mjs) figures:

    /usr/bin/python3 bench/peers/torch_rnn.py --gobench 6 > torch.txt

prints, 6 rounds, each coretype in turn in a fresh interpreter, one line
per cell and batch at D=H=256, T=100:
BenchmarkTorch/LSTM/B=1/blas=SkylakeX <calls> <median ns per call> ns/op
<process CPU µs per call> cpu-us/seq, an op being one call over the whole
batch (cpu-us/seq is BenchmarkRNN's own metric, so benchstat puts the two
side by side). --cells and --batches (default 1,32) select the cases.

Fixtures: small networks in several topologies (stacked, bidirectional,
relu, no bias) with their weights under torch.nn.RNN's names, an input and
torch's output and h_n, written as JSON for rnn's TestTorchParity.
"""
import argparse
import json
import math
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


CELLS = {"RNN": 1, "LSTM": 4, "GRU": 3}  # gate blocks per cell


def make_rnn(cell, d, h):
    """torch's module for cell: nn.RNN (tanh), nn.LSTM or nn.GRU."""
    if cell == "RNN":
        return torch.nn.RNN(d, h, nonlinearity="tanh")
    return {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[cell](d, h)


def case_input(cell, d, h, t, b):
    torch.manual_seed(0)
    return make_rnn(cell, d, h), torch.rand(t, b, d) * 2 - 1


def time_rnn(cell, d, h, t, b, rounds=7, reps=None):
    rnn, x = case_input(cell, d, h, t, b)
    if reps is None:
        # About 0.1 s per round at ~30 GFLOP/s.
        reps = min(100, max(3, int(0.1 / (CELLS[cell] * t * b * h * (d + h) * 2 / 3e10))))
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


# (cell, D, H, batch), T=100: BenchmarkRNN's shapes for the Elman net, and
# issue 14's for LSTM and GRU.
SHAPES = [("RNN", 256, 256, 1), ("RNN", 256, 256, 32), ("RNN", 1024, 1024, 1),
          ("LSTM", 256, 256, 1), ("LSTM", 256, 256, 32), ("GRU", 256, 256, 1), ("GRU", 256, 256, 32)]


def timings(quiet=False, cells=None):
    torch.set_num_threads(1)
    if not quiet:
        print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    out = {}
    for cell, d, h, b in SHAPES:
        if cells and cell not in cells:
            continue
        s, c = time_rnn(cell, d, h, 100, b, rounds=3 if quiet else 7)
        out[(cell, d, h, b)] = (s * 1e6, c * 1e6)
        if not quiet:
            print(f"torch_rnn {cell} D={d} H={h} T=100 batch={b}: {s*1e6:.1f} us/seq (whole batch), "
                  f"{c*1e6:.1f} cpu-us/seq, {s*1e6/100:.2f} us/step")
    return out


def go_timings(root, bench):
    """One run of the Go benchmarks matching bench; returns
    {(cell,d,h,b): (us/seq, cpu-us/seq)} from the lines named
    BenchmarkRNN/D=…_H=…_T=100/batch=… (the Elman net) and
    BenchmarkGated/{lstm,gru}/D=…_H=…_T=100/batch=…"""
    res = subprocess.run(["go", "test", "-run", "^$", "-bench", bench, "-count", "1", "."],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    out = {}
    for line in res.splitlines():
        m = re.match(r"Benchmark(?:RNN|Gated/(lstm|gru))/D=(\d+)_H=(\d+)_T=100/batch=(\d+)\S*\s", line)
        if not m:
            continue
        wall = float(re.search(r"([\d.]+) us/seq", line).group(1))
        cpu = float(re.search(r"([\d.]+) cpu-us/seq", line).group(1))
        out[((m.group(1) or "rnn").upper(),) + tuple(int(g) for g in m.groups()[1:])] = (wall, cpu)
    return out


SIGILL = 4


def torch_subprocess(coretype, args):
    """This script with args in a fresh interpreter with OPENBLAS_CORETYPE
    set (it is read when OpenBLAS loads; "" keeps OpenBLAS's own choice).
    Returns its stdout, or None if OpenBLAS's kernels for coretype do not
    run on this CPU (SkylakeX without AVX-512 dies of SIGILL)."""
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    res = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, env=env,
                         capture_output=True, text=True)
    if res.returncode in (-SIGILL, 128 + SIGILL):
        print(f"# OPENBLAS_CORETYPE={coretype}: illegal instruction, this CPU cannot run those kernels; "
              "left out", file=sys.stderr, flush=True)
        return None
    if res.returncode != 0:
        raise RuntimeError(f"OPENBLAS_CORETYPE={coretype} {args}: exit {res.returncode}\n{res.stderr}")
    return res.stdout


def interleave(n, coretypes, bench, cells):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    runs = {ct: [] for ct in coretypes}
    go_runs = []
    for i in range(n):
        for ct in list(runs):
            out = torch_subprocess(ct, ["--json", "--cells", ",".join(cells)])
            if out is None:
                del runs[ct]
                continue
            runs[ct].append({tuple(r["shape"]): (r["wall"], r["cpu"]) for r in json.loads(out)})
        go_runs.append(go_timings(root, bench))
        print(f"round {i+1}/{n}: " + "; ".join(f"torch[{ct or 'default'}] {runs[ct][-1]}" for ct in runs)
              + f"; go {go_runs[-1]}", flush=True)
    med = lambda rs, key, j: statistics.median(r[key][j] for r in rs)
    print(f"\ntorch {torch.__version__} one thread vs simdcore (SetThreads(1)), median of {n} interleaved rounds")
    print("| shape | peer | peer us/seq | simdcore us/seq | speed-up (wall) | peer cpu-us/seq | simdcore cpu-us/seq | speed-up (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for key in (k for k in SHAPES if k[0] in cells):
        cell, d, h, b = key
        have_go = all(key in r for r in go_runs)
        gw, gc = (med(go_runs, key, 0), med(go_runs, key, 1)) if have_go else (None, None)
        for ct in runs:
            tw, tc = med(runs[ct], key, 0), med(runs[ct], key, 1)
            peer = f"torch, OpenBLAS {ct}" if ct else "torch, OpenBLAS default"
            go = (lambda g, t: (f"{g:.0f}", f"{t/g:.2f}×")) if have_go else (lambda g, t: ("—", "—"))
            print(f"| {cell} D={d} H={h} T=100 batch={b} | {peer} | {tw:.0f} | {' | '.join(go(gw, tw))} | "
                  f"{tc:.0f} | {' | '.join(go(gc, tc))} |")


def gobench_round(coretype, cells, batches, seconds=0.25):
    """One round of every (cell, batch) case at D=H=256, T=100, each
    printed as a Go benchmark line: the median wall time of single calls
    (ns/op) and the process CPU time per call (cpu-us/seq, BenchmarkRNN's
    name for it), over calls for about `seconds` at the pace of the
    fastest of three warm-up calls (after a first)."""
    torch.set_num_threads(1)
    blas = coretype or "default"
    for cell in cells:
        for b in batches:
            rnn, x = case_input(cell, 256, 256, 100, b)
            with torch.no_grad():
                rnn(x)
                once = math.inf
                for _ in range(3):
                    t0 = time.perf_counter()
                    rnn(x)
                    once = min(once, time.perf_counter() - t0)
                calls = max(5, min(1000, math.ceil(seconds / once)))
                ns = []
                c0 = time.process_time()
                for _ in range(calls):
                    t0 = time.perf_counter_ns()
                    rnn(x)
                    ns.append(time.perf_counter_ns() - t0)
                cpu = (time.process_time() - c0) / calls * 1e6
            print(f"BenchmarkTorch/{cell}/B={b}/blas={blas}\t{calls}\t{statistics.median(ns):.0f} ns/op\t"
                  f"{cpu:.1f} cpu-us/seq", flush=True)


def gobench(n, coretypes, cells, batches):
    """n rounds, each running every coretype in turn in a fresh
    interpreter, printed in Go benchmark format for benchstat."""
    print(f"goos: {sys.platform}")
    print("pkg: bench/peers/torch_rnn.py")
    print(f"torch: {torch.__version__}")
    print("shape: D=H=256 T=100")
    print("threads: 1", flush=True)
    live = list(coretypes)
    args = ["--gobench-round", "--cells", ",".join(cells), "--batches", ",".join(map(str, batches))]
    for _ in range(n):
        for ct in list(live):
            out = torch_subprocess(ct, args)
            if out is None:
                live.remove(ct)
                continue
            print(out, end="", flush=True)


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
    ap.add_argument("--gobench", type=int, default=0,
                    help="N rounds of the D=H=256 cases, printed in Go benchmark format (for benchstat)")
    ap.add_argument("--coretypes", default=",SkylakeX",
                    help="comma-separated OPENBLAS_CORETYPE values for --interleave and --gobench "
                         "('' = OpenBLAS's own choice)")
    ap.add_argument("--cells", default="RNN,LSTM,GRU", help="cells to time: RNN (tanh), LSTM, GRU")
    ap.add_argument("--batches", default="1,32", help="batch sizes for --gobench")
    ap.add_argument("--go-bench", default="^Benchmark(RNN|Gated)$",
                    help="the go test -bench pattern --interleave runs")
    ap.add_argument("--json", action="store_true", help="print the timings as JSON (used by --interleave)")
    ap.add_argument("--gobench-round", action="store_true", help="one --gobench round (used by --gobench)")
    a = ap.parse_args()
    cells = a.cells.split(",")
    if not set(cells) <= set(CELLS):
        ap.error(f"--cells {a.cells}: want some of {','.join(CELLS)}")
    batches = [int(b) for b in a.batches.split(",")]
    if a.fixtures:
        fixtures(a.fixtures)
    elif a.json:
        print(json.dumps([{"shape": list(k), "wall": v[0], "cpu": v[1]}
                          for k, v in timings(quiet=True, cells=cells).items()]))
    elif a.gobench_round:
        gobench_round(os.environ.get("OPENBLAS_CORETYPE", ""), cells, batches)
    elif a.gobench:
        gobench(a.gobench, a.coretypes.split(","), cells, batches)
    elif a.interleave:
        interleave(a.interleave, a.coretypes.split(","), a.go_bench, cells)
    else:
        timings(cells=cells)
