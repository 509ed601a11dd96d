"""The safetensors format for PyTorch, in plain Python.

Debian packages python3-torch but not the `safetensors` module, so the
fixture and check scripts use these two functions instead of
safetensors.torch.save_file / load_file. They follow the reference
implementation (huggingface/safetensors, safetensors/src/tensor.rs) rule
for rule: tensors sorted by descending dtype alignment, then by name;
"__metadata__" first; compact JSON; the header padded with spaces to a
multiple of 8 bytes. load_file applies the reference's checks (header
length limit, UTF-8, offsets contiguous from 0 and covering
the buffer exactly, byte counts matching shapes) plus a duplicate-key
check, so a file it accepts is one the reference accepts.
"""

import json
import struct

import torch

MAX_HEADER_SIZE = 100_000_000

# The reference's Dtype enum, in its declaration (alignment) order.
_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
          "I32", "U32", "F32", "F64", "I64", "U64"]
_SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2,
         "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}
_TORCH = {"BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16,
          "F16": torch.float16, "BF16": torch.bfloat16, "I32": torch.int32,
          "F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
_NAME = {v: k for k, v in _TORCH.items()}


def _bytes(t):
    t = t.detach().contiguous().cpu().reshape(-1)
    if t.numel() == 0:
        return b""
    return t.view(torch.uint8).numpy().tobytes()  # little-endian on x86/arm


def serialize(tensors, metadata=None):
    """Returns the bytes of a safetensors file holding tensors (name -> tensor)."""
    items = sorted(tensors.items(),
                   key=lambda kv: (-_ORDER.index(_NAME[kv[1].dtype]), kv[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for name, t in items:
        b = _bytes(t)
        header[name] = {"dtype": _NAME[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        chunks.append(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def save_file(tensors, path, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate key {k!r}")
        d[k] = v
    return d


def deserialize(buf):
    """Returns (tensors, metadata) from the bytes of a safetensors file, or raises."""
    if len(buf) < 8:
        raise ValueError("HeaderTooSmall")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER_SIZE:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(buf):
        raise ValueError("InvalidHeaderLength")
    text = buf[8:8 + n].decode("utf-8")  # raises on invalid UTF-8
    header = json.loads(text, object_pairs_hook=_no_duplicates)
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("metadata values must be strings")
    data = buf[8 + n:]
    infos = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    start, tensors = 0, {}
    for name, info in infos:
        s, e = info["data_offsets"]
        if s != start or e < s:
            raise ValueError(f"InvalidOffset({name})")
        start = e
        count = 1
        for d in info["shape"]:
            if not isinstance(d, int) or d < 0:
                raise ValueError(f"bad shape for {name}")
            count *= d
        if count * _SIZE[info["dtype"]] != e - s:
            raise ValueError(f"TensorInvalidInfo({name})")
        dt = _TORCH[info["dtype"]]
        if e == s:
            t = torch.empty(info["shape"], dtype=dt)
        else:
            t = torch.frombuffer(bytearray(data[s:e]), dtype=dt).reshape(info["shape"])
        tensors[name] = t
    if start != len(data):
        raise ValueError("MetadataIncompleteBuffer")
    return tensors, metadata


def load_file(path):
    with open(path, "rb") as f:
        return deserialize(f.read())
