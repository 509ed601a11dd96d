#!/usr/bin/env python3
"""Export torch.jit.script'ed modules with loops to ONNX as fixtures for
package onnx's Loop and sequence operators.

Writes testdata/onnx/torch/<name>/model.onnx (torch.onnx.export of the
scripted module, or of the traced one with dynamic sizes, opsets 13 to 17) with test_data_set_0/input_*.pb and
output_*.pb (torch's inputs and outputs as TensorProtos). TestTorchExports
runs every directory there. Only python3-torch is needed.

    /usr/bin/python3 scripts/export_torch_loops.py [outdir]

(outdir defaults to testdata/onnx/torch; scripts/int8_crosscheck's
ort_run.mjs runs the same files in ONNX Runtime.)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_tensor_proto import tensor_proto  # noqa: E402

torch.manual_seed(23)
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join("testdata", "onnx", "torch")


class ForAccum(torch.nn.Module):
    """A for loop over the rows of x, accumulating a decayed sum and a
    running product of tanh: carried tensors of fixed shape, the trip count
    from x's shape."""

    def forward(self, x):
        acc = torch.zeros_like(x[0])
        prod = torch.ones_like(x[0])
        for i in range(x.size(0)):
            acc = acc * 0.5 + x[i] * float(i + 1)
            prod = prod * torch.tanh(x[i])
        return acc, prod


class WhileHalve(torch.nn.Module):
    """A while loop whose condition depends on the data: halve y until its
    largest magnitude is at most 1, counting the steps."""

    def forward(self, y):
        n = torch.zeros(1, dtype=torch.long)
        while bool(y.abs().max() > 1.0):
            y = y * 0.5
            n = n + 1
        return y, n


class ListStack(torch.nn.Module):
    """A loop that builds a list of tensors and stacks it (Loop with a
    carried sequence, then ConcatFromSequence)."""

    def forward(self, x):
        out = []
        h = torch.zeros_like(x[0])
        for i in range(x.size(0)):
            h = torch.tanh(h + x[i])
            out.append(h * float(i))
        return torch.stack(out, 1)


class ListCat(torch.nn.Module):
    """A list of slices of different widths, concatenated."""

    def forward(self, x):
        parts = []
        for i in range(x.size(1)):
            parts.append(x[:, : i + 1].sum(1, keepdim=True) * x[:, i : i + 1])
        return torch.cat(parts, 1)


class RepeatInterleave(torch.nn.Module):
    """torch.repeat_interleave with a tensor of repeats along a dimension
    (torch 1.13 writes Split, Expand and Concat for it when scripted, a
    Loop over SplitToSequence's pieces building a sequence when traced
    with the dimension dynamic)."""

    def forward(self, x, repeats):
        return torch.repeat_interleave(x, repeats, dim=0) * 2.0


def export(name, module, inputs, input_names, output_names, opset, dynamic=None):
    """Exports module scripted, or traced with dynamic_axes when dynamic is
    given (sizes left symbolic, as in repeat_interleave's Loop)."""
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    exported = module if dynamic else torch.jit.script(module)
    with torch.no_grad():
        outs = exported(*inputs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    torch.onnx.export(exported, tuple(inputs), os.path.join(d, "model.onnx"), opset_version=opset,
                      input_names=input_names, output_names=output_names, dynamic_axes=dynamic or {})
    for i, (n, t) in enumerate(zip(input_names, inputs)):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(tensor_proto(n, t))
    for i, (n, t) in enumerate(zip(output_names, outs)):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % i), "wb") as f:
            f.write(tensor_proto(n, t))
    print(name, opset, [tuple(t.shape) for t in outs])


export("loop_for_accum", ForAccum(), [torch.randn(6, 3, 4)], ["x"], ["acc", "prod"], 13)
export("loop_while_halve", WhileHalve(), [torch.randn(2, 5) * 40], ["y"], ["y_out", "steps"], 15)
export("loop_list_stack", ListStack(), [torch.randn(5, 2, 3)], ["x"], ["y"], 16)
export("loop_list_cat", ListCat(), [torch.randn(3, 4)], ["x"], ["y"], 17)
export("loop_repeat_interleave", RepeatInterleave(), [torch.randn(4, 3), torch.tensor([2, 0, 3, 1])],
       ["x", "repeats"], ["y"], 13)
export("loop_repeat_interleave_dyn", RepeatInterleave(), [torch.randn(4, 3), torch.tensor([2, 0, 3, 1])],
       ["x", "repeats"], ["y"], 16, dynamic={"x": {0: "n"}, "repeats": {0: "n"}})
