#!/usr/bin/python3
"""Checks by hand that PyTorch reads an RNN that Go saved, and vice versa.

    /usr/bin/python3 scripts/check_rnn_export.py load MODEL IO
        MODEL was written by rnn.Net.Save, IO holds "input" and Go's
        "output" (from Net.Forward). Builds torch.nn.RNN from MODEL's
        __metadata__, loads its state_dict with strict=True (the head, if
        any, into an nn.Linear), runs "input" and compares with "output".

    /usr/bin/python3 scripts/check_rnn_export.py export MODEL IO
        Exports a fresh nn.RNN (sizes unlike the fixtures: 5 inputs, 7
        hidden, 3 layers, bidirectional, relu) the way a user would, plus
        an input and PyTorch's output, for a Go test to load and compare.

Both files are read and written by scripts/safetensors_torch.py (Debian has
no python3-safetensors).
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import load_file, save_file  # noqa: E402


def load(model_path, io_path):
    state, meta = load_file(model_path)
    io, _ = load_file(io_path)
    rnn = nn.RNN(input_size=int(meta["input_size"]), hidden_size=int(meta["hidden_size"]),
                 num_layers=int(meta["num_layers"]), nonlinearity=meta["nonlinearity"],
                 bias=meta["bias"] == "True", bidirectional=meta["bidirectional"] == "True")
    head_state = {k[len("head."):]: v for k, v in state.items() if k.startswith("head.")}
    rnn.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")}, strict=True)
    rnn = rnn.double()
    with torch.no_grad():
        out, _ = rnn(io["input"].double())
        if head_state:
            head = nn.Linear(head_state["weight"].shape[1], head_state["weight"].shape[0])
            head.load_state_dict(head_state, strict=True)
            out = head.double()(out)
            act = meta.get("output_activation", "identity")
            if act == "sigmoid":
                out = torch.sigmoid(out)
            elif act == "softmax":
                out = torch.softmax(out, dim=-1)
    want = io["output"].double()
    err = ((out - want).abs().max() / want.abs().max()).item()
    print(f"{model_path}: {len(state)} tensors, metadata {meta}")
    print(f"max |torch - go| / max |torch| = {err:.3g}")
    assert err < 1e-5, err


def export(model_path, io_path):
    torch.manual_seed(7)
    rnn = nn.RNN(5, 7, num_layers=3, nonlinearity="relu", bidirectional=True)
    x = torch.randn(11, 5)
    with torch.no_grad():
        y, _ = rnn(x)
    # The 6-line export a user would write:
    meta = {"nonlinearity": rnn.nonlinearity, "num_layers": str(rnn.num_layers),
            "bidirectional": str(rnn.bidirectional)}
    save_file({k: v.contiguous() for k, v in rnn.state_dict().items()}, model_path, meta)
    save_file({"input": x, "output": y}, io_path)
    print(f"wrote {model_path} and {io_path}")


if __name__ == "__main__":
    {"load": load, "export": export}[sys.argv[1]](sys.argv[2], sys.argv[3])
