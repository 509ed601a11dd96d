// ONNX Runtime's outputs for the torch exports in testdata/onnx/torch, written
// as ONNX test data sets, so that `simdcore onnx check` compares simdcore's
// runner with ONNX Runtime directly (not only each with torch).
//
// Run by hand from the repository's root (CI and the library never need it):
//
//	(cd bench/peers && npm ci --ignore-scripts)
//	node bench/peers/ort_exports.mjs [-src testdata/onnx/torch] [-out /tmp/ort_exports]
//	for d in /tmp/ort_exports/*/; do
//	    go run ./cmd/simdcore onnx check -rtol 0 -atol 1e-4 \
//	        testdata/onnx/torch/$(basename $d)/model.onnx $d/test_data_set_0 || echo "MISMATCH $d"
//	done
//
// For every model folder it reads test_data_set_0/input_*.pb (TensorProto:
// float, int64, int32 or bool), runs the model in an ONNX Runtime session on
// one thread (intraOpNumThreads 1, all graph optimisations), and writes
// OUT/<model>/test_data_set_0/ with the same inputs and ORT's outputs
// (output_<i>.pb, in the graph's output order, named as the graph names
// them). The TensorProto reading and writing below covers just the fields
// those files use: dims (1), data_type (2), float_data (4), int32_data (5),
// int64_data (7), name (8) and raw_data (9).

import { mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import ort from "onnxruntime-node";

const args = process.argv.slice(2);
const opt = (name, def) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : def;
};
const src = opt("-src", "testdata/onnx/torch");
const out = opt("-out", "/tmp/ort_exports");

// --- protobuf wire format, as much as TensorProto needs ---

function readVarint(buf, pos) {
	let v = 0n, shift = 0n;
	for (;;) {
		if (pos >= buf.length) throw new Error("truncated varint");
		const b = buf[pos++];
		v |= BigInt(b & 0x7f) << shift;
		if ((b & 0x80) === 0) return [v, pos];
		shift += 7n;
	}
}

function toSigned64(v) {
	return v >= 1n << 63n ? v - (1n << 64n) : v;
}

const FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9;

function parseTensor(buf) {
	const t = { dims: [], type: 0, name: "", raw: null, floats: [], ints: [] };
	let pos = 0;
	while (pos < buf.length) {
		let key;
		[key, pos] = readVarint(buf, pos);
		const field = Number(key >> 3n), wire = Number(key & 7n);
		if (wire === 0) {
			let v;
			[v, pos] = readVarint(buf, pos);
			if (field === 1) t.dims.push(Number(toSigned64(v)));
			else if (field === 2) t.type = Number(v);
			else if (field === 5 || field === 7) t.ints.push(toSigned64(v));
		} else if (wire === 2) {
			let n;
			[n, pos] = readVarint(buf, pos);
			const body = buf.subarray(pos, pos + Number(n));
			pos += Number(n);
			if (field === 8) t.name = body.toString("utf8");
			else if (field === 9) t.raw = Buffer.from(body);
			else if (field === 4) {
				for (let i = 0; i + 4 <= body.length; i += 4) t.floats.push(body.readFloatLE(i));
			} else if (field === 1 || field === 5 || field === 7) {
				let p = 0;
				while (p < body.length) {
					let v;
					[v, p] = readVarint(body, p);
					if (field === 1) t.dims.push(Number(toSigned64(v)));
					else t.ints.push(toSigned64(v));
				}
			}
		} else if (wire === 5) {
			if (field === 4) t.floats.push(buf.readFloatLE(pos));
			pos += 4;
		} else if (wire === 1) {
			pos += 8;
		} else {
			throw new Error(`wire type ${wire} in a TensorProto`);
		}
	}
	return t;
}

function toOrt(t) {
	const n = t.dims.reduce((a, b) => a * b, 1);
	switch (t.type) {
		case FLOAT: {
			const a = t.raw ? new Float32Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + 4 * n)) : Float32Array.from(t.floats);
			return new ort.Tensor("float32", a, t.dims);
		}
		case INT64: {
			const a = t.raw ? new BigInt64Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + 8 * n)) : BigInt64Array.from(t.ints);
			return new ort.Tensor("int64", a, t.dims);
		}
		case INT32: {
			const a = t.raw ? new Int32Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + 4 * n)) : Int32Array.from(t.ints.map(Number));
			return new ort.Tensor("int32", a, t.dims);
		}
		case BOOL: {
			const a = t.raw ? Uint8Array.from(t.raw.subarray(0, n)) : Uint8Array.from(t.ints.map(Number));
			return new ort.Tensor("bool", a, t.dims);
		}
		default:
			throw new Error(`data type ${t.type} of input ${t.name}`);
	}
}

function varint(v) {
	v = BigInt.asUintN(64, BigInt(v));
	const b = [];
	do {
		let byte = Number(v & 0x7fn);
		v >>= 7n;
		if (v !== 0n) byte |= 0x80;
		b.push(byte);
	} while (v !== 0n);
	return Buffer.from(b);
}

function field(num, wire) {
	return varint((num << 3) | wire);
}

function writeTensor(name, tensor) {
	if (tensor.type !== "float32") throw new Error(`output ${name} is ${tensor.type}, not float32`);
	const parts = [];
	for (const d of tensor.dims) parts.push(field(1, 0), varint(d));
	parts.push(field(2, 0), varint(FLOAT));
	const nameBuf = Buffer.from(name, "utf8");
	parts.push(field(8, 2), varint(nameBuf.length), nameBuf);
	const raw = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
	parts.push(field(9, 2), varint(raw.length), raw);
	return Buffer.concat(parts);
}

// --- the models ---

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" };
let failed = 0;
for (const name of readdirSync(src).sort()) {
	const dir = path.join(src, name);
	const model = path.join(dir, "model.onnx");
	const set = path.join(dir, "test_data_set_0");
	if (!existsSync(model) || !existsSync(set)) continue;
	try {
		const session = await ort.InferenceSession.create(model, opts);
		const feeds = {};
		const inputs = readdirSync(set).filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
		inputs.forEach((f, i) => {
			const t = parseTensor(readFileSync(path.join(set, f)));
			feeds[t.name || session.inputNames[i]] = toOrt(t);
		});
		const res = await session.run(feeds);
		const dst = path.join(out, name, "test_data_set_0");
		mkdirSync(dst, { recursive: true });
		for (const f of inputs) copyFileSync(path.join(set, f), path.join(dst, f));
		session.outputNames.forEach((o, i) => writeFileSync(path.join(dst, `output_${i}.pb`), writeTensor(o, res[o])));
		console.log(`${name}: ${session.outputNames.length} outputs`);
	} catch (e) {
		failed++;
		console.log(`${name}: ONNX Runtime failed: ${e.message}`);
	}
}
process.exit(failed ? 1 : 0);
