#!/usr/bin/python3
"""A randomized cross-check of rnn.Load and the ONNX runner against PyTorch.

Run by hand with Debian's torch and onnx (apt-get install python3-torch
python3-onnx); CI never runs it, and the Go side skips unless told where
the cases are.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/rnn_crosscheck.py gen DIR N [SEED]
    SIMDCORE_RNN_CROSSCHECK=DIR go test ./rnn/ -run TestTorchCrossCheck
    /usr/bin/python3 scripts/rnn_crosscheck.py saved DIR

        gen draws N random torch.nn.LSTM / nn.GRU / nn.RNN (tanh, relu)
        configurations: input and hidden sizes from 1 to 300 (small, odd and
        prime ones most often), 1 to 4 layers, bidirectional, bias=False,
        batch_first, LSTM proj_size (with bidirectional and stacking too),
        T from 1 to 40, batch 1 to 7, with and without h0/c0, an optional
        nn.Linear head (with output_activation), a module prefix ("",
        "rnn.", "encoder.lstm."), weights stored as F32, F16, BF16 or F64,
        and metadata: the constructor arguments, none, a few keys, or
        torch's mode alone. DIR/NNNN/model.safetensors is the state_dict
        as a user would save it; DIR/NNNN/io.safetensors holds the input x
        (B×T×Input), h0/c0 (torch's layout) and the answers of the module
        in float64 on the weights as stored, rounded to float32: y0, hn0,
        cn0, last0 (the top layer's h_n, forward then reverse) from zeros,
        y1, hn1, cn1, last1 from h0/c0, and y0head, last0head, … through
        the head; its metadata is the configuration. A draw whose float32
        torch answer is farther than 2e-6 (relative to the largest value)
        from the float64 one is drawn again: such an output (a narrow head
        summing terms that cancel, say) is ill-conditioned, and float32
        rounding alone would exceed the Go test's 1e-5.

        TestTorchCrossCheck loads every case with rnn.Load and compares
        Forward, ForwardState, Last, LastState, Step (from zeros and from
        h0), ForwardBatch, ForwardInto (batch states in torch's layout,
        strided views, final aliasing init) and BatchState with torch to
        1e-5 relative (torchtest.RequireClose), and writes Net.Save's file
        as DIR/NNNN/saved.safetensors.

        saved loads every saved.safetensors into the torch module its
        metadata names with load_state_dict(strict=True) (the head into an
        nn.Linear) and checks that it gives y0 again.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/rnn_crosscheck.py onnx DIR N [SEED]
    for m in DIR/*/model.onnx; do simdcore onnx check -rtol 1e-5 -atol 1e-5 $m; done

        onnx exports N random float32 configurations (as gen draws them;
        torch 1.13 cannot export proj_size, so those are skipped) with
        torch.onnx.export at opset 14, initial states as inputs, half of
        them with dynamic_axes on time and batch; each gets
        test_data_set_0 (and, when dynamic, test_data_set_1 of another
        length and batch) with torch's float64 answers.

Files are written by scripts/safetensors_torch.py.
"""

import json
import os
import random
import sys
import warnings

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import load_file  # noqa: E402
from torch_rnn_meta import ctor_metadata, from_metadata, new_module  # noqa: E402
from torchutil import float64_twin, gen_cases, worst  # noqa: E402

torch.set_num_threads(1)
SIZES_SMALL = [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 33]
SIZES_BIG = [61, 64, 97, 127, 128, 191, 256, 257, 263, 300]
DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
COND = 2e-6


def draw(r):
    size = lambda: r.choice(SIZES_SMALL) if r.random() < 0.8 else r.choice(SIZES_BIG)  # noqa: E731
    kind = r.choice(["LSTM", "LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
    I, H = size(), size()
    big = max(I, H) > 60
    c = dict(kind=kind, I=I, H=H, L=r.choice([1, 2]) if big else r.choice([1, 1, 2, 2, 3, 4]),
             bidir=r.random() < 0.4, bias=r.random() < 0.75, batch_first=r.random() < 0.5, proj=0,
             T=r.choice([1, 3, 6]) if big else r.choice([1, 1, 2, 3, 5, 9, 17, 40]),
             B=r.choice([1, 1, 2, 3, 4, 7]), h0=r.random() < 0.5,
             dtype=r.choice(["F32", "F32", "F16", "BF16", "F64"]),
             meta=r.choice(["full", "full", "none", "partial", "mode"]),
             prefix=r.choice(["", "", "rnn.", "encoder.lstm."]),
             head=0, head_act="identity", head_bias=True)
    if kind == "LSTM" and H > 1 and r.random() < 0.5:
        c["proj"] = r.randint(1, H - 1)
    if r.random() < 0.25:
        c.update(head=r.choice([1, 2, 3, 7]), head_act=r.choice(["identity", "sigmoid", "softmax"]),
                 head_bias=r.random() < 0.8)
        c["prefix"] = c["prefix"] or "rnn."
    return c


def module(c, dtype=torch.float32):
    m = new_module(c["kind"], c["proj"], input_size=c["I"], hidden_size=c["H"], num_layers=c["L"],
                   bias=c["bias"], batch_first=c["batch_first"], bidirectional=c["bidir"])
    return m.to(dtype)


def width(c):
    return (c["proj"] or c["H"]) * (2 if c["bidir"] else 1)


def head_module(c, dtype):
    return nn.Linear(width(c), c["head"], bias=c["head_bias"]).to(dtype)


def activate(c, y):
    if c["head_act"] == "sigmoid":
        return torch.sigmoid(y)
    if c["head_act"] == "softmax":
        return torch.softmax(y, dim=-1)
    return y


def answers(c, m, head, x, state):
    """The outputs of m (and head) on x (B×T×Input) from state, named as in io."""
    with torch.no_grad():
        y, hn = m(x if c["batch_first"] else x.transpose(0, 1), state)
        if not c["batch_first"]:
            y = y.transpose(0, 1)
        hn, cn = hn if c["kind"] == "LSTM" else (hn, None)
        D = 2 if c["bidir"] else 1
        last = torch.cat([hn[len(hn) - D + d] for d in range(D)], dim=-1)
        out = {"y": y, "hn": hn, "last": last}
        if cn is not None:
            out["cn"] = cn
        if head is not None:
            out["yhead"], out["lasthead"] = activate(c, head(y)), activate(c, head(last))
    return out


def make_case(c, seed):
    """Returns (io, {"model.safetensors": (state_dict, metadata)}) for c, or
    None when ill-conditioned (gen_cases' make_case)."""
    torch.manual_seed(seed)
    m = module(c)
    with torch.no_grad():  # biases off zero, some relu units alive
        for k, v in m.named_parameters():
            if "bias" in k:
                v.add_(torch.randn_like(v) * 0.1)
    dt = DTYPES[c["dtype"]]
    sd = {c["prefix"] + k: v.detach().to(dt).contiguous() for k, v in m.state_dict().items()}
    if c["head"]:
        for k, v in head_module(c, torch.float32).state_dict().items():
            sd["fc." + k] = v.detach().to(dt).contiguous()
    meta = None
    if c["meta"] == "full":
        meta = ctor_metadata(m)
        meta["mode"] = m.mode
    elif c["meta"] == "partial":
        meta = {"num_layers": str(c["L"]), "format": "pt"}
        if c["kind"].startswith("RNN"):
            meta["nonlinearity"] = c["kind"][4:].lower()
    elif c["meta"] == "mode":
        meta = {"mode": m.mode}
    if c["head"]:
        meta = dict(meta or {}, output_activation=c["head_act"])
    rnn_sd = {k[len(c["prefix"]):]: v for k, v in sd.items() if not k.startswith("fc.")}
    head_sd = {k[3:]: v for k, v in sd.items() if k.startswith("fc.")}
    nets = {}
    for name, dtype in [("64", torch.float64), ("32", torch.float32)]:
        r = module(c, dtype)
        r.load_state_dict({k: v.to(dtype) for k, v in rnn_sd.items()}, strict=True)
        h = None
        if c["head"]:
            h = head_module(c, dtype)
            h.load_state_dict({k: v.to(dtype) for k, v in head_sd.items()}, strict=True)
        nets[name] = (r, h)
    D, HO = 2 if c["bidir"] else 1, c["proj"] or c["H"]
    x = torch.randn(c["B"], c["T"], c["I"])
    io = {"x": x}
    runs = [("0", None)]
    if c["h0"]:
        io["h0"] = torch.randn(c["L"] * D, c["B"], HO) * 0.5
        if c["kind"] == "LSTM":
            io["c0"] = torch.randn(c["L"] * D, c["B"], c["H"]) * 0.5
        runs.append(("1", "h0"))
    for tag, init in runs:
        state = {}
        for name, dtype in [("64", torch.float64), ("32", torch.float32)]:
            s = None
            if init:
                s = io["h0"].to(dtype)
                if c["kind"] == "LSTM":
                    s = (s, io["c0"].to(dtype))
            state[name] = answers(c, *nets[name], x.to(dtype), s)
        for k, v in state["64"].items():
            for b in range(c["B"]):  # per sequence, as the Go test compares
                got, want = (state["32"][k][b], v[b]) if k in ("y", "last", "yhead", "lasthead") else \
                    (state["32"][k][:, b], v[:, b])
                if want.abs().max() > 0 and worst(got, want) > COND:
                    return None
            key = k[:-4] + tag + "head" if k.endswith("head") else k + tag
            io[key] = v
    return io, {"model.safetensors": (sd, meta)}


def gen(out, n, seed=1):
    gen_cases(out, n, seed, draw, make_case)


def saved(out):
    from check_rnn_export import complete_metadata, split_modules
    n = bad = 0
    for name in sorted(os.listdir(out)):
        d = os.path.join(out, name)
        if not os.path.exists(os.path.join(d, "saved.safetensors")):
            continue
        state, meta = load_file(os.path.join(d, "saved.safetensors"))
        io, cm = load_file(os.path.join(d, "io.safetensors"))
        c = {k: json.loads(v) for k, v in cm.items()}
        parts = split_modules(state)
        meta = complete_metadata(meta, parts["rnn"])
        try:
            m = from_metadata(meta)
            m.load_state_dict(parts["rnn"], strict=True)
            head = None
            if parts["head"]:
                w = parts["head"]["weight"]
                head = nn.Linear(w.shape[1], w.shape[0])
                head.load_state_dict(parts["head"], strict=True)
                head = head.double()
        except (RuntimeError, ValueError) as e:
            print(f"{d}: {e}")
            bad += 1
            continue
        c["batch_first"] = m.batch_first
        got = answers(c, m.double(), head, io["x"].double(), None)
        key = "yhead" if head is not None else "y"
        err = worst(got[key], io[key[:1] + "0" + key[1:]])
        n += 1
        if not err <= 1e-5:
            print(f"{d}: torch on the saved file differs by {err:.3g}")
            bad += 1
    print(f"{n} saved files load strictly into torch; {bad} bad")
    if bad:
        raise SystemExit(1)


class _Wrap(nn.Module):
    def __init__(self, m, c):
        super().__init__()
        self.m, self.c = m, c

    def forward(self, x, h0=None, c0=None):
        if self.c["kind"] == "LSTM":
            y, (h, cn) = self.m(x, (h0, c0) if self.c["h0"] else None)
            return y, h, cn
        y, h = self.m(x, h0 if self.c["h0"] else None)
        return y, h


def onnx_cases(out, n, seed=1):
    from onnx import numpy_helper
    warnings.filterwarnings("ignore")

    def pb(path, t):
        with open(path, "wb") as f:
            f.write(numpy_helper.from_array(t.detach().float().numpy().copy()).SerializeToString())

    r = random.Random(int(seed))
    made = skipped = 0
    for i in range(int(n)):
        c = draw(r)
        c.update(dtype="F32", head=0, proj=0 if r.random() < 0.8 else c["proj"], dynamic=r.random() < 0.5)
        torch.manual_seed(r.getrandbits(31))
        m = module(c)
        m64 = float64_twin(m, module(c))
        D, HO = 2 if c["bidir"] else 1, c["proj"] or c["H"]

        def inputs(B, T):
            x = torch.randn(B, T, c["I"])
            a = [x if c["batch_first"] else x.transpose(0, 1).contiguous()]
            if c["h0"]:
                a.append(torch.randn(c["L"] * D, B, HO) * 0.5)
                if c["kind"] == "LSTM":
                    a.append(torch.randn(c["L"] * D, B, c["H"]) * 0.5)
            return a

        names = ["x", "h0", "c0"][:1 + (c["h0"] and (2 if c["kind"] == "LSTM" else 1))]
        onames = ["y", "h_n", "c_n"][:3 if c["kind"] == "LSTM" else 2]
        dyn = None
        if c["dynamic"]:
            tb = {0: "batch", 1: "time"} if c["batch_first"] else {0: "time", 1: "batch"}
            dyn = {"x": tb, "y": dict(tb), **{k: {1: "batch"} for k in names[1:] + onames[1:]}}
        d = os.path.join(out, "%04d" % i)
        os.makedirs(d, exist_ok=True)
        args = inputs(c["B"], c["T"])
        try:
            torch.onnx.export(_Wrap(m, c).eval(), tuple(args), os.path.join(d, "model.onnx"), opset_version=14,
                              input_names=names, output_names=onames, dynamic_axes=dyn)
        except Exception as e:  # torch 1.13: "LSTMs with projections" are not exported
            skipped += 1
            print(f"{d}: not exported: {str(e)[:100]}")
            continue
        sets = [args] + ([inputs(r.choice([1, 2, 5]), r.choice([1, 4, 11]))] if c["dynamic"] else [])
        for si, a in enumerate(sets):
            sd = os.path.join(d, "test_data_set_%d" % si)
            os.makedirs(sd, exist_ok=True)
            for j, t in enumerate(a):
                pb(os.path.join(sd, "input_%d.pb" % j), t)
            st = None
            if c["h0"]:
                st = a[1].double() if c["kind"] != "LSTM" else (a[1].double(), a[2].double())
            with torch.no_grad():
                y, hn = m64(a[0].double(), st)
            for j, t in enumerate([y] + (list(hn) if c["kind"] == "LSTM" else [hn])):
                pb(os.path.join(sd, "output_%d.pb" % j), t)
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(c, f)
        made += 1
    print(f"exported {made} models in {out}, {skipped} not exportable")


if __name__ == "__main__":
    cmds = {"gen": gen, "saved": saved, "onnx": onnx_cases}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        raise SystemExit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
