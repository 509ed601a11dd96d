import json, os, shutil, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

NP2T = {np.float32: TensorProto.FLOAT, np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8,
        np.int32: TensorProto.INT32, np.int64: TensorProto.INT64, np.float16: TensorProto.FLOAT16, np.int16: TensorProto.INT16, np.uint16: TensorProto.UINT16, np.bool_: TensorProto.BOOL}
DTN = {np.float32: "float32", np.uint8: "uint8", np.int8: "int8", np.int32: "int32", np.int64: "int64", np.float16: "float16", np.int16: "int16", np.uint16: "uint16", np.bool_: "bool"}

def ttype(a):
    return NP2T[a.dtype.type]

class Case:
    def __init__(self, root, name, kind, opset=13, ms=None, note="", tol=0.0, itol=0):
        self.dir = os.path.join(root, name)
        self.kind, self.opset, self.ms, self.note, self.tol, self.itol = kind, opset, ms, note, tol, itol
        self.nodes, self.inits, self.ginputs, self.feeds, self.outputs = [], [], [], [], []

    def tensor(self, name, arr, as_input):
        """arr as initializer, or graph input fed with arr."""
        arr = np.asarray(arr)
        if as_input:
            self.ginputs.append(helper.make_tensor_value_info(name, ttype(arr), list(arr.shape)))
            self.feeds.append((name, arr))
        else:
            self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def node(self, op, ins, outs, domain=None, **attrs):
        self.nodes.append(helper.make_node(op, ins, outs, domain=domain, **attrs))

    def out(self, name, elem=None):
        if elem is None:
            self.outputs.append(helper.make_empty_tensor_value_info(name))
        else:
            self.outputs.append(helper.make_tensor_value_info(name, elem, None))

    def write(self):
        os.makedirs(self.dir, exist_ok=True)
        g = helper.make_graph(self.nodes, "g", self.ginputs, self.outputs, self.inits)
        ops = [helper.make_opsetid("", self.opset)]
        if self.ms:
            ops.append(helper.make_opsetid("com.microsoft", self.ms))
        ir = 7 if self.opset <= 15 else 8 if self.opset <= 18 else 9 if self.opset <= 20 else 10
        m = helper.make_model(g, opset_imports=ops, ir_version=ir, producer_name="int8x")
        onnx.save(m, os.path.join(self.dir, "model.onnx"))
        meta = {"inputs": [], "tol": self.tol, "itol": self.itol, "kind": self.kind, "note": self.note}
        for i, (n, a) in enumerate(self.feeds):
            with open(os.path.join(self.dir, f"in_{i}.bin"), "wb") as f:
                f.write(np.ascontiguousarray(a.reshape(-1)).tobytes())
            meta["inputs"].append({"name": n, "dtype": DTN[a.dtype.type], "dims": list(a.shape)})
        with open(os.path.join(self.dir, "meta.json"), "w") as f:
            json.dump(meta, f)

def qrange(dt):
    return {np.int8: (-128, 127), np.uint8: (0, 255), np.int16: (-32768, 32767), np.uint16: (0, 65535)}[np.dtype(dt).type]

def gen_args():
    """The generators' command line, ROOT [SEED [N]] (SEED 0 and N 40 by
    default): returns root, seed, N and numpy's Generator seeded with SEED,
    after removing ROOT and all it holds."""
    root = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    rng = np.random.default_rng(seed)
    shutil.rmtree(root, ignore_errors=True)
    return root, seed, n, rng

def maybe_extremes(rng, a):
    """a, or, one time in about seven (15%), an array of a's dtype and shape
    holding only the dtype's minimum and maximum."""
    if rng.random() < 0.15:
        lo, hi = qrange(a.dtype)
        a = rng.choice(np.array([lo, hi], dtype=np.int64), size=a.shape).astype(a.dtype)
    return a

def randq(rng, dt, shape, lo=None, hi=None):
    a, b = qrange(dt)
    a = a if lo is None else lo
    b = b if hi is None else hi
    return rng.integers(a, b + 1, size=shape).astype(dt)

def randshape(rng, rank, hi=5):
    return [int(rng.choice([1, 1, 2, 3, 4, 5, 7][: hi + 2])) for _ in range(rank)]
