"""GQA: grouped-query self-attention with rotary embeddings, in torch.

Written the way LLaMA (rotate_half) and GPT-J (rotate_every_two)
implementations write it, with the tensor names of
nn.MultiheadAttention's separate layout, which attn's loader reads:
q_proj_weight (E×E), k_proj_weight and v_proj_weight (KV·d_head×E),
in_proj_bias (E + 2·KV·d_head), out_proj. torch_fixtures.py writes its
gqa_rope_* fixtures with it, attn_crosscheck.py its random cases (with
masks, far positions and gradients).
"""

import math

import torch
from torch import nn


class GQA(nn.Module):
    """Grouped-query self-attention: heads query heads sharing kv_heads
    key/value heads (kv_heads divides heads; 1 is multi-query), d_head =
    e/heads, rotary embeddings on the first rot_dims features of each head
    (even, 0 for none) with frequency base `base`, in GPT-J's interleaved
    convention or LLaMA's rotate-half one. With bias, in_proj_bias is drawn
    from N(0, bias_std²) and out_proj has a bias; without, neither has."""

    def __init__(self, e, heads, kv_heads, rot_dims, base, interleaved, bias=True, bias_std=0.1):
        super().__init__()
        self.e, self.heads, self.kv_heads, self.dh = e, heads, kv_heads, e // heads
        self.rot_dims, self.base, self.interleaved = rot_dims, base, interleaved
        kv = kv_heads * self.dh
        self.q_proj_weight = nn.Parameter(torch.randn(e, e) / math.sqrt(e))
        self.k_proj_weight = nn.Parameter(torch.randn(kv, e) / math.sqrt(e))
        self.v_proj_weight = nn.Parameter(torch.randn(kv, e) / math.sqrt(e))
        self.in_proj_bias = nn.Parameter(torch.randn(e + 2 * kv) * bias_std) if bias else None
        self.out_proj = nn.Linear(e, e, bias=bias)

    def rope(self, x, pos):
        """x (T×heads×d_head) rotated at positions pos (T): the angles are
        computed in float64 and then rounded to x's dtype."""
        d = self.rot_dims
        if d == 0:
            return x
        inv = 1.0 / (self.base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        ang = pos.to(torch.float64)[:, None] * inv[None]  # T×d/2
        ang = ang.to(x.dtype)
        rot, rest = x[..., :d], x[..., d:]
        if self.interleaved:  # GPT-J: pairs (2i, 2i+1)
            cos = ang.cos().repeat_interleave(2, dim=-1)[:, None]
            sin = ang.sin().repeat_interleave(2, dim=-1)[:, None]
            every_two = torch.stack((-rot[..., 1::2], rot[..., ::2]), dim=-1).flatten(-2)
            rot = rot * cos + every_two * sin
        else:  # LLaMA: pairs (i, i + d/2)
            cos = torch.cat((ang.cos(), ang.cos()), dim=-1)[:, None]
            sin = torch.cat((ang.sin(), ang.sin()), dim=-1)[:, None]
            half = torch.cat((-rot[..., d // 2:], rot[..., :d // 2]), dim=-1)
            rot = rot * cos + half * sin
        return torch.cat((rot, rest), dim=-1)

    def forward(self, x, keep=None):
        """x: T×E at positions 0..T-1; keep: T×T bool, True = attend
        (None: causal). A row with every key masked gives 0 (attn's rule;
        torch's softmax would give NaN)."""
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
        w = torch.where(keep.any(-1)[None, :, None], s.softmax(-1), torch.zeros_like(s))
        w = torch.nan_to_num(w, nan=0.0)
        ctx = torch.einsum("hij,jhd->ihd", w, v).reshape(t, e)
        return self.out_proj(ctx)
