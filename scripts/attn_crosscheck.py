#!/usr/bin/python3
"""A randomized cross-check of attn's grouped-query heads, rotary
embeddings, KV-cache decoding and gradients, and of nn's encoder
gradients, against PyTorch autograd in float64.

Run by hand with Debian's torch (apt-get install python3-torch); CI never
runs it, and the Go side skips unless told where the cases are.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/attn_crosscheck.py DIR N [SEED]
    SIMDCORE_ATTN_CROSSCHECK=DIR go test ./attn/ -run TestTorchCrossCheck
    SIMDCORE_ATTN_CROSSCHECK=DIR go test ./nn/ -run 'TestTorchCrossCheck(Grads|DecoderGrads)'

It draws N cases of each kind:

  DIR/gqa/NNNN   self-attention written by hand the way LLaMA (rotate_half)
                 and GPT-J (rotate_every_two) write it (scripts/torch_fixtures.py's
                 GQARope, with masks): heads 1 to 6, key/value heads any
                 divisor (1: multi-query), d_head 1 to 9 (odd ones too),
                 rotary over an even number of features up to d_head (or
                 none), either convention, base 2.5 to 10⁶, biases or not,
                 T 1 to 20. io.safetensors holds the input x, y_causal (the
                 causal output, which Prefill of the first `split` rows and
                 Decode of the rest must give), y (causal and a key padding
                 mask, and a boolean mask that empties some query rows,
                 whose output is then 0 as attn documents: torch's softmax
                 gives NaN), dy and autograd's gradients of Σ y·dy: dx and
                 d<name> for every parameter; and the rotation of random
                 heads at far positions (up to 10⁶−1): rot_pos, rot_in,
                 rot_out.
  DIR/enc/NNNN   torch.nn.TransformerEncoder (1 or 2 layers, pre- or
                 post-norm, relu, gelu or gelu-tanh, a final norm or not,
                 d_model 2 to 24) with causal and key padding masks
                 (never one that empties a row: torch gives NaN there);
                 io.safetensors holds x, y, dy, dx and d<name>.
  DIR/dec/NNNN   torch.nn.TransformerDecoder (1 or 2 layers, as enc) over a
                 memory of 1 to 10 rows with a key padding mask, causal or
                 not: y, dy, dtgt, dmemory and d<name>.
  DIR/pos/NNNN   the sinusoidal table for odd and even d_model, as the
                 tutorial's formula gives it where it runs (even d) and as
                 its usual fix for odd d (cos over the first d//2 terms).

Each model.safetensors is the state_dict with the constructor arguments in
its metadata. Every answer is computed in float64 from the float32
weights and inputs; a draw whose float32 torch answer is farther than
2e-6 (relative to the largest value) from the float64 one is drawn again,
since the Go tests compare to 1e-5 relative (torchtest.RequireClose).

Files are written by scripts/safetensors_torch.py.
"""

import math
import os
import random
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file  # noqa: E402


def f32(t):
    return t.detach().to(torch.float32).contiguous()


class GQA(nn.Module):
    """Grouped-query self-attention with optional rotary embeddings and
    masks; the names of nn.MultiheadAttention's separate layout."""

    def __init__(self, e, heads, kv_heads, rot_dims, base, interleaved, bias):
        super().__init__()
        self.e, self.heads, self.kv_heads, self.dh = e, heads, kv_heads, e // heads
        self.rot_dims, self.base, self.interleaved = rot_dims, base, interleaved
        kv = kv_heads * self.dh
        self.q_proj_weight = nn.Parameter(torch.randn(e, e) / math.sqrt(e))
        self.k_proj_weight = nn.Parameter(torch.randn(kv, e) / math.sqrt(e))
        self.v_proj_weight = nn.Parameter(torch.randn(kv, e) / math.sqrt(e))
        self.in_proj_bias = nn.Parameter(torch.randn(e + 2 * kv) * 0.3) if bias else None
        self.out_proj = nn.Linear(e, e, bias=bias)

    def rope(self, x, pos):  # x: T×heads×dh, pos: T
        d = self.rot_dims
        if d == 0:
            return x
        inv = 1.0 / (self.base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        ang = pos.to(torch.float64)[:, None] * inv[None]  # T×d/2
        ang = ang.to(x.dtype)
        rot, rest = x[..., :d], x[..., d:]
        if self.interleaved:
            cos = ang.cos().repeat_interleave(2, dim=-1)[:, None]
            sin = ang.sin().repeat_interleave(2, dim=-1)[:, None]
            every_two = torch.stack((-rot[..., 1::2], rot[..., ::2]), dim=-1).flatten(-2)
            rot = rot * cos + every_two * sin
        else:
            cos = torch.cat((ang.cos(), ang.cos()), dim=-1)[:, None]
            sin = torch.cat((ang.sin(), ang.sin()), dim=-1)[:, None]
            half = torch.cat((-rot[..., d // 2:], rot[..., :d // 2]), dim=-1)
            rot = rot * cos + half * sin
        return torch.cat((rot, rest), dim=-1)

    def forward(self, x, keep=None):  # x: T×E; keep: T×T bool, True = attend
        t, e, kv = x.shape[0], self.e, self.kv_heads * self.dh
        b = self.in_proj_bias if self.in_proj_bias is not None else torch.zeros(e + 2 * kv, dtype=x.dtype)
        q = (x @ self.q_proj_weight.T + b[:e]).view(t, self.heads, self.dh)
        k = (x @ self.k_proj_weight.T + b[e:e + kv]).view(t, self.kv_heads, self.dh)
        v = (x @ self.v_proj_weight.T + b[e + kv:]).view(t, self.kv_heads, self.dh)
        pos = torch.arange(t)
        q, k = self.rope(q, pos), self.rope(k, pos)
        group = self.heads // self.kv_heads
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        s = torch.einsum("ihd,jhd->hij", q, k) / math.sqrt(self.dh)
        if keep is None:
            keep = torch.ones(t, t, dtype=torch.bool).tril()
        s = s.masked_fill(~keep, -math.inf)
        # A row with every key masked: weights 0 (attn's rule), not NaN.
        w = torch.where(keep.any(-1)[None, :, None], s.softmax(-1), torch.zeros_like(s))
        w = torch.nan_to_num(w, nan=0.0)
        ctx = torch.einsum("hij,jhd->ihd", w, v).reshape(t, e)
        return self.out_proj(ctx)


def close(a, b):
    scale = b.abs().max().item()
    return scale == 0 or (a.double() - b).abs().max().item() <= 2e-6 * scale


def grads(m, x, fwd, dy):
    """Σ fwd(m, x)·dy's gradients: dx and every parameter's."""
    m.zero_grad()
    x = x.clone().requires_grad_(True)
    y = fwd(m, x)
    (y * dy).sum().backward()
    out = {"dx": x.grad}
    for n, p in m.named_parameters():
        out["d" + n] = p.grad
    return y, out


def gqa_case(rng, path):
    while True:
        heads = rng.randint(1, 6)
        kv_heads = rng.choice([d for d in range(1, heads + 1) if heads % d == 0])
        dh = rng.randint(1, 9)
        e = heads * dh
        rot_dims = rng.choice([0] + list(range(2, dh + 1, 2))) if dh >= 2 else 0
        base = rng.choice([10000.0, 500.0, 1e6, 2.5])
        inter = rng.random() < 0.5
        bias = rng.random() < 0.7
        t = rng.randint(1, 20)
        split = rng.randint(1, t)
        m = GQA(e, heads, kv_heads, rot_dims, base, inter, bias)
        m64 = GQA(e, heads, kv_heads, rot_dims, base, inter, bias).double()
        m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
        x = torch.randn(t, e)
        keep_keys = torch.rand(t) > 0.3
        keep = torch.ones(t, t, dtype=torch.bool).tril() & keep_keys[None, :]
        rows = torch.rand(t) < 0.2  # rows emptied by the boolean mask
        bool_keep = ~rows[:, None].expand(t, t)
        keep = keep & bool_keep
        dy = torch.randn(t, e)
        with torch.no_grad():
            yc = m64(x.double())
            yc32 = m(x)
        y, g = grads(m64, x.double(), lambda mm, xx: mm(xx, keep), dy.double())
        y32, g32 = grads(m, x, lambda mm, xx: mm(xx, keep), dy)
        if not (close(yc32, yc) and close(y32, y) and all(close(g32[k], g[k]) for k in g)):
            continue
        # Far positions: rotate random heads at positions up to 10⁶−1.
        io = {"x": x, "y_causal": yc, "y": y, "dy": dy, "keep_keys": keep_keys.float(), "bool_keep": bool_keep.float()}
        io.update(g)
        if rot_dims:
            pos = torch.tensor([0, 1, 7, 4095, 65537, 100000, 999999])
            hx = torch.randn(len(pos), 1, dh, dtype=torch.float64)
            io["rot_pos"] = pos.double()
            io["rot_in"] = hx[:, 0]
            io["rot_out"] = m64.rope(hx, pos)[:, 0]
        meta = {"embed_dim": str(e), "num_heads": str(heads), "num_kv_heads": str(kv_heads), "batch_first": "True"}
        if rot_dims:
            meta.update({"rotary_dims": str(rot_dims), "rotary_base": repr(base), "rotary_interleaved": str(inter)})
        os.makedirs(path, exist_ok=True)
        save_file({k: f32(v) for k, v in m.state_dict().items()}, os.path.join(path, "model.safetensors"), meta)
        save_file({k: f32(v) for k, v in io.items()}, os.path.join(path, "io.safetensors"),
                  {"heads": str(heads), "split": str(split), "bias": str(bias)})
        return


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


ACTS = {"relu": F.relu, "gelu": F.gelu, "gelu_tanh": gelu_tanh}


def enc_case(rng, path):
    while True:
        heads = rng.randint(1, 4)
        d = heads * rng.randint(1, 6)
        ff = rng.randint(1, 40)
        layers = rng.randint(1, 2)
        act = rng.choice(list(ACTS))
        norm_first = rng.random() < 0.5
        final = rng.random() < 0.5
        eps = rng.choice([1e-5, 1e-6, 1e-3])
        t = rng.randint(1, 12)
        causal = rng.random() < 0.6
        pad = torch.rand(t) < 0.3
        pad[0] = False  # no row without keys (torch gives NaN)
        if not causal and pad.all():
            pad[0] = False

        def build():
            layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=ACTS[act], layer_norm_eps=eps,
                                               batch_first=True, norm_first=norm_first)
            norm = nn.LayerNorm(d, eps=eps) if final else None
            return nn.TransformerEncoder(layer, layers, norm=norm, enable_nested_tensor=False)

        m = build()
        with torch.no_grad():
            for n, p in m.named_parameters():
                if n.endswith("bias"):
                    p.normal_(0, 0.2)
                elif "norm" in n:
                    p.normal_(1, 0.3)
        m64 = build().double()
        m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
        m.train(), m64.train()
        x = torch.randn(t, d)
        dy = torch.randn(t, d)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1) if causal else None

        def fwd(mm, xx):
            return mm(xx[None], mask=mask, src_key_padding_mask=pad[None])[0]

        y, g = grads(m64, x.double(), fwd, dy.double())
        y32, g32 = grads(m, x, fwd, dy)
        if not (close(y32, y) and all(close(g32[k], g[k]) for k in g)):
            continue
        meta = {"d_model": str(d), "nhead": str(heads), "dim_feedforward": str(ff), "activation": act,
                "norm_first": str(norm_first), "layer_norm_eps": repr(eps), "num_layers": str(layers),
                "batch_first": "True"}
        io = {"x": x, "y": y, "dy": dy, "key_pad": pad.float()}
        io.update(g)
        os.makedirs(path, exist_ok=True)
        save_file({k: f32(v) for k, v in m.state_dict().items()}, os.path.join(path, "model.safetensors"), meta)
        save_file({k: f32(v) for k, v in io.items()}, os.path.join(path, "io.safetensors"), {"causal": str(causal)})
        return


def dec_case(rng, path):
    while True:
        heads = rng.randint(1, 4)
        d = heads * rng.randint(1, 6)
        ff = rng.randint(1, 40)
        layers = rng.randint(1, 2)
        act = rng.choice(list(ACTS))
        norm_first = rng.random() < 0.5
        final = rng.random() < 0.5
        eps = rng.choice([1e-5, 1e-6, 1e-3])
        t, s = rng.randint(1, 10), rng.randint(1, 10)
        causal = rng.random() < 0.7
        mpad = torch.rand(s) < 0.3
        mpad[rng.randrange(s)] = False  # some memory key for every row

        def build():
            layer = nn.TransformerDecoderLayer(d, heads, ff, dropout=0.0, activation=ACTS[act], layer_norm_eps=eps,
                                               batch_first=True, norm_first=norm_first)
            norm = nn.LayerNorm(d, eps=eps) if final else None
            return nn.TransformerDecoder(layer, layers, norm=norm)

        m = build()
        with torch.no_grad():
            for n, p in m.named_parameters():
                if n.endswith("bias"):
                    p.normal_(0, 0.2)
                elif "norm" in n:
                    p.normal_(1, 0.3)
        m64 = build().double()
        m64.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
        tgt, mem, dy = torch.randn(t, d), torch.randn(s, d), torch.randn(t, d)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1) if causal else None

        def run(mm, tg, me, dyy):
            mm.zero_grad()
            tg, me = tg.clone().requires_grad_(True), me.clone().requires_grad_(True)
            y = mm(tg[None], me[None], tgt_mask=mask, memory_key_padding_mask=mpad[None])[0]
            (y * dyy).sum().backward()
            g = {"dtgt": tg.grad, "dmemory": me.grad}
            for n, p in mm.named_parameters():
                g["d" + n] = p.grad
            return y, g

        y, g = run(m64, tgt.double(), mem.double(), dy.double())
        y32, g32 = run(m, tgt, mem, dy)
        if not (close(y32, y) and all(close(g32[k], g[k]) for k in g)):
            continue
        meta = {"d_model": str(d), "nhead": str(heads), "dim_feedforward": str(ff), "activation": act,
                "norm_first": str(norm_first), "layer_norm_eps": repr(eps), "num_layers": str(layers),
                "batch_first": "True"}
        io = {"tgt": tgt, "memory": mem, "y": y, "dy": dy, "memory_pad": mpad.float()}
        io.update(g)
        os.makedirs(path, exist_ok=True)
        save_file({k: f32(v) for k, v in m.state_dict().items()}, os.path.join(path, "model.safetensors"), meta)
        save_file({k: f32(v) for k, v in io.items()}, os.path.join(path, "io.safetensors"), {"causal": str(causal)})
        return


def pos_case(rng, path):
    max_len, d = rng.randint(1, 300), rng.randint(1, 40)
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[:d // 2])
    os.makedirs(path, exist_ok=True)
    save_file({"pe": f32(pe)}, os.path.join(path, "io.safetensors"))


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    torch.manual_seed(seed)
    for i in range(n):
        gqa_case(rng, os.path.join(root, "gqa", "%04d" % i))
        enc_case(rng, os.path.join(root, "enc", "%04d" % i))
        dec_case(rng, os.path.join(root, "dec", "%04d" % i))
        pos_case(rng, os.path.join(root, "pos", "%04d" % i))
    print("wrote %d cases of each kind to %s" % (n, root))


if __name__ == "__main__":
    main()
