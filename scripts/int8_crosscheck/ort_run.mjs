// Runs every case folder under ROOT (model.onnx, meta.json, in_<i>.bin) in
// ONNX Runtime (bench/peers' onnxruntime-node, one thread, graph
// optimizations "disabled" unless given) and writes ort.json and out_<i>.bin.
// usage: node scripts/int8_crosscheck/ort_run.mjs ROOT [all|disabled]
// Folders that already have ort.json are skipped: after ONNX Runtime
// crashes the process on a case, run it again (until it exits with 0) to
// do the rest.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
const require = createRequire(new URL("../../bench/peers/package.json", import.meta.url));
const ort = require("onnxruntime-node");
const root = process.argv[2];
const level = process.argv[3] || "disabled";
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: level, logSeverityLevel: 3 };
const ctor = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array, int16: Int16Array, uint16: Uint16Array, bool: Uint8Array };
const size = { float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8 };
let n = 0;
for (const name of readdirSync(root).sort()) {
  const dir = path.join(root, name);
  if (!existsSync(path.join(dir, "meta.json"))) continue;
  if (existsSync(path.join(dir, "ort.json"))) continue; // done, or crashed the last run
  const meta = JSON.parse(readFileSync(path.join(dir, "meta.json")));
  // Written first, so that a case that kills the process (an abort or a
  // segfault in ONNX Runtime) is recorded as such; run again to go on.
  writeFileSync(path.join(dir, "ort.json"), JSON.stringify({ ok: false, error: "ONNX Runtime crashed (abort or segfault)" }));
  let res;
  try {
    const session = await ort.InferenceSession.create(path.join(dir, "model.onnx"), opts);
    const feeds = {};
    meta.inputs.forEach((inp, i) => {
      const b = readFileSync(path.join(dir, `in_${i}.bin`));
      const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      feeds[inp.name] = new ort.Tensor(inp.dtype, new ctor[inp.dtype](ab), inp.dims);
    });
    const out = await session.run(feeds);
    const outputs = [];
    session.outputNames.forEach((o, i) => {
      const t = out[o];
      writeFileSync(path.join(dir, `out_${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      outputs.push({ name: o, dtype: t.type, dims: t.dims });
    });
    res = { ok: true, outputs };
  } catch (e) {
    res = { ok: false, error: String(e.message).slice(0, 600) };
  }
  writeFileSync(path.join(dir, "ort.json"), JSON.stringify(res));
  n++;
}
console.log(`${n} cases`);
