#!/usr/bin/python3
"""A randomized cross-check of rnn's gradients and training steps against
PyTorch autograd.

Run by hand with Debian's torch (apt-get install python3-torch); CI never
runs it, and the Go side skips unless told where the cases are.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/rnn_gradcheck.py gen DIR N [SEED]
    SIMDCORE_RNN_GRADCHECK=DIR go test ./rnn/ -run TestTorchGradCrossCheck

gen draws N random networks: LSTM (with proj_size too), GRU, Elman
(tanh, relu); input and hidden sizes 1 to 64, 1 to 3 layers,
bidirectional, bias (torch's pair) or none, an optional head (identity,
sigmoid, softmax: rnn's Output and OutputActivation), T from 1 to 30,
many-to-many (Trace) or many-to-one (TraceLast), and a truncation window
k (0: full BPTT, or 1 to T+1); a fifth of the draws are a language model
(rnn.LM: an embedding, "embedding.weight", or one-hot input, and a
Vocab-wide softmax head; x holds its T input tokens, y the one-hot next
ones), checked through LM.LossGrad and LM.Train. The loss is the one Net.Loss pairs with
the head: ½·squared error against random targets (no head, identity),
sigmoid binary cross-entropy, or softmax cross-entropy against one-hot
targets with some rows all zero (steps without a label).

The reference is written out step by step in float64 from torch's cell
equations (checked against torch.nn.LSTM/GRU/RNN's forward), one
direction of one layer at a time, so that truncated BPTT is torch's own
idiom: the state is detached before every k-th step in each direction's
processing order. DIR/NNNN/io.safetensors holds the weights by torch's
names ("p." + name), the input x and targets y, the loss, the gradient
of every weight ("g." + name) and of x ("gx"), and the weights after
three training steps as Net.Train takes them on this one sample ("w." +
name): loss divided by the target rows, gradients clipped to a global
norm with torch.nn.utils.clip_grad_norm_ (or not), then torch.optim.SGD
(momentum, weight decay) or torch.optim.Adam; and the weights after
three steps of the optimiser alone on the gradients above held fixed
(set once and never zeroed, clipped in place before each step: "s." +
name). Its metadata is the
configuration. A draw whose float32 torch answer differs from the
float64 one by more than 2e-6 (relative to the largest value) in any of
these is drawn again: float32 rounding alone would approach the Go
test's 1e-5 there.
"""

import os
import random
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_rnn_meta import new_module  # noqa: E402
from torchutil import gen_cases, worst  # noqa: E402

torch.set_num_threads(1)
SIZES = [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 33, 47, 64]
COND = 2e-6
STEPS = 3


def draw(r):
    kind = r.choice(["LSTM", "LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
    c = dict(kind=kind, I=r.choice(SIZES), H=r.choice(SIZES), L=r.choice([1, 1, 2, 3]),
             bidir=r.random() < 0.4, bias=r.random() < 0.75, proj=0, T=r.randint(1, 30),
             last=r.random() < 0.25, head=0, head_act="identity", k=0,
             opt=r.choice(["sgd", "sgd_momentum", "adam"]), clip=0.0)
    if c["L"] == 3 or c["bidir"]:
        c["T"] = r.randint(1, 16)
    if kind == "LSTM" and c["H"] > 1 and r.random() < 0.5:
        c["proj"] = r.randint(1, c["H"] - 1)
    if r.random() < 0.6:
        c.update(head=r.choice([1, 2, 3, 5, 9]), head_act=r.choice(["identity", "sigmoid", "softmax"]))
    if r.random() < 0.5:
        c["k"] = r.randint(1, c["T"] + 1)
    if r.random() < 0.5:
        c["clip"] = r.choice([0.05, 0.5, 5.0])
    if r.random() < 0.2:  # a language model: rnn.LM, unidirectional, a Vocab-wide softmax head
        c.update(lm=r.choice([2, 3, 5, 11, 29]), embed=r.choice([0, 1, 4, 8, 16]), bidir=False, last=False,
                 head_act="softmax")
        c.update(head=c["lm"], I=c["embed"] or c["lm"])
    c["lr"] = r.choice([0.01, 0.1]) if c["opt"] != "adam" else r.choice([0.001, 0.01])
    c["momentum"] = r.choice([0.5, 0.9]) if c["opt"] == "sgd_momentum" else 0.0
    c["wd"] = r.choice([0.0, 0.01, 0.1]) if c["opt"] != "adam" else 0.0
    return c


def width(c):
    return (c["proj"] or c["H"]) * (2 if c["bidir"] else 1)


def param_shapes(c):
    """torch's names and shapes, in Net.Params order."""
    G = {"LSTM": 4, "GRU": 3}.get(c["kind"], 1)
    H, HO, D = c["H"], c["proj"] or c["H"], 2 if c["bidir"] else 1
    out = [("embedding.weight", (c["lm"], c["embed"]))] if c.get("embed") else []
    for l in range(c["L"]):
        for d in range(D):
            suf = "_l%d" % l + ("_reverse" if d else "")
            ins = c["I"] if l == 0 else width(c)
            out += [("weight_ih" + suf, (G * H, ins)), ("weight_hh" + suf, (G * H, HO))]
            if c["bias"]:
                out += [("bias_ih" + suf, (G * H,)), ("bias_hh" + suf, (G * H,))]
            if c["proj"]:
                out.append(("weight_hr" + suf, (c["proj"], H)))
    if c["head"]:
        out += [("head.weight", (c["head"], width(c))), ("head.bias", (c["head"],))]
    return out


def step(c, p, suf, x, h, cs):
    """One step of torch's cell: x 1×in, h 1×HO, cs 1×H (LSTM)."""
    gi = x @ p["weight_ih" + suf].T
    gh = h @ p["weight_hh" + suf].T
    if c["bias"]:
        gi = gi + p["bias_ih" + suf]
        gh = gh + p["bias_hh" + suf]
    if c["kind"] == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, dim=-1)
        cs = torch.sigmoid(f) * cs + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(cs)
        if c["proj"]:
            h = h @ p["weight_hr" + suf].T
        return h, cs
    if c["kind"] == "GRU":
        ir, iz, inn = gi.chunk(3, dim=-1)
        hr, hz, hn = gh.chunk(3, dim=-1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(inn + r * hn)
        return (1 - z) * n + z * h, cs
    a = gi + gh
    return (torch.tanh(a) if c["kind"] == "RNN_TANH" else torch.relu(a)), cs


def forward(c, p, x, k):
    """The network on x (T×I) with BPTT truncated to k (0: full): the
    top layer's outputs T×Width, and the many-to-one summary."""
    T, D, HO = x.shape[0], 2 if c["bidir"] else 1, c["proj"] or c["H"]
    inp, last = x, None
    for l in range(c["L"]):
        outs, lasts = [], []
        for d in range(D):
            suf = "_l%d" % l + ("_reverse" if d else "")
            h = torch.zeros(1, HO, dtype=x.dtype)
            cs = torch.zeros(1, c["H"], dtype=x.dtype)
            ys = [None] * T
            for s in range(T):
                t = T - 1 - s if d else s
                if k > 0 and s > 0 and s % k == 0:
                    h, cs = h.detach(), cs.detach()
                h, cs = step(c, p, suf, inp[t:t + 1], h, cs)
                ys[t] = h
            outs.append(torch.cat(ys, dim=0))
            lasts.append(h)
        inp, last = torch.cat(outs, dim=1), torch.cat(lasts, dim=1)
    return inp, last


def head_and_loss(c, p, top, y):
    """The loss Net.Loss pairs with the head, summed over rows."""
    o = top if not c["head"] else top @ p["head.weight"].T + p["head.bias"]
    if c["head"] and c["head_act"] == "softmax":
        return -(y * torch.log_softmax(o, dim=-1)).sum()
    if c["head"] and c["head_act"] == "sigmoid":
        return nn.functional.binary_cross_entropy_with_logits(o, y, reduction="sum")
    return 0.5 * ((o - y) ** 2).sum()


def module_check(c, p, x):
    """The step-by-step forward agrees with torch.nn's module."""
    m = new_module(c["kind"], c["proj"], input_size=c["I"], hidden_size=c["H"], num_layers=c["L"],
                   bias=c["bias"], bidirectional=c["bidir"], batch_first=True).double()
    m.load_state_dict({k: v for k, v in p.items() if not k.startswith("head.")}, strict=True)
    with torch.no_grad():
        want = m(x.unsqueeze(0))[0][0]
        got = forward(c, p, x, 0)[0]
    assert (got - want).abs().max() <= 1e-12 * max(1.0, want.abs().max().item()), c


def embed(c, p, x):
    """An LM's input rows for the tokens x: embeddings or one-hot rows."""
    if not c.get("lm"):
        return x
    tok = x.long()
    if c["embed"]:
        return p["embedding.weight"][tok]
    return nn.functional.one_hot(tok, c["lm"]).to(x.dtype)


def run(c, init, x, y, dtype):
    """Loss and gradients, then the weights after STEPS training steps."""
    p = {k: v.to(dtype).clone().requires_grad_(True) for k, v in init.items()}
    xx, yy = x.to(dtype).clone().requires_grad_(not c.get("lm")), y.to(dtype)
    top, last = forward(c, p, embed(c, p, xx), c["k"])
    J = head_and_loss(c, p, last if c["last"] else top, yy)
    J.backward()
    out = {"loss": J.detach().reshape(1)}
    if not c.get("lm"):
        out["gx"] = xx.grad
    out.update({"g." + k: v.grad for k, v in p.items()})
    # Net.Train on this one sample: mean loss per target row.
    ps = [v.detach().clone().requires_grad_(True) for v in p.values()]
    q = dict(zip(p.keys(), ps))
    opt = make_opt(c, ps)
    for _ in range(STEPS):
        opt.zero_grad()
        top, last = forward(c, q, embed(c, q, x.to(dtype)), c["k"])
        (head_and_loss(c, q, last if c["last"] else top, yy) / yy.shape[0]).backward()
        if c["clip"] > 0:
            nn.utils.clip_grad_norm_(ps, c["clip"])
        opt.step()
    out.update({"w." + k: v.detach() for k, v in q.items()})
    # The optimiser alone: STEPS steps on the gradients above, held fixed
    # (set once, never zeroed; clip_grad_norm_ rescales them in place).
    ps = [v.detach().clone().requires_grad_(True) for v in p.values()]
    for v, g in zip(ps, p.values()):
        v.grad = g.grad.clone()
    opt = make_opt(c, ps)
    for _ in range(STEPS):
        if c["clip"] > 0:
            nn.utils.clip_grad_norm_(ps, c["clip"])
        opt.step()
    out.update({"s." + k: v.detach() for k, v in zip(p.keys(), ps)})
    return out


def make_opt(c, ps):
    if c["opt"] == "adam":
        return torch.optim.Adam(ps, lr=c["lr"])
    return torch.optim.SGD(ps, lr=c["lr"], momentum=c["momentum"], weight_decay=c["wd"])


def make_case(c, seed):
    """Returns (io, {}) for c, or None when ill-conditioned (gen_cases'
    make_case)."""
    torch.manual_seed(seed)
    lim = 1 / c["H"] ** 0.5
    init = {}
    for name, shape in param_shapes(c):
        w = lim if not name.startswith("head.") else 1 / width(c) ** 0.5
        v = (torch.rand(shape, dtype=torch.float64) * 2 - 1) * w
        if "bias" in name:
            v += torch.randn(shape, dtype=torch.float64) * 0.1
        init[name] = v.float().double()  # the float32 weights both sides hold
    x = torch.randn(c["T"], c["I"]).double()
    if c.get("lm"):  # the tokens; y is the one-hot of the next ones
        toks = torch.randint(c["lm"], (c["T"] + 1,))
        x = toks[:-1].double()
    rows, cols = (1 if c["last"] else c["T"]), c["head"] or width(c)
    if c.get("lm"):
        y = nn.functional.one_hot(toks[1:], c["lm"]).double()
    elif c["head"] and c["head_act"] == "softmax":
        y = torch.zeros(rows, cols, dtype=torch.float64)
        for t in range(rows):
            if rows == 1 or random.Random(seed + t).random() < 0.8:
                y[t, random.Random(seed - t).randrange(cols)] = 1
    elif c["head"] and c["head_act"] == "sigmoid":
        y = torch.rand(rows, cols).double()
    else:
        y = torch.randn(rows, cols).float().double()
    if not c.get("lm"):
        module_check(c, init, x)
    ref = run(c, init, x, y, torch.float64)
    f32 = run(c, init, x, y, torch.float32)
    for k, v in ref.items():
        if v.abs().max() > 0 and worst(f32[k], v) > COND:
            return None
    io = {"x": x, "y": y}
    io.update({"p." + k: v for k, v in init.items()})
    io.update(ref)
    return io, {}


def gen(out, n, seed=1):
    gen_cases(out, n, seed, draw, make_case)


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "gen":
        raise SystemExit(__doc__)
    gen(*sys.argv[2:])
