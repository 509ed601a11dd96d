// Saves ONNX Runtime's optimized graph of every case folder under WORK
// (make_models.py's: model.onnx, meta.json, in_<i>.bin) at the levels
// 'basic' and 'extended' (SessionOptions.optimizedModelFilePath; one
// thread), and runs the saved graph: WORK/opt/<case>.<level>/ holds the
// optimized model.onnx, the case's meta.json and inputs, and ONNX Runtime's
// ort.json and out_<i>.bin (scripts/int8_crosscheck's layout, which
// fixtures_qop.py copies into ONNX's test layout). Not 'all': its NCHWc
// operators (ReorderInput, NchwcConv...) depend on the machine's vector
// width.
//
// usage: node scripts/ort_optimized/ort_optimize.mjs WORK
//        node scripts/ort_optimized/ort_optimize.mjs WORK ranges
// The second form runs each case's ranges.onnx (the model with every float
// value an output) without optimizations and writes ranges.json, each
// value's [min, max] and the inputs', for make_models.py's QDQ models.
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync, copyFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
const require = createRequire(new URL("../../bench/peers/package.json", import.meta.url));
const ort = require("onnxruntime-node");
const [work, mode] = process.argv.slice(2);
const base = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", logSeverityLevel: 3 };
const ctor = { float32: Float32Array, int64: BigInt64Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array };

function feeds(dir, meta) {
  const f = {};
  meta.inputs.forEach((inp, i) => {
    const b = readFileSync(path.join(dir, `in_${i}.bin`));
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    f[inp.name] = new ort.Tensor(inp.dtype, new ctor[inp.dtype](ab), inp.dims);
  });
  return f;
}

function range(data) {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return [lo, hi];
}

for (const name of readdirSync(work).sort()) {
  const dir = path.join(work, name);
  if (!existsSync(path.join(dir, "meta.json"))) continue;
  const meta = JSON.parse(readFileSync(path.join(dir, "meta.json")));
  if (mode === "ranges") {
    if (!existsSync(path.join(dir, "ranges.onnx"))) continue;
    const s = await ort.InferenceSession.create(path.join(dir, "ranges.onnx"), { ...base, graphOptimizationLevel: "disabled" });
    const f = feeds(dir, meta);
    const out = await s.run(f);
    const r = {};
    for (const [k, t] of Object.entries(f)) if (t.type === "float32") r[k] = range(t.data);
    for (const [k, t] of Object.entries(out)) if (t.type === "float32") r[k] = range(t.data);
    writeFileSync(path.join(dir, "ranges.json"), JSON.stringify(r));
    console.log(name, "ranges");
    continue;
  }
  for (const level of ["basic", "extended"]) {
    const o = path.join(work, "opt", `${name}.${level}`);
    mkdirSync(o, { recursive: true });
    const model = path.join(o, "model.onnx");
    await ort.InferenceSession.create(path.join(dir, "model.onnx"), { ...base, graphOptimizationLevel: level, optimizedModelFilePath: model });
    copyFileSync(path.join(dir, "meta.json"), path.join(o, "meta.json"));
    meta.inputs.forEach((_, i) => copyFileSync(path.join(dir, `in_${i}.bin`), path.join(o, `in_${i}.bin`)));
    // the saved graph, run as it is
    const s = await ort.InferenceSession.create(model, { ...base, graphOptimizationLevel: "disabled" });
    const out = await s.run(feeds(o, meta));
    const outputs = [];
    s.outputNames.forEach((n, i) => {
      const t = out[n];
      writeFileSync(path.join(o, `out_${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      outputs.push({ name: n, dtype: t.type, dims: t.dims });
    });
    writeFileSync(path.join(o, "ort.json"), JSON.stringify({ ok: true, outputs }));
    console.log(name, level);
  }
}
