#!/usr/bin/env python3
"""Writes testdata/onnx/ort/dq_lstm: a torch LSTM exported to ONNX and turned
into ONNX Runtime's com.microsoft DynamicQuantizeLSTM the way its dynamic
quantizer does it (onnxruntime/python/tools/quantization/operators/lstm.py):
W and R quantized per output row to symmetric int8 (scale max|row|/127, zero
point 0), transposed to [num_directions, input_size, 4*hidden_size] and
[num_directions, hidden_size, 4*hidden_size], scales and zero points of shape
[num_directions, 4*hidden_size] as inputs 8 to 11.

It writes model.onnx, test_data_set_0/input_0.pb and torch_float/output_*.pb
(the float LSTM's outputs, before quantization); ONNX Runtime's outputs come
from bench/peers/ort_exports.mjs:

    /usr/bin/python3 scripts/export_dq_lstm.py
    node bench/peers/ort_exports.mjs -src testdata/onnx/ort -out /tmp/ort_dq
    cp /tmp/ort_dq/dq_lstm/test_data_set_0/output_*.pb testdata/onnx/ort/dq_lstm/test_data_set_0/

Needs python3-torch and python3-onnx (Debian); run from the repository root.
"""
import io
import os

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

torch.manual_seed(23)
OUT = os.path.join("testdata", "onnx", "ort", "dq_lstm")


class Seq(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(6, 12, bidirectional=True)

    def forward(self, x):
        return self.lstm(x)


model = Seq().eval()
x = torch.randn(7, 2, 6)
with torch.no_grad():
    y, (h, c) = model(x)
buf = io.BytesIO()
torch.onnx.export(model, (x,), buf, opset_version=14, input_names=["x"], output_names=["y", "h", "c"])
m = onnx.load_from_string(buf.getvalue())
g = m.graph
inits = {t.name: t for t in g.initializer}
lstm = next(n for n in g.node if n.op_type == "LSTM")


def quantize(name):
    w = numpy_helper.to_array(inits[name]).astype(np.float32)  # [D, 4H, rows]
    scale = np.abs(w).max(axis=2) / np.float32(127)  # [D, 4H]
    q = np.clip(np.rint(w / scale[:, :, None]), -127, 127).astype(np.int8)
    g.initializer.remove(inits[name])
    names = [name + "_q", name + "_scale", name + "_zero"]
    g.initializer.extend([
        numpy_helper.from_array(np.ascontiguousarray(q.transpose(0, 2, 1)), names[0]),
        numpy_helper.from_array(scale.astype(np.float32), names[1]),
        numpy_helper.from_array(np.zeros(scale.shape, np.int8), names[2]),
    ])
    return names


wn, rn = quantize(lstm.input[1]), quantize(lstm.input[2])
ins = list(lstm.input) + [""] * (8 - len(lstm.input))
ins = [ins[0], wn[0], rn[0]] + ins[3:8] + [wn[1], wn[2], rn[1], rn[2]]
dq = helper.make_node("DynamicQuantizeLSTM", ins, list(lstm.output), name="dq_lstm", domain="com.microsoft",
                      **{a.name: helper.get_attribute_value(a) for a in lstm.attribute})
nodes = [dq if n is lstm else n for n in g.node]
del g.node[:]
g.node.extend(nodes)
m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
onnx.save(m, os.path.join(OUT, "model.onnx"))
with open(os.path.join(OUT, "test_data_set_0", "input_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x.numpy(), "x").SerializeToString())
os.makedirs(os.path.join(OUT, "torch_float"), exist_ok=True)
for i, (n, t) in enumerate(zip(["y", "h", "c"], [y, h, c])):
    with open(os.path.join(OUT, "torch_float", "output_%d.pb" % i), "wb") as f:
        f.write(numpy_helper.from_array(t.numpy(), n).SerializeToString())
print(OUT, [n.op_type for n in g.node])
