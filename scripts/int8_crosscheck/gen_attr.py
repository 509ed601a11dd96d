import sys
import numpy as np
from common import *
from onnx import TensorProto as TP
root = sys.argv[1]
shutil.rmtree(root, ignore_errors=True)
rng = np.random.default_rng(5)
x = (rng.normal(0, 2, [4, 6])).astype(np.float32)

def q(name, opset, attrs, zp=None, scale=np.float32(0.05), xin=x, op="QuantizeLinear", note="", feed=True):
    c = Case(root, name, "attr", opset=opset, note=note or f"{op} op{opset} {attrs}")
    ins = [c.tensor("x", xin, feed and xin.dtype.type not in (np.float16, np.int16, np.uint16)), c.tensor("s", np.asarray(scale), False)]
    if zp is not None:
        ins.append(c.tensor("z", zp, False))
    c.node(op, ins, ["y"], **attrs)
    c.out("y")
    c.write()
    return c

q("a01_outdtype_int8_nozp", 21, {"output_dtype": TP.INT8})
q("a02_outdtype_uint8_nozp", 21, {"output_dtype": TP.UINT8})
q("a03_outdtype_int8_zp_int8", 21, {"output_dtype": TP.INT8}, zp=np.array(3, np.int8))
q("a04_outdtype_uint8_zp_int8", 21, {"output_dtype": TP.UINT8}, zp=np.array(3, np.int8))
q("a05_saturate0_int8", 19, {"saturate": 0}, zp=np.array(3, np.int8))
q("a06_saturate0_int8_21", 21, {"saturate": 0}, zp=np.array(3, np.int8))
# blocked quantization: axis 1, block 2 -> scale [4,3]
bs = rng.uniform(0.01, 0.1, [4, 3]).astype(np.float32)
q("a07_block2_axis1", 21, {"axis": 1, "block_size": 2}, zp=randq(rng, np.int8, [4, 3]), scale=bs)
q("a08_block4_axis1_ragged", 21, {"axis": 1, "block_size": 4}, zp=randq(rng, np.uint8, [4, 2]), scale=bs[:, :2].copy())
q("a09_block2_axis0", 21, {"axis": 0, "block_size": 2}, zp=randq(rng, np.int8, [2, 6]), scale=rng.uniform(0.01, 0.1, [2, 6]).astype(np.float32))
q("a10_block3_axis0_noz", 21, {"axis": 0, "block_size": 3}, scale=rng.uniform(0.01, 0.1, [2, 6]).astype(np.float32))
xi8 = randq(rng, np.int8, [4, 6])
q("a11_dq_block2_axis1", 21, {"axis": 1, "block_size": 2}, zp=randq(rng, np.int8, [4, 3]), scale=bs, xin=xi8, op="DequantizeLinear")
q("a12_dq_block4_axis0_ragged", 21, {"axis": 0, "block_size": 3}, zp=randq(rng, np.int8, [2, 6]), scale=rng.uniform(0.01, 0.1, [2, 6]).astype(np.float32), xin=xi8, op="DequantizeLinear")
q("a13_block_size_per_tensor", 21, {"block_size": 2}, zp=np.array(3, np.int8))
q("a14_block_op19", 19, {"axis": 1, "block_size": 2}, zp=randq(rng, np.int8, [4, 3]), scale=bs)
# float16 scale / x
q("a15_x_f16", 19, {}, zp=np.array(3, np.int8), xin=x.astype(np.float16), scale=np.float16(0.05))
q("a16_dq_scale_f16", 19, {}, zp=np.array(3, np.int8), xin=xi8, scale=np.float16(0.05), op="DequantizeLinear")
# int16 zero point
q("a17_zp_int16", 21, {}, zp=np.array(3, np.int16))
q("a18_zp_uint16", 21, {}, zp=np.array(3, np.uint16))
q("a19_dq_int16", 21, {}, zp=np.array(3, np.int16), xin=rng.integers(-3000, 3000, [4, 6]).astype(np.int16), op="DequantizeLinear")
# int32 x for QuantizeLinear (opset 19+)
q("a20_x_int32", 19, {}, zp=np.array(3, np.int8), xin=rng.integers(-300, 300, [4, 6]).astype(np.int32), scale=np.float32(2.0))
# per-axis at opset 10
q("a21_peraxis_op10", 10, {"axis": 1}, zp=randq(rng, np.int8, [6]), scale=rng.uniform(0.01, 0.1, [6]).astype(np.float32))
# axis out of range with per-axis scale
q("a22_axis_oob", 13, {"axis": 2}, zp=randq(rng, np.int8, [6]), scale=rng.uniform(0.01, 0.1, [6]).astype(np.float32))
# 2-D scale without block_size
q("a23_scale2d_noblock", 21, {"axis": 1}, zp=randq(rng, np.int8, [4, 6]), scale=rng.uniform(0.01, 0.1, [4, 6]).astype(np.float32))
# zp type mismatch with output_dtype via dq
q("a24_dq_int32_zp_nonzero", 13, {}, zp=np.array(7, np.int32), xin=rng.integers(-2**31, 2**31, [4, 6], dtype=np.int64).astype(np.int32), scale=np.float32(0.5), op="DequantizeLinear")
q("a25_dq_int32_big", 13, {}, xin=np.array([[16777217, -16777217, 2147483647, -2147483648, 33554435, 7]] * 4, np.int32), scale=np.float32(1.0), op="DequantizeLinear")
# zero scale
q("a26_zero_scale", 13, {}, zp=np.array(3, np.int8), scale=np.float32(0.0))
q("a27_neg_scale", 13, {}, zp=np.array(3, np.int8), scale=np.float32(-0.05))
q("a28_dq_peraxis_neg_axis", 13, {"axis": -2}, zp=randq(rng, np.uint8, [4]), scale=rng.uniform(0.01, 0.1, [4]).astype(np.float32), xin=randq(rng, np.uint8, [4, 6]), op="DequantizeLinear")
# scale as a 1-element per-axis where dim != 1 (broadcast?)
q("a29_scale_1elem_axis", 13, {"axis": 1}, zp=np.array([3], np.int8), scale=np.array([0.05], np.float32))
# dynamic quantize with NaN / inf
c = Case(root, "a30_dyn_nan", "attr", opset=11, note="DynamicQuantizeLinear NaN")
xx = x.copy(); xx[1, 2] = np.nan
c.tensor("x", xx, True); c.node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"]); [c.out(o) for o in ["y", "ys", "yz"]]; c.write()
c = Case(root, "a31_dyn_inf", "attr", opset=11, note="DynamicQuantizeLinear Inf")
xx = x.copy(); xx[1, 2] = np.inf
c.tensor("x", xx, True); c.node("DynamicQuantizeLinear", ["x"], ["y", "ys", "yz"]); [c.out(o) for o in ["y", "ys", "yz"]]; c.write()
