#!/usr/bin/python3
"""The ONNX encoder-layer peers of BENCHMARKS.md ("The ONNX runner on torch's encoder layer").

    /usr/bin/python3 bench/peers/onnx_encoder.py export DIR
        Writes DIR/relu and DIR/gelu: torch's nn.TransformerEncoder of one
        TransformerEncoderLayer(256, 4, 1024, dropout=0, batch_first=True),
        activation relu or gelu, exported at opset 14 (model.onnx) with one
        input of 1×128×256 and torch's output (test_data_set_0), as
        `simdcore onnx time` and `onnx check` read them.
    /usr/bin/python3 bench/peers/onnx_encoder.py time DIR/relu|DIR/gelu
        Times torch eager on the same module (one thread, OpenBLAS's
        default kernels unless OPENBLAS_CORETYPE says otherwise): the
        median over about a second of calls, as a Go benchmark line.

Needs Debian's python3-torch and python3-onnx; the library and its tests do not.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import sys, time
import torch


def module(act):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True, activation=act)
    return torch.nn.TransformerEncoder(layer, 1).eval(), torch.randn(1, 128, 256)


def export(root):
    from onnx import numpy_helper
    for act in ("relu", "gelu"):
        d = os.path.join(root, act)
        os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
        m, x = module(act)
        torch.onnx.export(m, (x,), os.path.join(d, "model.onnx"), opset_version=14, input_names=["x"], output_names=["y"])
        with torch.no_grad():
            y = m(x)
        for name, t in (("input_0", x), ("output_0", y)):
            with open(os.path.join(d, "test_data_set_0", name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy(), name[:-2] == "input" and "x" or "y").SerializeToString())


def timeit(d):
    act = os.path.basename(os.path.normpath(d))
    torch.set_num_threads(1)
    m, x = module(act)
    with torch.no_grad():
        for _ in range(20):
            m(x)
        ts, t0 = [], time.perf_counter()
        while time.perf_counter() - t0 < 1.0:
            a = time.perf_counter()
            m(x)
            ts.append(time.perf_counter() - a)
    ts.sort()
    kernels = os.environ.get("OPENBLAS_CORETYPE", "default")
    print("BenchmarkEncoderONNX/model=%s/impl=torch-%s 1 %d ns/op" % (act, kernels, ts[len(ts) // 2] * 1e9))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "time"):
        sys.exit(__doc__)
    (export if sys.argv[1] == "export" else timeit)(sys.argv[2])
