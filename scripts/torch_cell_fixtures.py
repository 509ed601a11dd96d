#!/usr/bin/env python3
"""Writes testdata/torch/{lstmcell,grucell,rnncell_relu}.safetensors: the
state_dicts of torch's single-step cells (nn.LSTMCell, nn.GRUCell and
nn.RNNCell with nonlinearity="relu"), which rnn.Load reads as the one-layer
nn.LSTM, nn.GRU and nn.RNN they equal, and NAME.io.safetensors: an input
sequence (T×Input), an initial state h0 (and c0 for the LSTM cell), and the
outputs of stepping the cell over the sequence in a Python loop from that
state (output: T×Hidden, the h of each step; c_n for the LSTM cell), in
float64 from the float32 weights as stored. The state_dicts carry no
metadata, as a plain torch.save of the module would not.

Usage (Debian's python3-torch): python3 scripts/torch_cell_fixtures.py
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file  # noqa: E402
from torchutil import f32  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch")


def cell_fixture(name, cls, T, d, h, **kw):
    m = cls(d, h, **kw)
    m64 = cls(d, h, **kw).double()
    m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()}, strict=True)
    x = torch.randn(T, d)
    h0 = torch.randn(1, h) * 0.5
    c0 = torch.randn(1, h) * 0.5
    lstm = cls is nn.LSTMCell
    state = (h0.double(), c0.double()) if lstm else h0.double()
    outs = []
    with torch.no_grad():
        for t in range(T):
            state = m64(x[t:t + 1].double(), state)
            outs.append((state[0] if lstm else state)[0])
    io = {"input": x, "h0": h0[0], "output": torch.stack(outs)}
    if lstm:
        io.update(c0=c0[0], c_n=state[1][0])
    save_file({k: v.detach().contiguous() for k, v in m.state_dict().items()}, os.path.join(OUT, name + ".safetensors"), {})
    save_file({k: f32(v) for k, v in io.items()}, os.path.join(OUT, name + ".io.safetensors"))


def main():
    torch.manual_seed(20261207)
    cell_fixture("lstmcell", nn.LSTMCell, 7, 5, 6)
    cell_fixture("grucell", nn.GRUCell, 6, 4, 7)
    cell_fixture("rnncell_relu", nn.RNNCell, 5, 3, 4, nonlinearity="relu")


if __name__ == "__main__":
    main()
