# Copies cases of gen_qop.py that ONNX Runtime ran (ort.json ok) into
# ONNX's test layout: DST/<case>/model.onnx and test_data_set_0/input_N.pb
# (the graph inputs) and output_N.pb (ONNX Runtime's outputs), serialized
# TensorProtos named as the graph's inputs and outputs. TestQOperatorFixtures
# (onnx/op_qoperator_fixtures_test.go) runs them.
# usage: fixtures_qop.py SRC DST CASE...
import json, os, shutil, sys
import numpy as np
import onnx
import onnx.helper
import onnx.mapping
from onnx import numpy_helper

src, dst, names = sys.argv[1], sys.argv[2], sys.argv[3:]
DT = {"float32": np.float32, "uint8": np.uint8, "int8": np.int8, "int32": np.int32, "int64": np.int64, "bool": np.bool_}
for name in names:
    d, o = os.path.join(src, name), os.path.join(dst, name)
    meta = json.load(open(os.path.join(d, "meta.json")))
    res = json.load(open(os.path.join(d, "ort.json")))
    assert res["ok"], name
    shutil.rmtree(o, ignore_errors=True)
    os.makedirs(os.path.join(o, "test_data_set_0"))
    # the graph's outputs get the types and shapes of ONNX Runtime's
    m = onnx.load(os.path.join(d, "model.onnx"))
    for k, i in enumerate(res["outputs"]):
        t = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(DT[i["dtype"]])]
        m.graph.output[k].CopyFrom(onnx.helper.make_tensor_value_info(i["name"], t, i["dims"]))
    onnx.save(m, os.path.join(o, "model.onnx"))
    for k, i in enumerate(meta["inputs"]):
        a = np.fromfile(os.path.join(d, f"in_{k}.bin"), dtype=DT[i["dtype"]]).reshape(i["dims"])
        t = numpy_helper.from_array(a, i["name"])
        open(os.path.join(o, "test_data_set_0", f"input_{k}.pb"), "wb").write(t.SerializeToString())
    for k, i in enumerate(res["outputs"]):
        a = np.fromfile(os.path.join(d, f"out_{k}.bin"), dtype=DT[i["dtype"]]).reshape(i["dims"])
        t = numpy_helper.from_array(a, i["name"])
        open(os.path.join(o, "test_data_set_0", f"output_{k}.pb"), "wb").write(t.SerializeToString())
