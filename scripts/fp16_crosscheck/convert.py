#!/usr/bin/env python3
"""Converts the float32 ONNX exports under testdata/onnx/torch to FLOAT16,
runs them in ONNX Runtime (Node, ort_run.mjs) and writes the fixtures of
package onnx's FLOAT16 tests: testdata/onnx/fp16/<model>_<mode>/model.onnx
and test_data_set_0/input_*.pb, output_*.pb (ONNX Runtime's outputs), and
ort_nodewise/output_*.pb: ONNX Runtime's outputs when it runs the graph one
node at a time (ort_nodewise.mjs), so that every value between two nodes is
rounded to its type, FLOAT16 to half, as the graph says. A whole-graph
session does not: ONNX Runtime runs the operators it has no half kernel for
in float32, with Casts around them, and removes a Cast to half followed by
one back to float, so values inside a run of such nodes stay float32.

The conversion is what onnxconverter-common's convert_float_to_float16 does
to these graphs, written with the onnx package alone: FLOAT initializers,
Constant and ConstantOfShape values, value_info, Cast's 'to' and the graph's
inputs and outputs become FLOAT16 (values rounded to nearest even). Mode
"io16" converts the inputs and outputs too (the caller passes half values);
mode "io32" keeps them FLOAT (keep_io_types=True) with a Cast to FLOAT16
after each input and a Cast to FLOAT before each output.

The inputs are the float32 exports' own test inputs (rounded to half for
io16). Needs /usr/bin/python3 with torch, onnx and numpy, and node with
bench/peers' onnxruntime-node (or NODE_PATH naming its node_modules). Run
from the repository root (scripts/fp16_crosscheck/README.md):
    /usr/bin/python3 scripts/fp16_crosscheck/convert.py
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SRC = os.path.join("testdata", "onnx", "torch")
OUT = os.path.join("testdata", "onnx", "fp16")
HERE = os.path.dirname(os.path.abspath(__file__))
# (the export, the modes); kinds: a convolutional keyword spotter, a GRU
# and an LSTM, a transformer encoder layer with LayerNormalization and one
# with torch's decomposed layer norm and a causal mask, an MLP.
MODELS = [
    ("kws_cnn", ("io16", "io32")),
    ("gru", ("io16", "io32")),
    ("lstm_bidi_batch", ("io16",)),
    ("transformer_encoder", ("io16", "io32")),
    ("tf_enc_post_relu_causal", ("io16",)),
    ("mlp", ("io16", "io32")),
]
F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def half_tensor(t):
    """A FLOAT TensorProto as FLOAT16 (other types unchanged)."""
    if t.data_type != F32:
        return t
    a = numpy_helper.to_array(t).astype(np.float16)
    return numpy_helper.from_array(a, t.name)


def convert_graph(g, keep_io):
    for i, t in enumerate(g.initializer):
        g.initializer[i].CopyFrom(half_tensor(t))
    io = list(g.input) + list(g.output)
    for vi in list(g.value_info) + ([] if keep_io else io):
        tt = vi.type.tensor_type
        if tt.elem_type == F32:
            tt.elem_type = F16
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Cast" and a.name == "to" and a.i == F32:
                a.i = F16
            elif a.type == onnx.AttributeProto.TENSOR:
                a.t.CopyFrom(half_tensor(a.t))
            elif a.type == onnx.AttributeProto.GRAPH:
                convert_graph(a.g, False)
        if n.op_type == "Constant" and n.attribute[0].name in ("value_float", "value_floats"):
            a = n.attribute[0]
            v = np.array(a.f if a.name == "value_float" else list(a.floats), np.float32)
            n.ClearField("attribute")
            n.attribute.append(helper.make_attribute("value", numpy_helper.from_array(v.astype(np.float16))))
    if keep_io:
        casts = []
        for vi in g.input:
            if vi.type.tensor_type.elem_type != F32:
                continue
            h = vi.name + "_fp16"
            for n in g.node:
                for j, x in enumerate(n.input):
                    if x == vi.name:
                        n.input[j] = h
            casts.append(helper.make_node("Cast", [vi.name], [h], to=F16, name="cast_in_" + vi.name))
        outs = []
        for vi in g.output:
            if vi.type.tensor_type.elem_type != F32:
                continue
            h = vi.name + "_fp16"
            for n in g.node:
                for j, x in enumerate(n.output):
                    if x == vi.name:
                        n.output[j] = h
                for j, x in enumerate(n.input):
                    if x == vi.name:
                        n.input[j] = h
            outs.append(helper.make_node("Cast", [h], [vi.name], to=F32, name="cast_out_" + vi.name))
        nodes = casts + list(g.node) + outs
        g.ClearField("node")
        g.node.extend(nodes)


def export_mlp(path):
    """A small MLP (Linear, GELU, Linear, Tanh, Linear, Softmax), exported
    by torch.onnx.export at opset 14, with its input."""
    import torch

    torch.manual_seed(5)
    m = torch.nn.Sequential(torch.nn.Linear(24, 48), torch.nn.GELU(), torch.nn.Linear(48, 32), torch.nn.Tanh(),
                            torch.nn.Linear(32, 10), torch.nn.Softmax(dim=-1)).eval()
    x = torch.randn(4, 24)
    torch.onnx.export(m, (x,), path, opset_version=14, input_names=["x"], output_names=["y"])
    return [("x", x.numpy())]


def load_inputs(d, m):
    ins = []
    for i, vi in enumerate(m.graph.input):
        t = onnx.load_tensor(os.path.join(d, "test_data_set_0", "input_%d.pb" % i))
        ins.append((vi.name, numpy_helper.to_array(t)))
    return ins


def elem_types(m):
    """The element type of every value of m's graph (shape inference)."""
    inf = onnx.shape_inference.infer_shapes(m)
    g = inf.graph
    types = {t.name: t.data_type for t in g.initializer}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        types[vi.name] = vi.type.tensor_type.elem_type
    return types


def nodewise_steps(m, tmp):
    """Writes one model per node of m into tmp (node_<i>.onnx, the node's
    initializers included) and returns the steps for ort_nodewise.mjs."""
    types = elem_types(m)
    inits = {t.name: t for t in m.graph.initializer}
    steps = []
    for i, n in enumerate(m.graph.node):
        ins = [x for x in n.input if x and x not in inits]
        g = helper.make_graph([n], "node_%d" % i,
                              [helper.make_tensor_value_info(x, types[x], None) for x in dict.fromkeys(ins)],
                              [helper.make_tensor_value_info(o, types[o], None) for o in n.output if o],
                              [inits[x] for x in dict.fromkeys(n.input) if x in inits])
        sm = helper.make_model(g, opset_imports=m.opset_import)
        sm.ir_version = m.ir_version
        path = "node_%d.onnx" % i
        onnx.save(sm, os.path.join(tmp, path))
        steps.append({"model": path, "inputs": list(dict.fromkeys(ins)), "outputs": [o for o in n.output if o]})
    return steps


def run_ort(script, m, d, inputs, mode, outdir, steps=None, optimized=None):
    """Runs m on inputs in ONNX Runtime with script and writes its outputs
    as output_<i>.pb under outdir."""
    with tempfile.TemporaryDirectory() as tmp:
        meta = []
        for i, (n, a) in enumerate(inputs):
            dt = {np.dtype(np.float32): "float32", np.dtype(np.float16): "float16", np.dtype(np.int64): "int64",
                  np.dtype(np.bool_): "bool"}[a.dtype]
            (a.view(np.uint16) if dt == "float16" else a).tofile(os.path.join(tmp, "in_%d.bin" % i))
            meta.append({"name": n, "dtype": dt, "dims": list(a.shape)})
        info = {"inputs": meta, "outputs": [o.name for o in m.graph.output]}
        if steps is not None:
            info["steps"] = steps(tmp)
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(info, f)
        os.symlink(os.path.abspath(os.path.join(d, "model.onnx")), os.path.join(tmp, "model.onnx"))
        args = ["node", os.path.join(HERE, script), tmp]
        if optimized:
            args += ["all", optimized]
        subprocess.run(args, check=True)
        with open(os.path.join(tmp, "ort.json")) as f:
            outs = json.load(f)["outputs"]
        os.makedirs(outdir, exist_ok=True)
        for i, o in enumerate(outs):
            dt = {"float32": np.float32, "float16": np.uint16, "int64": np.int64}[o["dtype"]]
            a = np.fromfile(os.path.join(tmp, "out_%d.bin" % i), dtype=dt)
            if o["dtype"] == "float16":
                a = a.view(np.float16)
            a = a.reshape(o["dims"])
            with open(os.path.join(outdir, "output_%d.pb" % i), "wb") as f:
                f.write(numpy_helper.from_array(a, o["name"]).SerializeToString())
    return outs


def write_case(name, mode, m, inputs):
    d = os.path.join(OUT, name + "_" + mode)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    convert_graph(m.graph, mode == "io32")
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    ins = []
    for i, (n, a) in enumerate(inputs):
        if a.dtype == np.float32 and mode == "io16":
            a = a.astype(np.float16)
        ins.append((n, a))
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(a, n).SerializeToString())
    opt = os.environ.get("FP16_OPTIMIZED")  # a folder for ONNX Runtime's optimized graphs, to read its Casts
    if opt:
        os.makedirs(opt, exist_ok=True)
        opt = os.path.join(opt, name + "_" + mode + ".onnx")
    outs = run_ort("ort_run.mjs", m, d, ins, mode, os.path.join(d, "test_data_set_0"), optimized=opt)
    run_ort("ort_nodewise.mjs", m, d, ins, mode, os.path.join(d, "ort_nodewise"),
            steps=lambda tmp: nodewise_steps(m, tmp))
    print(name, mode, [o["dims"] for o in outs])


def main():
    for name, modes in MODELS:
        for mode in modes:
            if name == "mlp":
                with tempfile.TemporaryDirectory() as tmp:
                    p = os.path.join(tmp, "mlp.onnx")
                    inputs = export_mlp(p)
                    m = onnx.load(p)
            else:
                d = os.path.join(SRC, name)
                m = onnx.load(os.path.join(d, "model.onnx"))
                inputs = load_inputs(d, m)
            write_case(name, mode, m, inputs)


if __name__ == "__main__":
    sys.exit(main())
