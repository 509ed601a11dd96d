"""Writes ref_k.bin: an independent numpy evaluation of each single-node case, by ONNX's text."""
import sys, os, json
import numpy as np
import onnx
from onnx import numpy_helper

f32 = np.float32

def rint(x):
    return np.rint(x)

def qclip(q, dt):
    lo, hi = (-128, 127) if dt == np.int8 else (0, 255)
    return np.clip(q, lo, hi)

def wrap32(a):
    return ((a.astype(np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)

def quant(acc, mul, zp, dt):
    with np.errstate(all="ignore"):
        v = acc.astype(f32) * f32(mul)
        q = rint(v)
        q = np.where(np.isnan(q), 0, q)
        return qclip(q + np.float32(zp), dt).astype(dt)

def conv_int(x, w, attrs, xz, wz):
    """exact int64 sums of (x-xz)(w-wz) with padding counting as xz."""
    N, C = x.shape[:2]
    M, cg = w.shape[:2]
    ker = list(w.shape[2:])
    nd = len(ker)
    g = attrs.get("group", 1)
    st = attrs.get("strides", [1] * nd)
    dl = attrs.get("dilations", [1] * nd)
    ins = list(x.shape[2:])
    ap = attrs.get("auto_pad", b"NOTSET")
    ap = ap.decode() if isinstance(ap, bytes) else ap
    if ap in ("SAME_UPPER", "SAME_LOWER"):
        pb, pe = [], []
        for j in range(nd):
            out = -(-ins[j] // st[j])
            tot = max(0, (out - 1) * st[j] + (ker[j] - 1) * dl[j] + 1 - ins[j])
            b = tot // 2 if ap == "SAME_UPPER" else tot - tot // 2
            pb.append(b); pe.append(tot - b)
    elif ap == "VALID":
        pb, pe = [0] * nd, [0] * nd
    else:
        p = attrs.get("pads", [0] * 2 * nd)
        pb, pe = p[:nd], p[nd:]
    xx = x.astype(np.int64) - np.asarray(xz, np.int64)
    xp = np.pad(xx, [(0, 0), (0, 0)] + [(pb[j], pe[j]) for j in range(nd)])
    ww = w.astype(np.int64) - np.asarray(wz, np.int64).reshape([-1] + [1] * (nd + 1)) if np.asarray(wz).size > 1 else w.astype(np.int64) - np.int64(np.asarray(wz).reshape(-1)[0] if np.asarray(wz).size else 0)
    outs = [(ins[j] + pb[j] + pe[j] - ((ker[j] - 1) * dl[j] + 1)) // st[j] + 1 for j in range(nd)]
    y = np.zeros([N, M] + outs, np.int64)
    mg = M // g
    for m in range(M):
        gi = m // mg
        for idx in np.ndindex(*ker):
            sl = [slice(None), slice(gi * cg, (gi + 1) * cg)]
            for j in range(nd):
                s0 = idx[j] * dl[j]
                sl.append(slice(s0, s0 + (outs[j] - 1) * st[j] + 1, st[j]))
            patch = xp[tuple(sl)]  # N, cg, outs
            wv = ww[m][(slice(None),) + idx]  # cg
            y[:, m] += np.tensordot(patch, wv, axes=([1], [0]))
    return y

def run(dirn):
    m = onnx.load(os.path.join(dirn, "model.onnx"))
    meta = json.load(open(os.path.join(dirn, "meta.json")))
    vals = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for i, inp in enumerate(meta["inputs"]):
        a = np.fromfile(os.path.join(dirn, f"in_{i}.bin"), dtype=np.dtype(inp["dtype"])).reshape(inp["dims"])
        vals[inp["name"]] = a
    if len(m.graph.node) != 1:
        return None
    n = m.graph.node[0]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
    I = [vals[x] if x else None for x in n.input] + [None] * 10
    op = n.op_type
    def rowv(p, A):  # A's param as [..., M, 1]
        if p is None:
            return np.int64(0)
        if p.ndim == 1 and p.size > 1:
            return p.reshape(-1, 1)
        if p.size == 1:
            return p.reshape(())
        return p
    def colv(p):
        if p is None:
            return np.int64(0)
        if p.size == 1:
            return p.reshape(())
        return p
    if op == "MatMulInteger":
        a = I[0].astype(np.int64) - rowv(I[2], I[0]).astype(np.int64)
        b = I[1].astype(np.int64) - colv(I[3]).astype(np.int64)
        return [wrap32(np.matmul(a, b))]
    if op == "QLinearMatMul":
        a = I[0].astype(np.int64) - rowv(I[2], I[0]).astype(np.int64)
        b = I[3].astype(np.int64) - colv(I[5]).astype(np.int64)
        acc = wrap32(np.matmul(a, b))
        sa, sb = rowv(I[1], I[0]), colv(I[4])
        if I[0].ndim == 1:
            sa = sa.reshape(())
        if I[3].ndim == 1:
            sb = sb.reshape(())
        mul = (sa.astype(f32) * sb.astype(f32)).astype(f32) / I[6].astype(f32)
        mul = mul.astype(f32)
        if I[0].ndim == 1 and mul.ndim >= 2:
            mul = mul[..., 0, :]
        if I[3].ndim == 1 and mul.ndim >= 1:
            mul = mul[..., 0]
        v = (acc.astype(f32) * mul).astype(f32)
        q = np.rint(v)
        return [qclip(q + f32(I[7]), I[7].dtype.type).astype(I[7].dtype)]
    if op in ("ConvInteger", "QLinearConv"):
        if op == "ConvInteger":
            x, w, xz, wz = I[0], I[1], I[2], I[3]
        else:
            x, w, xz, wz = I[0], I[3], I[2], I[5]
        xz = 0 if xz is None else xz.reshape(-1)[0]
        wz = np.zeros(1, np.int64) if wz is None else wz
        acc = conv_int(x, w, attrs, xz, wz)
        if op == "ConvInteger":
            return [wrap32(acc)]
        M = w.shape[0]
        if I[8] is not None:
            acc = acc + I[8].astype(np.int64).reshape([1, M] + [1] * (acc.ndim - 2))
        acc = wrap32(acc)
        ws = np.broadcast_to(I[4].reshape(-1), [M])
        out = np.empty(acc.shape, I[7].dtype)
        for mm in range(M):
            mul = f32(f32(I[1] * ws[mm]) / I[6])
            out[:, mm] = quant(acc[:, mm], mul, I[7], I[7].dtype.type)
        return [out]
    return None

for d in sorted(os.listdir(sys.argv[1])):
    dirn = os.path.join(sys.argv[1], d)
    try:
        r = run(dirn)
    except Exception as e:
        print(d, "ref failed", e)
        continue
    if r is None:
        continue
    for k, a in enumerate(r):
        np.ascontiguousarray(a.reshape(-1)).tofile(os.path.join(dirn, f"ref_{k}.bin"))
