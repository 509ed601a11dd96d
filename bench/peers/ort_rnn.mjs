// ONNX Runtime timing of the recurrent nets onnx_rnn_export.py exported,
// printed in Go benchmark format so that benchstat reads it with Go's.
//
// Run by hand from bench/peers (CI and the library never need it):
//
//	npm ci --ignore-scripts                 # onnxruntime-node, CPU library included
//	/usr/bin/python3 onnx_rnn_export.py     # writes onnx/
//	node ort_rnn.mjs [-count N] [-dir onnx] [-cells LSTM,GRU,RNN] [-batches 1,32] | tee ort.txt
//
// Each model is first checked against torch's own output on the input the
// exporter saved (T=100, 3 sequences): the run stops, exit status 1, if ORT
// differs by more than 1e-4 of the largest |y|. Then every case
// (cell × batch, D=H=256, T=100, zero initial state, the batch's sequences
// given as one T×B×D tensor) is timed N times in turn, the cases
// interleaved within each round so that all see the same machine load. A
// round warms up, then times enough calls for about a quarter second and
// prints one line,
//
//	BenchmarkORT/LSTM/B=1   <calls>   <median ns per call> ns/op   <process CPU µs per call> cpu-us/seq
//
// an op being one session.run over the whole batch, as in Go's BenchmarkRNN
// (whose CPU-time metric cpu-us/seq is, so benchstat shows them together).
// Sessions run on one thread: intraOpNumThreads 1, interOpNumThreads 1,
// sequential execution, all graph optimisations.

import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";

const here = path.dirname(fileURLToPath(import.meta.url));

function flags(argv) {
  const f = { count: 6, dir: path.join(here, "onnx"), cells: "LSTM,GRU", batches: "1,32" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^-+/, "");
    if (!(k in f) || i + 1 >= argv.length) {
      throw new Error(`usage: node ort_rnn.mjs [-count N] [-dir DIR] [-cells LSTM,GRU,RNN] [-batches 1,32] (bad ${argv[i]})`);
    }
    f[k] = argv[i + 1];
  }
  f.count = Number(f.count);
  if (!Number.isInteger(f.count) || f.count < 1) throw new Error(`-count ${f.count}: want a positive integer`);
  f.cells = f.cells.split(",");
  f.batches = f.batches.split(",").map(Number);
  return f;
}

function readF32(file, n) {
  const b = readFileSync(file);
  if (b.length !== 4 * n) throw new Error(`${file}: ${b.length} bytes, want ${4 * n}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readFloatLE(4 * i);
  return out;
}

const sessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

// check runs the exporter's input through the session and compares with
// torch's output.
async function check(cell, sess, dir, m) {
  const n = (s) => s.reduce((a, b) => a * b, 1);
  const x = readF32(path.join(dir, m.x), n(m.x_shape));
  const want = readF32(path.join(dir, m.y), n(m.y_shape));
  const res = await sess.run({ x: new ort.Tensor("float32", x, m.x_shape) });
  const got = res.y;
  if (got.dims.join() !== m.y_shape.join()) throw new Error(`${cell}: ORT y has shape ${got.dims}, torch ${m.y_shape}`);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got.data[i] - want[i]));
  }
  const rel = err / scale;
  console.error(`# ${cell}: ORT vs torch on ${m.x_shape.join("×")}: max |diff| / max |y| = ${rel.toExponential(2)}`);
  if (!(rel <= 1e-4)) {
    console.error(`# ${cell}: ORT does not compute what torch does`);
    process.exit(1);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

// round times one case: 4 warm-up calls, then calls for ~0.25 s at the
// fastest warm-up call's pace.
async function round(c) {
  const run = () => c.sess.run(c.feeds);
  await run();
  let once = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    once = Math.min(once, Number(process.hrtime.bigint() - t0));
  }
  const calls = Math.max(5, Math.min(1000, Math.ceil(0.25e9 / once)));
  const ns = new Array(calls);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const s = process.hrtime.bigint();
    await run();
    ns[i] = Number(process.hrtime.bigint() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  return { calls, ns: median(ns), cpu: (cpu.user + cpu.system) / calls };
}

async function main() {
  const f = flags(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(path.join(f.dir, "models.json"), "utf8"));
  const { D, T } = manifest;
  const cases = [];
  for (const cell of f.cells) {
    const m = manifest.models[cell];
    if (!m) throw new Error(`${f.dir}/models.json has no ${cell} (it has ${Object.keys(manifest.models)})`);
    const sess = await ort.InferenceSession.create(path.join(f.dir, m.onnx), sessionOptions);
    await check(cell, sess, f.dir, m);
    for (const B of f.batches) {
      const x = new Float32Array(T * B * D);
      let s = 1;
      for (let i = 0; i < x.length; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        x[i] = (s / 2 ** 32) * 2 - 1;
      }
      cases.push({ name: `BenchmarkORT/${cell}/B=${B}`, sess, feeds: { x: new ort.Tensor("float32", x, [T, B, D]) } });
    }
  }
  console.log(`goos: ${os.platform()}`);
  console.log(`goarch: ${os.arch() === "x64" ? "amd64" : os.arch()}`);
  console.log("pkg: bench/peers/ort_rnn.mjs");
  console.log(`onnxruntime-node: ${ort.env.versions.node}`);
  console.log(`shape: D=H=${D} T=${T}`);
  console.log("threads: 1");
  console.log(`cpu: ${os.cpus()[0].model.trim()}`);
  for (let r = 0; r < f.count; r++) {
    for (const c of cases) {
      const res = await round(c);
      console.log(`${c.name}\t${res.calls}\t${res.ns.toFixed(0)} ns/op\t${res.cpu.toFixed(1)} cpu-us/seq`);
    }
  }
}

await main();
