// The ONNX Runtime peer of BENCHMARKS.md ("The ONNX runner on torch's encoder layer"):
//   node bench/peers/ort_encoder.mjs DIR/relu|DIR/gelu
// times one InferenceSession (intraOpNumThreads 1, all graph optimisations) on the
// 1×128×256 input of bench/peers/onnx_encoder.py's export: the median over about a
// second of runs, as a Go benchmark line. Needs `npm install --ignore-scripts` here.
import { createRequire } from "node:module";
import path from "node:path";
const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");
const dir = process.argv[2];
const act = path.basename(path.resolve(dir));
const sess = await ort.InferenceSession.create(path.join(dir, "model.onnx"), {
	intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
});
const n = 128 * 256;
const x = new ort.Tensor("float32", Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [1, 128, 256]);
const feeds = { [sess.inputNames[0]]: x };
for (let i = 0; i < 20; i++) await sess.run(feeds);
const times = [];
const t0 = performance.now();
while (performance.now() - t0 < 1000) {
	const a = performance.now();
	await sess.run(feeds);
	times.push(performance.now() - a);
}
times.sort((a, b) => a - b);
console.log(`BenchmarkEncoderONNX/model=${act}/impl=ort 1 ${Math.round(times[times.length >> 1] * 1e6)} ns/op`);
