"""What the torch fixture and cross-check scripts share.

torch_fixtures.py, attn_crosscheck.py, rnn_crosscheck.py and
rnn_gradcheck.py import it as they import safetensors_torch: each puts
its own folder (scripts/) first on sys.path, so it is found whether the
script runs from the repository's root or from scripts/.

  f32, float64_twin     a tensor as float32; a module's float64 copy, the
                        reference every answer is computed with
  perturb, transformer_pair
                        non-zero biases and norms away from 1, and a
                        perturbed module with its float64 twin
  transformer_stack, transformer_meta, ACTIVATIONS, gelu_tanh
                        torch.nn.TransformerEncoder/Decoder as the Go side
                        loads them, and their constructor arguments as
                        safetensors metadata
  sinusoidal_table      PyTorch's tutorial PositionalEncoding table
  worst, gen_cases      the relative error of a float32 answer, and the
                        redraw-and-write loop of the randomized RNN checks
"""

import json
import math
import os
import random

import torch
from torch import nn

from safetensors_torch import save_file


def f32(t):
    """t detached, as a contiguous float32 tensor."""
    return t.detach().to(torch.float32).contiguous()


def float64_twin(m, fresh):
    """fresh, a module built as m was, in float64 and holding m's weights."""
    fresh = fresh.double()
    fresh.load_state_dict({k: v.double() for k, v in m.state_dict().items()})
    return fresh


def perturb(m, bias_std, norm_std):
    """Draws m's biases from N(0, bias_std²) and its norms' weights from
    N(1, norm_std²), so that torch's zero biases and unit norms hide
    nothing."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("bias"):
                p.normal_(0, bias_std)
            elif "norm" in name and name.endswith("weight"):
                p.normal_(1, norm_std)


def transformer_pair(build, bias_std, norm_std):
    """build() perturbed (perturb), and its float64 twin, both in training
    mode (so torch takes its plain path, not the fused inference one)."""
    m = build()
    perturb(m, bias_std, norm_std)
    m64 = float64_twin(m, build())
    m.train(), m64.train()
    return m, m64


def gelu_tanh(x):
    return nn.functional.gelu(x, approximate="tanh")


# The activations by the name the metadata gives them: torch 1.13's layers
# take "relu" and "gelu" by name, the tanh form as a callable.
ACTIVATIONS = {"relu": "relu", "gelu": "gelu", "gelu_tanh": gelu_tanh}


def transformer_stack(decoder, d, heads, ff, layers, act, norm_first, eps, final_norm):
    """nn.TransformerDecoder (decoder true) or nn.TransformerEncoder of
    `layers` layers of d_model d, `heads` heads and a feed-forward block of
    ff, activation ACTIVATIONS[act], no dropout, batch_first, with a final
    LayerNorm if final_norm."""
    cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
    layer = cls(d, heads, ff, dropout=0.0, activation=ACTIVATIONS[act], layer_norm_eps=eps, batch_first=True,
                norm_first=norm_first)
    norm = nn.LayerNorm(d, eps=eps) if final_norm else None
    if decoder:
        return nn.TransformerDecoder(layer, layers, norm=norm)
    return nn.TransformerEncoder(layer, layers, norm=norm, enable_nested_tensor=False)


def transformer_meta(d, heads, ff, layers, act, norm_first, eps):
    """transformer_stack's constructor arguments, by torch's names, as the
    safetensors metadata the Go loaders read."""
    return {"d_model": str(d), "nhead": str(heads), "dim_feedforward": str(ff), "activation": act,
            "norm_first": str(norm_first), "layer_norm_eps": str(eps), "num_layers": str(layers),
            "batch_first": "True"}


def sinusoidal_table(max_len, d):
    """The sinusoidal position table of PyTorch's tutorial PositionalEncoding
    (max_len × d, float64): sines in the even columns, cosines in the odd
    ones. For odd d, where the tutorial's code fails, the cosines take the
    first d//2 frequencies (the usual fix)."""
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[:d // 2])
    return pe


def worst(a, b):
    """max |a − b| relative to max |b| (b all zero: to 1e-30), in float64."""
    return ((a.double() - b.double()).abs().max() / b.double().abs().max().clamp_min(1e-30)).item()


def gen_cases(out, n, seed, draw, make_case):
    """Writes n randomized cases to out/0000, out/0001, …

    r = random.Random(seed) draws each configuration c = draw(r) and then
    its torch seed, r.getrandbits(31), for make_case(c, torch_seed), which
    returns None for an ill-conditioned draw (drawn again) or (io, files).
    io (name → tensor) goes to io.safetensors as float32, with c's values
    as JSON in the metadata; files (file name → (tensors, metadata)) are
    written as they are."""
    r = random.Random(int(seed))
    n, redrawn = int(n), 0
    for i in range(n):
        while True:
            c = draw(r)
            case = make_case(c, r.getrandbits(31))
            if case is not None:
                break
            redrawn += 1
        io, files = case
        d = os.path.join(out, "%04d" % i)
        os.makedirs(d, exist_ok=True)
        for name, (tensors, meta) in files.items():
            save_file(tensors, os.path.join(d, name), meta)
        save_file({k: v.float().contiguous() for k, v in io.items()}, os.path.join(d, "io.safetensors"),
                  {k: json.dumps(v) for k, v in c.items()})
    print(f"wrote {n} cases in {out} ({redrawn} ill-conditioned draws redrawn)")
