// Runs a graph node by node in ONNX Runtime (bench/peers' onnxruntime-node,
// one thread): DIR holds meta.json ({inputs: [{name, dtype, dims}], steps:
// [{model, inputs, outputs}], outputs: [names]}), in_<i>.bin and the
// single-node models that nodewise.py wrote; each step's session reads the
// values named by its inputs from the graph's inputs and earlier steps'
// outputs, so every value between two nodes is materialised in its ONNX
// type (a FLOAT16 value as half), which a whole-graph session need not do.
// Writes out_<i>.bin and ort.json as ort_run.mjs does.
// usage: node ort_nodewise.mjs DIR
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
const require = createRequire(new URL("../../bench/peers/package.json", import.meta.url));
const ort = require("onnxruntime-node"); // bench/peers' node_modules, or NODE_PATH's
const dir = process.argv[2];
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all", logSeverityLevel: 3 };
const ctor = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array };
const meta = JSON.parse(readFileSync(path.join(dir, "meta.json")));
const values = {};
meta.inputs.forEach((inp, i) => {
  const b = readFileSync(path.join(dir, `in_${i}.bin`));
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  values[inp.name] = new ort.Tensor(inp.dtype, new ctor[inp.dtype](ab), inp.dims);
});
for (const st of meta.steps) {
  const session = await ort.InferenceSession.create(path.join(dir, st.model), opts);
  const feeds = {};
  for (const n of st.inputs) feeds[n] = values[n];
  const out = await session.run(feeds);
  for (const n of st.outputs) values[n] = out[n];
}
const outputs = meta.outputs.map((o, i) => {
  const t = values[o];
  writeFileSync(path.join(dir, `out_${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { name: o, dtype: t.type, dims: t.dims };
});
writeFileSync(path.join(dir, "ort.json"), JSON.stringify({ outputs }));
