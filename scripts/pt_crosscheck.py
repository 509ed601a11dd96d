#!/usr/bin/python3
"""Randomized cross-check of the torch.save reader (internal/weights) and
the loaders on it against torch itself.

Run by hand with Debian's torch (1.13); CI never runs it:

    /usr/bin/python3 scripts/pt_crosscheck.py DIR [N] [SEED]
    SIMDCORE_PT_CROSSCHECK=DIR go test ./internal/weights/ -run TestTorchPtCrossCheck

It writes N cases (default 300) to DIR/0000, DIR/0001, …, each holding

  model.pt           what torch.save wrote (the case's variant, below)
  model.safetensors  the same state_dict as safetensors (contiguous copies,
                     same dtypes), absent for the cases that must fail
  io.safetensors     the case's configuration as metadata (JSON values)
                     and, for a model, a random input and torch's output
                     from the stored weights, computed in float64

Models: nn.LSTM, nn.GRU, nn.RNN (tanh, relu) of random sizes, layers,
bidirectional, proj_size, bias, batch_first; nn.LSTMCell, GRUCell,
RNNCell; a language model (nn.Embedding, a recurrent net, nn.Linear:
rnn.LoadLM, the next token's distribution); nn.MultiheadAttention; nn.TransformerEncoder and Decoder stacks;
and "raw" OrderedDicts of odd views with no model. Each is optionally
nested in a parent module (prefixes such as "encoder.rnn."), its
state_dict converted to float32, float16, bfloat16 or float64, optionally
taken with keep_vars=True (Parameters), and relaid out: every tensor
contiguous, or transposed (t().contiguous().t()), or a slice of a larger
storage at an offset, or all tensors of a dtype views of one shared
storage, or a 1-D tensor an expand (stride 0) of one value. Saved with
storages tagged "cpu" or, as from the GPU, "cuda:0" or "cuda:1", with
torch.save's defaults, pickle_protocol 1 to 5,
_use_new_zipfile_serialization=True, as a plain dict, or wrapped in a
training checkpoint {"<key>": state_dict, "epoch": 3, "optimizer": ...}:
one state_dict under "state_dict", "model", "model_state_dict" or "net"
must load; two such keys, or an unknown key, must be refused with a
message that says what the file holds (case metadata "expect"). Every case
but "newzip" is saved, half of the time, in the legacy format
(_use_new_zipfile_serialization=False, as torch before 1.6 saved; case
metadata "serialization").

A model whose float32 forward in torch itself strays more than 1e-6
(relative) from its float64 one (a LayerNorm of two near-equal values, as
a d_model of 2 makes) is drawn again: the check is of the reader, and the
Go side's float32 answer is held to 1e-5.
"""

import collections
import json
import os
import random
import sys

import torch
import torch.serialization
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file  # noqa: E402
from torchutil import perturb  # noqa: E402

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "float64": torch.float64}
CHECKPOINT_KEYS = ["state_dict", "model", "model_state_dict", "net"]


class Nest(nn.Module):
    """Holds m at the attribute path prefix ("encoder.rnn."), so that its
    state_dict's names carry that prefix."""

    def __init__(self, m, prefix):
        super().__init__()
        parts = prefix.rstrip(".").split(".")
        inner = m
        for p in reversed(parts[1:]):
            w = nn.Module()
            setattr(w, p, inner)
            inner = w
        setattr(self, parts[0], inner)


def relayout(sd, mode, r):
    """sd's tensors with the same values in other memory layouts (mode
    "contig", "transpose", "offset", "shared", "mixed")."""
    if mode == "contig":
        return collections.OrderedDict((k, v.contiguous()) for k, v in sd.items())
    out = collections.OrderedDict()
    if mode == "shared":
        by_dtype = {}
        for k, v in sd.items():
            by_dtype.setdefault(v.dtype, []).append(k)
        for dt, keys in by_dtype.items():
            total = sum(sd[k].numel() + 3 for k in keys)
            flat = torch.zeros(total, dtype=dt)
            at = 3
            for k in keys:
                v = sd[k]
                n = v.numel()
                flat[at:at + n].copy_(v.reshape(-1))
                out[k] = flat[at:at + n].view(v.shape)
                at += n + 3
        return collections.OrderedDict((k, out[k]) for k in sd)
    for k, v in sd.items():
        m = mode if mode != "mixed" else r.choice(["contig", "transpose", "offset", "expand"])
        if m == "transpose" and v.dim() == 2:
            v = v.t().contiguous().t()
        elif m == "transpose" and v.dim() == 1:
            big = torch.zeros(2 * v.numel(), dtype=v.dtype)
            big[::2].copy_(v)
            v = big[::2]
        elif m == "offset":
            pad = r.randint(1, 9)
            big = torch.zeros(v.numel() + pad + 2, dtype=v.dtype)
            big[pad:pad + v.numel()].copy_(v.reshape(-1))
            v = big[pad:pad + v.numel()].view(v.shape)
        elif m == "expand" and v.dim() == 1 and v.numel() > 1:
            v = v[:1].clone().expand(v.numel())  # stride 0: the values change, the reference follows
        out[k] = v
    return out


def randn(m, *shape):
    """A standard normal draw in float32 (so that the float32 inputs the io
    file holds are exactly what torch ran), in m's parameters' dtype."""
    return torch.randn(*shape).to(next(m.parameters()).dtype)


def worst(a, b):
    """max |a − b| relative to max |b|, in float64."""
    return ((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30)).item()


def rnn_case(r, c):
    kind = r.choice(["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
    c.update(kind=kind, I=r.randint(1, 6), H=r.randint(1, 7), L=r.randint(1, 3), bidir=r.random() < 0.4,
             bias=r.random() < 0.8, batch_first=r.random() < 0.5, T=r.randint(1, 6))
    c["proj"] = r.randint(1, c["H"] - 1) if kind == "LSTM" and c["H"] > 1 and r.random() < 0.35 else 0
    kw = dict(input_size=c["I"], hidden_size=c["H"], num_layers=c["L"], bidirectional=c["bidir"], bias=c["bias"],
              batch_first=c["batch_first"])
    if kind == "LSTM":
        build = lambda: nn.LSTM(proj_size=c["proj"], **kw)  # noqa: E731
    elif kind == "GRU":
        build = lambda: nn.GRU(**kw)  # noqa: E731
    else:
        build = lambda: nn.RNN(nonlinearity=kind[4:].lower(), **kw)  # noqa: E731

    def run(m):
        x = randn(m, 1, c["T"], c["I"])
        with torch.no_grad():
            y, _ = m(x if c["batch_first"] else x.transpose(0, 1))
        if not c["batch_first"]:
            y = y.transpose(0, 1)
        return {"x": x[0], "y": y[0]}
    return build, run


def cell_case(r, c):
    kind = r.choice(["LSTMCell", "GRUCell", "RNNCell_tanh", "RNNCell_relu"])
    c.update(kind=kind, I=r.randint(1, 6), H=r.randint(1, 7), bias=r.random() < 0.8)
    if kind.startswith("RNNCell"):
        build = lambda: nn.RNNCell(c["I"], c["H"], bias=c["bias"], nonlinearity=kind[8:])  # noqa: E731
    else:
        build = lambda: getattr(nn, kind)(c["I"], c["H"], bias=c["bias"])  # noqa: E731

    def run(m):
        x = randn(m, 1, c["I"])
        h0 = randn(m, 1, c["H"]) * 0.5
        io = {"x": x, "h0": h0}
        with torch.no_grad():
            if kind == "LSTMCell":
                c0 = randn(m, 1, c["H"]) * 0.5
                h1, c1 = m(x, (h0, c0))
                io.update(c0=c0, c1=c1)
            else:
                h1 = m(x, h0)
        io["h1"] = h1
        return io
    return build, run


def mha_case(r, c):
    heads = r.randint(1, 3)
    c.update(kind="MHA", heads=heads, E=heads * r.randint(1, 4), bias=r.random() < 0.8, T=r.randint(1, 5))
    build = lambda: nn.MultiheadAttention(c["E"], heads, bias=c["bias"], batch_first=True)  # noqa: E731

    def run(m):
        x = randn(m, 1, c["T"], c["E"])
        with torch.no_grad():
            y, _ = m(x, x, x, need_weights=False)
        return {"x": x[0], "y": y[0]}
    return build, run


def stack_case(r, c, decoder):
    heads = r.randint(1, 3)
    c.update(kind="Decoder" if decoder else "Encoder", heads=heads, d=heads * r.randint(1, 3), ff=r.randint(2, 8),
             layers=r.randint(1, 2), act=r.choice(["relu", "gelu"]), norm_first=r.random() < 0.5,
             eps=r.choice([1e-5, 1e-6]), final_norm=r.random() < 0.5, T=r.randint(1, 5), S=r.randint(1, 5))

    def build():
        cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
        layer = cls(c["d"], heads, c["ff"], dropout=0.0, activation=c["act"], layer_norm_eps=c["eps"],
                    batch_first=True, norm_first=c["norm_first"])
        norm = nn.LayerNorm(c["d"], eps=c["eps"]) if c["final_norm"] else None
        stack = nn.TransformerDecoder if decoder else nn.TransformerEncoder
        kw = {} if decoder else {"enable_nested_tensor": False}
        return stack(layer, c["layers"], norm=norm, **kw)

    def run(m):
        m.train()  # no dropout; the plain path, not the fused inference one
        x = randn(m, 1, c["T"], c["d"])
        io = {"x": x[0]}
        with torch.no_grad():
            if decoder:
                mem = randn(m, 1, c["S"], c["d"])
                y = m(x, mem)
                io["memory"] = mem[0]
            else:
                y = m(x)
        io["y"] = y[0]
        return io
    return build, run


class LMod(nn.Module):
    """A language model as rnn.LoadLM reads one: embedding, a
    unidirectional RNN, a linear head producing the logits."""

    def __init__(self, c):
        super().__init__()
        self.embedding = nn.Embedding(c["V"], c["I"])
        kw = dict(num_layers=c["L"], batch_first=True, bias=c["bias"])
        if c["kind"] == "LSTM":
            self.rnn = nn.LSTM(c["I"], c["H"], proj_size=c["proj"], **kw)
        else:
            self.rnn = getattr(nn, c["kind"])(c["I"], c["H"], **kw)
        self.decoder = nn.Linear(c["proj"] or c["H"], c["V"])

    def forward(self, tokens):
        out, _ = self.rnn(self.embedding(tokens))
        return self.decoder(out)


def lm_case(r, c):
    c.update(kind=r.choice(["LSTM", "GRU", "RNN"]), V=r.randint(2, 9), I=r.randint(1, 5), H=r.randint(2, 6),
             L=r.randint(1, 2), bias=r.random() < 0.8, T=r.randint(1, 6))
    c["proj"] = r.randint(1, c["H"] - 1) if c["kind"] == "LSTM" and r.random() < 0.3 else 0

    def run(m):
        tokens = torch.randint(0, c["V"], (1, c["T"]))
        with torch.no_grad():
            probs = torch.softmax(m(tokens)[0, -1], dim=-1)
        return {"tokens": tokens[0].to(probs.dtype), "probs": probs}
    return lambda: LMod(c), run


def raw_state(r):
    """An OrderedDict of odd views, with no model: tied twins, a
    transpose, slices at offsets, an expand, a 0-d and an empty tensor,
    integer and bool buffers."""
    dt = r.choice(list(DTYPES.values()))
    base = torch.randn(r.randint(2, 5), r.randint(2, 6)).to(dt)
    big = torch.randn(40).to(dt)
    sd = collections.OrderedDict()
    sd["a.weight"] = base
    sd["a.tied"] = base  # the same storage, twice
    sd["a.t"] = base.t()
    sd["b.slice"] = big[r.randint(1, 10):][:7]
    sd["b.step"] = big[3::r.randint(2, 4)]
    sd["b.mat"] = big[5:29].view(4, 6)[1:, ::2]
    sd["c.expand"] = torch.randn(1, 3).to(dt).expand(r.randint(1, 4), 3)
    sd["c.scalar"] = torch.tensor(2.5).to(dt)
    sd["c.empty"] = torch.zeros(0, 3, dtype=dt)
    sd["d.steps"] = torch.tensor(r.randint(0, 1000), dtype=torch.int64)
    sd["d.mask"] = torch.rand(5) < 0.5
    sd["d.idx"] = torch.arange(6, dtype=torch.int32).view(2, 3).t()
    return sd


def make_case(r, seed):
    torch.manual_seed(seed)
    c = {"seed": seed}
    family = r.choices(["rnn", "cell", "lm", "mha", "enc", "dec", "raw"], [40, 15, 8, 12, 10, 8, 15])[0]
    c["family"] = family
    dtype = r.choices(list(DTYPES), [4, 2, 2, 2])[0]
    c["dtype"] = dtype
    if family == "raw":
        sd = raw_state(r)
        io = {}
    else:
        build, run = {"rnn": rnn_case, "cell": cell_case, "lm": lm_case, "mha": mha_case,
                      "enc": lambda r, c: stack_case(r, c, False), "dec": lambda r, c: stack_case(r, c, True)}[family](r, c)
        m = build()
        perturb(m, 0.3, 0.2) if family in ("enc", "dec", "mha") else None
        prefix = r.choice(["", "", "encoder.", "encoder.rnn.", "model.body.layer."]) if family != "lm" else ""
        if family in ("enc", "dec") and prefix.count(".") > 1:
            prefix = "encoder."
        c["prefix"] = prefix
        holder = Nest(m, prefix) if prefix else m
        keep = r.random() < 0.25
        c["keep_vars"] = keep
        sd = holder.state_dict(keep_vars=keep)
        stored = collections.OrderedDict((k, v.detach().to(DTYPES[dtype])) for k, v in sd.items())
        c["layout"] = r.choice(["contig", "transpose", "offset", "shared", "mixed"])
        stored = relayout(stored, c["layout"], r)
        m64 = build().double()
        m64.load_state_dict({k[len(prefix):]: v.double() for k, v in stored.items()}, strict=True)
        m32 = build().float()
        m32.load_state_dict({k[len(prefix):]: v.float() for k, v in stored.items()}, strict=True)
        torch.manual_seed(seed + 1)
        io = run(m64)
        torch.manual_seed(seed + 1)
        io32 = run(m32)
        if max(worst(io32[k], io[k]) for k in io) > 1e-6:
            return None  # float32 arithmetic itself is ill-conditioned here (a LayerNorm of 2 near-equal values)
        if keep:
            stored = collections.OrderedDict((k, nn.Parameter(v, requires_grad=r.random() < 0.5)
                                              if v.is_floating_point() else v) for k, v in stored.items())
        sd = stored
    flat = {k: torch.empty(v.shape, dtype=v.dtype).copy_(v.detach()) for k, v in sd.items()}  # fresh strides

    c["location"] = r.choices(["cpu", "cuda:0", "cuda:1"], [8, 1, 1])[0]
    c["save"] = r.choice(["default", "proto1", "proto2", "proto3", "proto4", "proto5", "newzip", "plaindict",
                          "checkpoint"])
    obj, kw = sd, {}
    c["expect"] = "ok"
    if c["save"].startswith("proto"):
        kw["pickle_protocol"] = int(c["save"][5:])
    elif c["save"] == "newzip":
        kw["_use_new_zipfile_serialization"] = True
    elif c["save"] == "plaindict":
        obj = dict(sd)
    elif c["save"] == "checkpoint":
        p = nn.Parameter(torch.randn(3))
        opt = torch.optim.Adam([p], lr=1e-3)
        p.sum().backward()
        opt.step()
        how = r.choices(["one", "two", "unknown"], [6, 1, 1])[0]
        c["checkpoint"] = how
        if how == "one":
            key = r.choice(CHECKPOINT_KEYS)
            obj = {key: sd, "epoch": 3, "optimizer": opt.state_dict(), "loss": 0.25, "args": {"lr": 1e-3}}
        elif how == "two":
            k1, k2 = r.sample(CHECKPOINT_KEYS, 2)
            obj = {k1: sd, k2: dict(sd), "epoch": 3}
            c["expect"] = "error"
        else:
            obj = {"weights": sd, "epoch": 3, "optimizer": opt.state_dict()}
            c["expect"] = "error"
        if r.random() < 0.3:
            obj = collections.OrderedDict(obj)
        kw["pickle_protocol"] = r.choice([2, 4])
    c["serialization"] = "zip" if c["save"] == "newzip" else r.choice(["zip", "legacy"])
    if c["serialization"] == "legacy":
        kw["_use_new_zipfile_serialization"] = False
    return c, obj, kw, flat, io


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    counts = collections.Counter()
    redrawn = 0
    for i in range(n):
        case = None
        while case is None:
            case = make_case(r, r.getrandbits(31))
            redrawn += case is None
        c, obj, kw, flat, io = case
        d = os.path.join(out, "%04d" % i)
        os.makedirs(d, exist_ok=True)
        tag = torch.serialization.location_tag
        if c["location"] != "cpu":  # as torch.save tags a tensor saved from the GPU; the bytes are the same
            torch.serialization.location_tag = lambda storage: c["location"]
        try:
            torch.save(obj, os.path.join(d, "model.pt"), **kw)
        finally:
            torch.serialization.location_tag = tag
        save_file(flat, os.path.join(d, "model.safetensors"))
        io = {k: v.to(torch.float32).contiguous() for k, v in io.items()}
        save_file(io, os.path.join(d, "io.safetensors"), {k: json.dumps(v) for k, v in c.items()})
        counts[(c["family"], c["expect"])] += 1
        counts[c["serialization"]] += 1
    for k, v in sorted(counts.items(), key=str):
        print(k, v)
    print("redrawn (ill-conditioned in float32):", redrawn)


if __name__ == "__main__":
    main()
