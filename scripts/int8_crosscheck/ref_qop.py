# An independent numpy evaluation of the QGemm cases of gen_qop.py: exact
# integer sums (A − a_zero_point)(B − b_zero_point) plus C, wrapped to
# int32, then ONNX Runtime's float32 steps (scale = (alpha·a_scale)·b_scale
# [/ y_scale], float32(acc)·scale, rounded half to even, plus y_zero_point,
# saturated). Writes ref_0.bin beside each case; cmp then counts how many
# elements ours and ONNX Runtime's miss it by.
# usage: ref_qop.py ROOT
import glob, json, os, sys
import numpy as np
import onnx
from onnx import numpy_helper

F = np.float32
for d in sorted(glob.glob(os.path.join(sys.argv[1], "QGemm_*"))):
    m = onnx.load(os.path.join(d, "model.onnx"))
    n = m.graph.node[0]
    vals = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    meta = json.load(open(os.path.join(d, "meta.json")))
    for k, i in enumerate(meta["inputs"]):
        vals[i["name"]] = np.fromfile(os.path.join(d, f"in_{k}.bin"), dtype=i["dtype"]).reshape(i["dims"])
    at = {a.name: (a.f if a.type == onnx.AttributeProto.FLOAT else a.i) for a in n.attribute}
    ins = [vals.get(x) if x else None for x in n.input] + [None] * (9 - len(n.input))
    A, B = ins[0].astype(np.int64), ins[3].astype(np.int64)
    if at.get("transA", 0):
        A = A.T
    if at.get("transB", 0):
        B = B.T
    M, K, N = A.shape[0], A.shape[1], B.shape[1]
    if K == 0:
        continue
    zb = np.broadcast_to(ins[5].reshape(-1).astype(np.int64), (N,))
    sb = np.broadcast_to(ins[4].reshape(-1).astype(F), (N,))
    acc = (A - int(ins[2].reshape(-1)[0])) @ (B - zb)
    if ins[6] is not None:
        c = ins[6].astype(np.int64)
        if c.size == 1:
            c = c.reshape(())
        elif c.ndim == 2 and c.shape == (M, 1):
            pass
        else:
            c = c.reshape(-1) if c.ndim == 1 or c.shape[0] == 1 else c
        acc = acc + c
    acc = ((acc + 2**31) % 2**32 - 2**31).astype(np.int32)
    scale = (F(at.get("alpha", 1.0)) * F(ins[1].reshape(-1)[0])) * sb
    if ins[7] is None:
        y = (acc.astype(F) * scale).astype(F)
    else:
        scale = (scale / F(ins[7].reshape(-1)[0])).astype(F)
        lo, hi = (-128, 127) if ins[0].dtype == np.int8 else (0, 255)
        q = np.rint((acc.astype(F) * scale).astype(F))
        q = np.where(np.isnan(q), lo - int(ins[8].reshape(-1)[0]), q)
        y = np.clip(q + int(ins[8].reshape(-1)[0]), lo, hi).astype(ins[0].dtype)
    y.tofile(os.path.join(d, "ref_0.bin"))
