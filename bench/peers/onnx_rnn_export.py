#!/usr/bin/python3
"""Exports the recurrent nets that ort_rnn.mjs times with ONNX Runtime.

Run by hand with Debian's python3-torch (no onnx module needed), from
bench/peers:

    /usr/bin/python3 onnx_rnn_export.py [DIR]     # DIR defaults to ./onnx

For each cell (nn.RNN with tanh, nn.LSTM, nn.GRU; D=H=256, one layer, as
BenchmarkRNN and torch_rnn.py time them) it writes DIR/CELL.onnx, exported
by torch.onnx.export at opset 14 with input "x" (T×B×D, the batch axis
dynamic) and outputs "y", "h_n" (and "c_n"), from torch's default zero
initial state. For the parity check it also writes DIR/CELL.x.bin, an
input of T=100 steps and B=3 sequences, and DIR/CELL.y.bin, torch's
float32 output for it (little-endian float32, row-major), and
DIR/models.json describing them. The directory is .gitignored: these are
generated files, neither CI nor the library needs them.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

D = H = 256
T = 100
CHECK_B = 3
CELLS = {
    "RNN": lambda: nn.RNN(D, H, nonlinearity="tanh"),
    "LSTM": lambda: nn.LSTM(D, H),
    "GRU": lambda: nn.GRU(D, H),
}


def export(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    manifest = {"torch": torch.__version__, "opset": 14, "D": D, "H": H, "T": T, "models": {}}
    for i, (cell, make) in enumerate(CELLS.items()):
        torch.manual_seed(100 + i)
        m = make().eval()
        outputs = ["y", "h_n", "c_n"] if cell == "LSTM" else ["y", "h_n"]
        dyn = {"x": {1: "batch"}}
        dyn.update({o: {1: "batch"} for o in outputs})
        x = torch.rand(T, CHECK_B, D) * 2 - 1
        path = os.path.join(out_dir, cell + ".onnx")
        with warnings.catch_warnings():  # torch 1.13 warns about its own constants' shapes
            warnings.simplefilter("ignore", UserWarning)
            torch.onnx.export(m, (x,), path, opset_version=14, input_names=["x"], output_names=outputs,
                              dynamic_axes=dyn)
        with torch.no_grad():
            y, _ = m(x)
        x.numpy().astype("<f4").tofile(os.path.join(out_dir, cell + ".x.bin"))
        y.numpy().astype("<f4").tofile(os.path.join(out_dir, cell + ".y.bin"))
        manifest["models"][cell] = {"onnx": cell + ".onnx", "x": cell + ".x.bin", "y": cell + ".y.bin",
                                    "x_shape": list(x.shape), "y_shape": list(y.shape), "outputs": outputs}
        print(f"wrote {path} ({os.path.getsize(path)} bytes) and its check data")
    with open(os.path.join(out_dir, "models.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    export(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx"))
