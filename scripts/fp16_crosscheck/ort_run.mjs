// Runs one case folder (model.onnx, meta.json, in_<i>.bin) in ONNX Runtime
// (bench/peers' onnxruntime-node, one thread) and writes out_<i>.bin and
// ort.json (the outputs' names, types and dims). FLOAT16 tensors travel as
// their 16-bit patterns (Uint16Array).
// usage: node ort_run.mjs DIR [all|disabled] [OPTIMIZED.onnx]
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
const require = createRequire(new URL("../../bench/peers/package.json", import.meta.url));
const ort = require("onnxruntime-node"); // bench/peers' node_modules, or NODE_PATH's
const dir = process.argv[2];
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: process.argv[3] || "all", logSeverityLevel: 3 };
if (process.argv[4]) opts.optimizedModelFilePath = process.argv[4];
const ctor = { float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array };
const meta = JSON.parse(readFileSync(path.join(dir, "meta.json")));
const session = await ort.InferenceSession.create(path.join(dir, "model.onnx"), opts);
const feeds = {};
meta.inputs.forEach((inp, i) => {
  const b = readFileSync(path.join(dir, `in_${i}.bin`));
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  feeds[inp.name] = new ort.Tensor(inp.dtype, new ctor[inp.dtype](ab), inp.dims);
});
const out = await session.run(feeds);
const outputs = session.outputNames.map((o, i) => {
  const t = out[o];
  writeFileSync(path.join(dir, `out_${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { name: o, dtype: t.type, dims: t.dims };
});
writeFileSync(path.join(dir, "ort.json"), JSON.stringify({ outputs }));
