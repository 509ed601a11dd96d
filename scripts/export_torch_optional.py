#!/usr/bin/env python3
"""Export torch.jit.script'ed modules with Optional[Tensor] values to ONNX
as fixtures for package onnx's optionals.

Writes testdata/onnx/torch/<name>/model.onnx (torch.onnx.export of the
scripted module, opset 16) with test_data_set_0/ and test_data_set_1/,
whose input_*.pb and output_*.pb are torch's inputs and outputs: an
optional input as an OptionalProto (holding a tensor in one set, nothing
in the other), the rest as TensorProtos. TestTorchExports runs the first
set of every directory there, TestTorchOptional every set of these. Only
python3-torch is needed.

    /usr/bin/python3 scripts/export_torch_optional.py [outdir]

(outdir defaults to testdata/onnx/torch.)
"""
import os
import sys
from typing import Optional

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_tensor_proto import field, tensor_proto, varint  # noqa: E402

torch.manual_seed(29)
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join("testdata", "onnx", "torch")


class OptionalArg(torch.nn.Module):
    """An Optional[Tensor] argument: x * 2 without y, x + y with it (a graph
    input that is an optional; OptionalHasElement decides an If)."""

    def forward(self, x, y: Optional[torch.Tensor]):
        if y is None:
            return x * 2.0
        return x + y


class OptionalLocal(torch.nn.Module):
    """A local Optional[Tensor] set when x sums above 0 (an If returning a
    full optional in one branch and an empty one in the other), then
    read (OptionalHasElement, OptionalGetElement)."""

    def forward(self, x):
        y: Optional[torch.Tensor] = None
        if bool(x.sum() > 0):
            y = x * 3.0
        if y is None:
            return x - 1.0
        return y + 1.0


def optional_proto(name, t):
    """An OptionalProto: name (1), elem_type (2: 1 a tensor, 0 nothing),
    tensor_value (3)."""
    nb = name.encode()
    msg = field(1, 2, varint(len(nb)) + nb)
    if t is None:
        return msg
    tb = tensor_proto(name, t)
    return msg + field(2, 0, varint(1)) + field(3, 2, varint(len(tb)) + tb)


def export(name, module, sets, input_names, output_names, opset=16):
    """Exports module scripted, for the first set's inputs (an optional
    input given), and writes each set of inputs with torch's outputs."""
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    scripted = torch.jit.script(module)
    torch.onnx.export(scripted, tuple(sets[0]), os.path.join(d, "model.onnx"), opset_version=opset,
                      input_names=input_names, output_names=output_names)
    for k, inputs in enumerate(sets):
        sd = os.path.join(d, "test_data_set_%d" % k)
        os.makedirs(sd, exist_ok=True)
        with torch.no_grad():
            outs = scripted(*inputs)
        if not isinstance(outs, tuple):
            outs = (outs,)
        for i, (n, t) in enumerate(zip(input_names, inputs)):
            with open(os.path.join(sd, "input_%d.pb" % i), "wb") as f:
                f.write(optional_proto(n, t) if i > 0 and isinstance(module, OptionalArg) else tensor_proto(n, t))
        for i, (n, t) in enumerate(zip(output_names, outs)):
            with open(os.path.join(sd, "output_%d.pb" % i), "wb") as f:
                f.write(tensor_proto(n, t))
        print(name, k, [tuple(t.shape) for t in outs])


x = torch.randn(2, 3)
export("optional_arg", OptionalArg(), [[x, torch.randn(2, 3)], [x, None]], ["x", "y"], ["z"])
pos = torch.randn(2, 3).abs()
export("optional_local", OptionalLocal(), [[pos], [-pos]], ["x"], ["z"])
