#!/usr/bin/python3
"""Checks by hand that PyTorch reads a network that Go saved, and vice versa.

Run from anywhere with Debian's torch (apt-get install python3-torch); CI
never runs it.

    /usr/bin/python3 scripts/check_rnn_export.py load MODEL [IO]
    /usr/bin/python3 scripts/check_rnn_export.py load MODEL INPUT.csv OUTPUT.csv
        MODEL was written by rnn.Net.Save or rnn.LM.Save. Builds the torch
        module its __metadata__ names (mode LSTM or GRU, else nn.RNN with
        its nonlinearity; without mode, the cell is inferred from the gate
        rows of weight_ih_l0, and proj_size from weight_hr_l0) and loads
        the recurrent state_dict with strict=True, the head (head.*), if
        any, into an nn.Linear and an LM's embedding (embedding.*) into an
        nn.Embedding, each with strict=True. A tensor left over fails.
        Then, given IO, for a network (not an LM), runs torch in float64
        on the input and compares with Go's answer to 1e-5 relative:
          - IO, a safetensors file: "input" (T×Input) and Go's "output"
            (T×width from Net.Forward, or 1×width or width from Net.Last); optional
            "h0" and, for an LSTM, "c0" ((L·D)×Hout and (L·D)×Hidden, as
            torch's) start torch from that state, and optional "h_n" and
            "c_n" (Go's final state) are compared with torch's;
          - or INPUT.csv and OUTPUT.csv, as `simdcore run` reads and writes
            them (-mode all or -mode last).
        The head's output activation is the metadata's output_activation
        (identity, sigmoid or softmax).

    /usr/bin/python3 scripts/check_rnn_export.py export MODEL IO [MODE]
        Exports a fresh module, with sizes unlike the fixtures, the way a
        user would, plus an input and PyTorch's output, for a Go test to
        load and compare. MODE is RNN (the default: 5 inputs, 7 hidden,
        3 layers, bidirectional, relu), LSTM (5 inputs, 7 hidden, proj_size
        3, 3 layers, bidirectional) or GRU (5 inputs, 7 hidden, 3 layers,
        bidirectional). For LSTM and GRU, IO also holds h0 (and c0), and
        h_n (and c_n) from that initial state.

An end-to-end check of Save, with a Go test or program that writes MODEL
with Net.Save and IO with internal/weights.Save (tensors named as above),
or with the command line:

    simdcore run -model MODEL -input x.csv > y.csv
    /usr/bin/python3 scripts/check_rnn_export.py load MODEL x.csv y.csv

Files are read and written by scripts/safetensors_torch.py (Debian has no
python3-safetensors); torch_rnn_meta.py maps the metadata to a module.
"""

import csv
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import load_file, save_file  # noqa: E402
from torch_rnn_meta import ctor_metadata, from_metadata  # noqa: E402

TOL = 1e-5


def split_modules(state):
    """Splits a state_dict into the recurrent part (under "" or "rnn.") and
    the head and embedding, each without its module prefix."""
    parts = {"rnn": {}, "head": {}, "embedding": {}}
    for k, v in state.items():
        mod, dot, rest = k.partition(".")
        if not dot:
            parts["rnn"][k] = v
        elif mod in parts:
            parts[mod][rest] = v
        else:
            raise SystemExit(f"tensor {k!r} belongs to no module this script knows (rnn, head, embedding)")
    return parts


def complete_metadata(meta, rnn_state):
    """meta with the constructor arguments it lacks inferred from the
    shapes: hidden_size (from weight_hr_l0 or weight_hh_l0), mode (from the
    gate rows of weight_ih_l0: 4 LSTM, 3 GRU, 1 nn.RNN with meta's
    nonlinearity), proj_size, input_size, num_layers, bias, bidirectional."""
    meta = dict(meta or {})
    w = rnn_state["weight_ih_l0"]
    if "hidden_size" not in meta:
        hr = rnn_state.get("weight_hr_l0")
        meta["hidden_size"] = str(hr.shape[1] if hr is not None else rnn_state["weight_hh_l0"].shape[1])
    gates, rem = divmod(w.shape[0], int(meta["hidden_size"]))
    if rem:
        raise SystemExit(f"weight_ih_l0 has {w.shape[0]} rows, not a multiple of hidden_size={meta['hidden_size']}")
    if "mode" not in meta:
        meta["mode"] = {4: "LSTM", 3: "GRU"}.get(gates)
        if meta["mode"] is None:
            meta["mode"] = "RNN_RELU" if meta.get("nonlinearity") == "relu" else "RNN_TANH"
    if "proj_size" not in meta and "weight_hr_l0" in rnn_state:
        meta["proj_size"] = str(rnn_state["weight_hr_l0"].shape[0])
    meta.setdefault("input_size", str(w.shape[1]))
    meta.setdefault("num_layers", str(sum(1 for k in rnn_state if k.startswith("weight_ih_l")
                                          and not k.endswith("_reverse"))))
    meta.setdefault("bias", str("bias_ih_l0" in rnn_state))
    meta.setdefault("bidirectional", str("weight_ih_l0_reverse" in rnn_state))
    return meta


def strict(module, state, what):
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise SystemExit(f"{what}: torch's load_state_dict(strict=True) refused it:\n{e}")


def read_csv(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
    try:
        return torch.tensor([[float(v) for v in r] for r in rows], dtype=torch.float64)
    except ValueError:  # a header line
        return torch.tensor([[float(v) for v in r] for r in rows[1:]], dtype=torch.float64)


def close(what, got, want):
    """Fails unless |got − want| ≤ TOL·max|want| elementwise (as the Go tests)."""
    got, want = got.double().reshape(want.shape), want.double()
    scale = want.abs().max().item()
    err = (got - want).abs().max().item() / scale
    print(f"  {what}: max |torch - go| / max |go| = {err:.3g}")
    if not err <= TOL:
        raise SystemExit(f"{what} differs: {err:.3g} > {TOL}")


def load(model_path, *io_paths):
    state, meta = load_file(model_path)
    parts = split_modules(state)
    if not parts["rnn"]:
        raise SystemExit(f"{model_path}: no recurrent tensors")
    meta = complete_metadata(meta, parts["rnn"])
    rnn = from_metadata(meta)
    strict(rnn, parts["rnn"], f"{model_path} ({meta['mode']})")
    head = None
    if parts["head"]:
        w = parts["head"]["weight"]
        head = nn.Linear(w.shape[1], w.shape[0], bias="bias" in parts["head"])
        strict(head, parts["head"], f"{model_path} head")
    if parts["embedding"]:
        w = parts["embedding"]["weight"]
        strict(nn.Embedding(w.shape[0], w.shape[1]), parts["embedding"], f"{model_path} embedding")
    print(f"{model_path}: {len(state)} tensors load strictly into {type(rnn).__name__}"
          f"({', '.join(f'{k}={v}' for k, v in ctor_metadata(rnn).items())})"
          + (f" + Linear({head.in_features}, {head.out_features})" if head else "")
          + (" + Embedding" if parts["embedding"] else ""))
    if parts["embedding"] or not io_paths:
        print("  outputs not compared: " + ("an LM" if parts["embedding"] else "no IO given"))
        return
    if len(io_paths) == 2:
        io = {"input": read_csv(io_paths[0]), "output": read_csv(io_paths[1])}
    elif len(io_paths) == 1:
        io, _ = load_file(io_paths[0])
    else:
        raise SystemExit("load MODEL IO, or load MODEL INPUT.csv OUTPUT.csv")
    compare(rnn, head, meta, io)


def compare(rnn, head, meta, io):
    rnn, lstm = rnn.double(), isinstance(rnn, nn.LSTM)
    x = io["input"].double().unsqueeze(1)  # T×1×Input
    state = None
    if "h0" in io:
        h0 = io["h0"].double().unsqueeze(1)
        if lstm:
            if "c0" not in io:
                raise SystemExit("an LSTM's IO with h0 needs c0 too")
            state = (h0, io["c0"].double().unsqueeze(1))
        else:
            state = h0
    with torch.no_grad():
        out, hn = rnn(x if not rnn.batch_first else x.transpose(0, 1), state)
    if rnn.batch_first:
        out = out.transpose(0, 1)
    hn, cn = hn if lstm else (hn, None)
    out, hn = out.squeeze(1), hn.squeeze(1)
    want = io["output"].reshape(-1, io["output"].shape[-1])  # a vector is one row
    dirs = 2 if rnn.bidirectional else 1
    if want.shape[0] == 1 and x.shape[0] > 1:
        # Net.Last: the top layer's final states, forward then reverse.
        out = hn[-dirs:].reshape(1, -1)
    if head is not None:
        with torch.no_grad():
            out = head.double()(out)
        act = meta.get("output_activation", "identity")
        if act == "sigmoid":
            out = torch.sigmoid(out)
        elif act == "softmax":
            out = torch.softmax(out, dim=-1)
        elif act != "identity":
            raise SystemExit(f"metadata output_activation={act!r}")
    close("output", out, want)
    if "h_n" in io:
        close("h_n", hn, io["h_n"])
    if "c_n" in io:
        if not lstm:
            raise SystemExit("c_n given for a network that is not an LSTM")
        close("c_n", cn.squeeze(1), io["c_n"])


def export(model_path, io_path, mode="RNN"):
    torch.manual_seed(7)
    kw = dict(input_size=5, hidden_size=7, num_layers=3, bidirectional=True)
    if mode == "RNN":
        m = nn.RNN(nonlinearity="relu", **kw)
    elif mode == "LSTM":
        m = nn.LSTM(proj_size=3, **kw)
    elif mode == "GRU":
        m = nn.GRU(**kw)
    else:
        raise SystemExit(f"export mode {mode!r}: want RNN, LSTM or GRU")
    x = torch.randn(11, 5)
    io = {"input": x}
    state = None
    if mode != "RNN":
        ld, hout = 6, m.proj_size or m.hidden_size
        io["h0"] = torch.randn(ld, hout) * 0.5
        state = io["h0"].unsqueeze(1)
        if mode == "LSTM":
            io["c0"] = torch.randn(ld, m.hidden_size) * 0.5
            state = (state, io["c0"].unsqueeze(1))
    with torch.no_grad():
        y, hn = m(x.unsqueeze(1), state)
    io["output"] = y.squeeze(1)
    if mode == "LSTM":
        io["h_n"], io["c_n"] = hn[0].squeeze(1), hn[1].squeeze(1)
    elif mode == "GRU":
        io["h_n"] = hn.squeeze(1)
    # The export a user would write (RNN: the metadata the older files had):
    if mode == "RNN":
        meta = {"nonlinearity": m.nonlinearity, "num_layers": str(m.num_layers),
                "bidirectional": str(m.bidirectional)}
    else:
        meta = ctor_metadata(m)
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, model_path, meta)
    save_file({k: v.contiguous() for k, v in io.items()}, io_path)
    print(f"wrote {model_path} and {io_path}")


if __name__ == "__main__":
    cmds = {"load": load, "export": export}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        raise SystemExit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
