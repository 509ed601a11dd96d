#!/usr/bin/env python3
"""PyTorch timing (and parity fixtures) for simdcore's rnn package.

Run by hand with Debian's python3-torch (apt-get install -y python3-torch),
one thread, in the same sitting as the Go benchmark:

    /usr/bin/python3 bench/peers/torch_rnn.py            # timings
    /usr/bin/python3 bench/peers/torch_rnn.py --fixtures testdata/rnn_torch.json

Timings: torch.nn.RNN(tanh) under torch.no_grad(), input T×B×D (seq-first),
D=H=256, T=100, batch 1 and 32, and D=H=1024 batch 1: the same shapes as
BenchmarkRNN in bench_rnn_test.go. Each figure is the median of `rounds`
rounds, each round the mean of `reps` calls after a warm-up; both wall time
and process CPU time (time.process_time, steadier on a shared machine) are
printed.

Fixtures: small networks in several topologies (stacked, bidirectional,
relu, no bias) with their weights under torch.nn.RNN's names, an input and
torch's output and h_n, written as JSON for rnn's TestTorchParity.
"""
import argparse
import json
import statistics
import time

import torch


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


def timings():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for d, h, b in [(256, 256, 1), (256, 256, 32), (1024, 1024, 1)]:
        s, c = time_rnn(d, h, 100, b)
        print(f"torch_rnn D={d} H={h} T=100 batch={b}: {s*1e6:.1f} us/seq (whole batch), "
              f"{c*1e6:.1f} cpu-us/seq, {s*1e6/100:.2f} us/step")


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
    a = ap.parse_args()
    if a.fixtures:
        fixtures(a.fixtures)
    else:
        timings()
