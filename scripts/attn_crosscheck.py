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
                 and GPT-J (rotate_every_two) write it (scripts/torch_gqa.py's
                 GQA, with masks): heads 1 to 6, key/value heads any
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

import functools
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import save_file  # noqa: E402
from torch_gqa import GQA  # noqa: E402
from torchutil import (ACTIVATIONS, f32, float64_twin, sinusoidal_table, transformer_meta,  # noqa: E402
                       transformer_pair, transformer_stack)


def close(a, b):
    scale = b.abs().max().item()
    return scale == 0 or (a.double() - b).abs().max().item() <= 2e-6 * scale


def grads(m, xs, fwd, dy):
    """fwd(m, *xs.values()) and its gradients of Σ y·dy: "d" + name for
    each input in xs (name → tensor) and for every parameter of m."""
    m.zero_grad()
    xs = {k: v.clone().requires_grad_(True) for k, v in xs.items()}
    y = fwd(m, *xs.values())
    (y * dy).sum().backward()
    out = {"d" + k: v.grad for k, v in xs.items()}
    for n, p in m.named_parameters():
        out["d" + n] = p.grad
    return y, out


def save_case(path, m, meta, io, io_meta=None):
    """path/model.safetensors: m's state_dict with meta; path/io.safetensors:
    io with io_meta; both in float32."""
    os.makedirs(path, exist_ok=True)
    save_file({k: f32(v) for k, v in m.state_dict().items()}, os.path.join(path, "model.safetensors"), meta)
    save_file({k: f32(v) for k, v in io.items()}, os.path.join(path, "io.safetensors"), io_meta)


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
        m = GQA(e, heads, kv_heads, rot_dims, base, inter, bias, bias_std=0.3)
        m64 = float64_twin(m, GQA(e, heads, kv_heads, rot_dims, base, inter, bias, bias_std=0.3))
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
        y, g = grads(m64, {"x": x.double()}, lambda mm, xx: mm(xx, keep), dy.double())
        y32, g32 = grads(m, {"x": x}, lambda mm, xx: mm(xx, keep), dy)
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
        save_case(path, m, meta, io, {"heads": str(heads), "split": str(split), "bias": str(bias)})
        return


def draw_stack(rng):
    """The arguments of transformer_meta, then whether there is a final norm:
    what enc_case and dec_case draw alike."""
    heads = rng.randint(1, 4)
    d = heads * rng.randint(1, 6)
    ff = rng.randint(1, 40)
    layers = rng.randint(1, 2)
    act = rng.choice(list(ACTIVATIONS))
    norm_first = rng.random() < 0.5
    final = rng.random() < 0.5
    eps = rng.choice([1e-5, 1e-6, 1e-3])
    return (d, heads, ff, layers, act, norm_first, eps), final


def enc_case(rng, path):
    while True:
        args, final = draw_stack(rng)
        t = rng.randint(1, 12)
        causal = rng.random() < 0.6
        pad = torch.rand(t) < 0.3
        pad[0] = False  # no row without keys (torch gives NaN)
        if not causal and pad.all():
            pad[0] = False
        m, m64 = transformer_pair(functools.partial(transformer_stack, False, *args, final), 0.2, 0.3)
        d = args[0]
        x = torch.randn(t, d)
        dy = torch.randn(t, d)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1) if causal else None

        def fwd(mm, xx):
            return mm(xx[None], mask=mask, src_key_padding_mask=pad[None])[0]

        y, g = grads(m64, {"x": x.double()}, fwd, dy.double())
        y32, g32 = grads(m, {"x": x}, fwd, dy)
        if not (close(y32, y) and all(close(g32[k], g[k]) for k in g)):
            continue
        io = {"x": x, "y": y, "dy": dy, "key_pad": pad.float()}
        io.update(g)
        save_case(path, m, transformer_meta(*args), io, {"causal": str(causal)})
        return


def dec_case(rng, path):
    while True:
        args, final = draw_stack(rng)
        t, s = rng.randint(1, 10), rng.randint(1, 10)
        causal = rng.random() < 0.7
        mpad = torch.rand(s) < 0.3
        mpad[rng.randrange(s)] = False  # some memory key for every row
        m, m64 = transformer_pair(functools.partial(transformer_stack, True, *args, final), 0.2, 0.3)
        d = args[0]
        tgt, mem, dy = torch.randn(t, d), torch.randn(s, d), torch.randn(t, d)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1) if causal else None

        def fwd(mm, tg, me):
            return mm(tg[None], me[None], tgt_mask=mask, memory_key_padding_mask=mpad[None])[0]

        y, g = grads(m64, {"tgt": tgt.double(), "memory": mem.double()}, fwd, dy.double())
        y32, g32 = grads(m, {"tgt": tgt, "memory": mem}, fwd, dy)
        if not (close(y32, y) and all(close(g32[k], g[k]) for k in g)):
            continue
        io = {"tgt": tgt, "memory": mem, "y": y, "dy": dy, "memory_pad": mpad.float()}
        io.update(g)
        save_case(path, m, transformer_meta(*args), io, {"causal": str(causal)})
        return


def pos_case(rng, path):
    max_len, d = rng.randint(1, 300), rng.randint(1, 40)
    os.makedirs(path, exist_ok=True)
    save_file({"pe": f32(sinusoidal_table(max_len, d))}, os.path.join(path, "io.safetensors"))


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
