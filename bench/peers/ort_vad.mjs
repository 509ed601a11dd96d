// ONNX Runtime reference for simdcore's vad package: runs each Silero VAD
// model over a WAV file chunk by chunk, state carried, the way upstream
// silero-vad's OnnxWrapper does, and prints (or writes) the per-chunk
// speech probabilities and the median time per chunk.
//
// Needs onnxruntime-node in bench/peers (bench/peers/package.json):
//
//	cd bench/peers && npm install --ignore-scripts onnxruntime-node
//
// Usage (from the repository root):
//
//	node bench/peers/ort_vad.mjs [-models testdata/silero] [-kinds legacy,v5,v6]
//	     [-rounds 5] [-fixture OUT.json] RECORDING.wav
//
// -kinds names the models silero_vad_<kind>.onnx in -models; upstream's
// 16 kHz-only exports (inputs input and state, no sr) run too, e.g.
// -kinds half,openvino_16k with silero_vad_half.onnx and
// silero_vad_openvino_16k.onnx from the silero-vad repository.
//
// The fixtures in testdata/vad come from:
//
//	node bench/peers/ort_vad.mjs -fixture testdata/vad/ort_speech16k.json testdata/vad/speech16k.wav
//	node bench/peers/ort_vad.mjs -fixture testdata/vad/ort_speech8k.json testdata/vad/speech8k.wav
//	go run ./internal/cmd/vadlong -seconds 64 -o /tmp/long16k.wav
//	node bench/peers/ort_vad.mjs -fixture testdata/vad/ort_long16k.json /tmp/long16k.wav
//
// Per model, chunks are 512 samples at 16 kHz and 256 at 8 kHz; the last
// partial chunk is padded with zeros (as get_speech_timestamps does).
// v5 and v6 (inputs input, state[2,1,128], sr) get each chunk with the
// previous chunk's last 64 samples (32 at 8 kHz) in front, zeros before
// the first, and their state carried in stateN; legacy (inputs input, sr,
// h[2,1,64], c[2,1,64]) gets the bare chunk with h and c carried.
//
// Timing: one session per model with intraOpNumThreads 1 and
// interOpNumThreads 1 (sequential), one warm-up pass over the file, then
// -rounds passes; each session.run is timed and the median over all of
// them is printed in µs, with the real-time factor (seconds of audio per
// second of compute). The binding's own overhead is measured the same way
// on a trivial model (one Identity node, the v5 input's shape) built here.
//
// -fixture writes {"wav", "sample_rate", "chunks", "models": {name:
// {"chunk", "context", "probs": [...]}}} with every probability as printed
// by JavaScript (shortest round-trip decimal of the float32 output), for
// the Go tests that compare without Node.
import fs from "node:fs";
import path from "node:path";
import ort from "onnxruntime-node";

function parseArgs(argv) {
  const o = { models: "testdata/silero", kinds: "legacy,v5,v6", rounds: 5, fixture: "", wav: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-models") o.models = argv[++i];
    else if (a === "-kinds") o.kinds = argv[++i];
    else if (a === "-rounds") o.rounds = Number(argv[++i]);
    else if (a === "-fixture") o.fixture = argv[++i];
    else if (a.startsWith("-")) throw new Error(`unknown flag ${a}`);
    else o.wav = a;
  }
  if (!o.wav) throw new Error("usage: node ort_vad.mjs [-models DIR] [-rounds N] [-fixture OUT.json] RECORDING.wav");
  return o;
}

// readWav returns {rate, samples: Float32Array}: PCM16 or IEEE float32,
// channels averaged. (The Go reader is the one with every check; this one
// reads the files this repository makes.)
function readWav(file) {
  const b = fs.readFileSync(file);
  if (b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${file}: not RIFF/WAVE`);
  let fmt = null, data = null;
  for (let p = 12; p + 8 <= b.length;) {
    const id = b.toString("ascii", p, p + 4), size = b.readUInt32LE(p + 4);
    const body = b.subarray(p + 8, Math.min(b.length, p + 8 + size));
    if (id === "fmt ") fmt = { tag: body.readUInt16LE(0), channels: body.readUInt16LE(2), rate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    if (id === "data") data = body;
    p += 8 + size + (size & 1);
  }
  if (!fmt || !data) throw new Error(`${file}: no fmt or data chunk`);
  const pcm16 = fmt.tag === 1 && fmt.bits === 16, f32 = fmt.tag === 3 && fmt.bits === 32;
  if (!pcm16 && !f32) throw new Error(`${file}: format ${fmt.tag}/${fmt.bits} bits (want PCM16 or float32)`);
  const width = fmt.bits / 8, frames = Math.floor(data.length / (width * fmt.channels));
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < fmt.channels; c++) {
      const at = (i * fmt.channels + c) * width;
      s += pcm16 ? data.readInt16LE(at) / 32768 : data.readFloatLE(at);
    }
    out[i] = s / fmt.channels;
  }
  return { rate: fmt.rate, samples: out };
}

// A model's streaming runner: feed(chunk) returns the probability.
function runner(session, kind, rate) {
  const chunk = rate === 16000 ? 512 : 256;
  const context = kind === "legacy" ? 0 : rate === 16000 ? 64 : 32;
  const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(rate)]), []);
  const x = new Float32Array(context + chunk);
  let state = {};
  const reset = () => {
    x.fill(0);
    state = kind === "legacy"
      ? { h: new ort.Tensor("float32", new Float32Array(128), [2, 1, 64]), c: new ort.Tensor("float32", new Float32Array(128), [2, 1, 64]) }
      : { state: new ort.Tensor("float32", new Float32Array(256), [2, 1, 128]) };
  };
  reset();
  const feed = async (samples) => {
    x.copyWithin(0, chunk, chunk + context); // the previous chunk's tail
    x.fill(0, context);
    x.set(samples, context);
    const input = new ort.Tensor("float32", x.slice(), [1, context + chunk]);
    const feeds = { input, ...state };
    if (session.inputNames.includes("sr")) feeds.sr = sr; // not in the 16 kHz-only exports
    const out = await session.run(feeds);
    if (kind === "legacy") state = { h: out.hn, c: out.cn };
    else state = { state: out.stateN };
    return out.output.data[0];
  };
  return { chunk, context, reset, feed };
}

// A trivial model: one Identity node from "input" [1, n] to "output".
function identityModel(n) {
  const varint = (v) => { const a = []; while (v > 127) { a.push((v & 127) | 128); v >>>= 7; } a.push(v); return a; };
  const field = (num, bytes) => [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
  const int = (num, v) => [...varint(num << 3), ...varint(v)];
  const str = (s) => [...Buffer.from(s)];
  const dim = (v) => field(1, int(1, v));
  const valueInfo = (name) => [...field(1, str(name)), ...field(2, field(1, [...int(1, 1), ...field(2, [...dim(1), ...dim(n)])]))];
  const node = [...field(1, str("input")), ...field(2, str("output")), ...field(4, str("Identity"))];
  const graph = [...field(1, node), ...field(2, str("g")), ...field(11, valueInfo("input")), ...field(12, valueInfo("output"))];
  return Uint8Array.from([...int(1, 8), ...field(8, int(2, 16)), ...field(7, graph)]);
}

const median = (a) => { const s = [...a].sort((p, q) => p - q); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" };

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { rate, samples } = readWav(o.wav);
  if (rate !== 16000 && rate !== 8000) throw new Error(`${o.wav}: ${rate} Hz (want 8000 or 16000)`);
  const fixture = { wav: path.basename(o.wav), sample_rate: rate, models: {} };
  console.log(`${o.wav}: ${(samples.length / rate).toFixed(2)} s at ${rate} Hz; onnxruntime-node ${ort.env.versions?.common ?? ""}, one thread`);
  for (const kind of o.kinds.split(",")) {
    const session = await ort.InferenceSession.create(path.join(o.models, `silero_vad_${kind}.onnx`), opts);
    const r = runner(session, kind, rate);
    const nChunks = Math.ceil(samples.length / r.chunk);
    const pass = async (times) => {
      r.reset();
      const probs = new Array(nChunks);
      for (let i = 0; i < nChunks; i++) {
        const piece = samples.subarray(i * r.chunk, Math.min(samples.length, (i + 1) * r.chunk));
        const t0 = process.hrtime.bigint();
        probs[i] = await r.feed(piece);
        if (times) times.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      return probs;
    };
    const probs = await pass(null);
    const times = [];
    for (let k = 0; k < o.rounds; k++) {
      const again = await pass(times);
      if (again.some((p, i) => p !== probs[i])) throw new Error(`${kind}: a second pass gave other probabilities`);
    }
    const us = median(times);
    const rtf = (r.chunk / rate) / (us / 1e6);
    console.log(`${kind.padEnd(7)} ${nChunks} chunks of ${r.chunk} (+${r.context} context): median ${us.toFixed(1)} µs/chunk, real-time factor ${rtf.toFixed(0)}`);
    fixture.chunks = nChunks;
    fixture.models[kind] = { chunk: r.chunk, context: r.context, probs };
  }
  const n = (rate === 16000 ? 512 : 256) + (rate === 16000 ? 64 : 32);
  const trivial = await ort.InferenceSession.create(identityModel(n), opts);
  const input = new ort.Tensor("float32", new Float32Array(n), [1, n]);
  const times = [];
  for (let k = 0; k < 2000; k++) {
    const t0 = process.hrtime.bigint();
    await trivial.run({ input });
    if (k >= 200) times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  console.log(`binding overhead (Identity on [1,${n}]): median ${median(times).toFixed(1)} µs/run`);
  if (o.fixture) {
    fs.writeFileSync(o.fixture, JSON.stringify(fixture) + "\n");
    console.log(`wrote ${o.fixture}`);
  }
}

main().catch((e) => { console.error(`ort_vad: ${e.message}`); process.exit(2); });
