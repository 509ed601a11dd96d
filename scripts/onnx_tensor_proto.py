"""TensorProto encoding for the fixture scripts (export_torch_onnx.py,
export_torch_loops.py, export_torch_optional.py): ONNX's TensorProto
written by hand, so that no onnx package is needed."""
import struct

import torch


def varint(n):
    b = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        if n:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def tensor_proto(name, t):
    """A TensorProto: dims (1), data_type (2), name (8), raw_data (9); a
    bool tensor is BOOL (9, a byte each), an int64 one INT64 (7), anything
    else FLOAT (1)."""
    t = t.detach().contiguous()
    msg = b"".join(field(1, 0, varint(d)) for d in t.shape)
    if t.dtype == torch.bool:
        msg += field(2, 0, varint(9))
        raw = bytes(int(v) for v in t.flatten().tolist())
    elif t.dtype == torch.int64:
        msg += field(2, 0, varint(7))
        raw = struct.pack("<%dq" % t.numel(), *t.flatten().tolist())
    else:
        msg += field(2, 0, varint(1))
        raw = struct.pack("<%df" % t.numel(), *t.float().flatten().tolist())
    nb = name.encode()
    msg += field(8, 2, varint(len(nb)) + nb)
    msg += field(9, 2, varint(len(raw)) + raw)
    return msg
