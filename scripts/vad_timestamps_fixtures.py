#!/usr/bin/python3
"""Expected results of vad.SpeechTimestamps and vad.Stream, from upstream.

Run from the repository root. Runs upstream silero-vad's own get_speech_timestamps (taken from its
utils_vad.py with ast, so torchaudio, which that file imports, is not
needed) on per-chunk probability sequences through a stand-in model that
returns them in order, and writes every case (parameters, probabilities,
length, segments) to JSON for vad's tests, and the events of upstream's
streaming VADIterator over the same sequences (for vad.Stream):

    /usr/bin/python3 scripts/vad_timestamps_fixtures.py \\
        SILERO_VAD_CHECKOUT/src/silero_vad/utils_vad.py testdata/vad/timestamps_upstream.json

Needs Debian's python3-torch. The sequences are synthetic (a seeded
two-state chain with noisy probabilities, and hand-made edge cases), plus
the ONNX Runtime probabilities of the test recordings
(testdata/vad/ort_speech{16k,8k}.json).
"""

import ast
import hashlib
import json
import random
import struct
import sys
import warnings
from typing import Callable

import torch


def load_upstream(path):
    tree = ast.parse(open(path).read())
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
            and n.name in ("get_speech_timestamps", "make_visualization", "VADIterator")]
    env = {"torch": torch, "warnings": warnings, "Callable": Callable}
    exec(compile(ast.Module(body=defs, type_ignores=[]), path, "exec"), env)
    return env["get_speech_timestamps"], env["VADIterator"]


class Replay:
    """Stands in for the model: returns the given probabilities in order."""

    def __init__(self, probs):
        self.probs, self.i = probs, 0

    def reset_states(self):
        self.i = 0

    def __call__(self, chunk, sr):
        p = f32(self.probs[self.i])
        self.i += 1
        return torch.tensor(p, dtype=torch.float32)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def milli(x):
    """x rounded to thousandths: short in JSON; the model stand-in and the
    Go test both take the float32 nearest to the double nearest to it."""
    return round(x * 1000) / 1000


def chain(rng, n, switch=0.04):
    """Noisy two-state speech/silence probabilities."""
    out, speech = [], rng.random() < 0.5
    for _ in range(n):
        if rng.random() < switch:
            speech = not speech
        r = rng.random()
        if speech:
            p = rng.uniform(0.55, 1.0) if r < 0.85 else rng.uniform(0.0, 0.6)
        else:
            p = rng.uniform(0.0, 0.3) if r < 0.85 else rng.uniform(0.2, 0.7)
        if rng.random() < 0.03:
            p = rng.choice([0.5, 0.35, 0.0, 1.0, 0.3, 0.7, 0.2, 0.25, 0.625])
        out.append(milli(p))
    return out


PARAMS = [
    {},
    {"threshold": 0.3},
    {"threshold": 0.7, "neg_threshold": 0.2},
    {"min_speech_duration_ms": 0, "min_silence_duration_ms": 0, "speech_pad_ms": 0},
    {"min_speech_duration_ms": 1000, "min_silence_duration_ms": 500},
    {"min_silence_duration_ms": 50, "speech_pad_ms": 100},
    {"speech_pad_ms": 300},
    {"max_speech_duration_s": 1.0},
    {"max_speech_duration_s": 3.0, "min_silence_at_max_speech": 50},
    {"max_speech_duration_s": 1.0, "use_max_poss_sil_at_max_speech": False},
    {"max_speech_duration_s": 2.5, "use_max_poss_sil_at_max_speech": False, "min_silence_at_max_speech": 200, "speech_pad_ms": 60},
    {"max_speech_duration_s": 0.3, "min_speech_duration_ms": 0},
    # Durations of whole chunks (32 ms is 512 samples at 16 kHz and 256 at
    # 8 kHz), so that every comparison meets its boundary.
    {"min_speech_duration_ms": 64, "min_silence_duration_ms": 32},
    {"max_speech_duration_s": 1.0, "min_silence_at_max_speech": 64, "min_silence_duration_ms": 200},
    {"max_speech_duration_s": 1.0, "min_silence_at_max_speech": 64, "min_silence_duration_ms": 200, "use_max_poss_sil_at_max_speech": False},
    {"max_speech_duration_s": 0.288, "speech_pad_ms": 0, "min_speech_duration_ms": 0},
    {"max_speech_duration_s": 0.288, "speech_pad_ms": 0, "min_speech_duration_ms": 0, "use_max_poss_sil_at_max_speech": False},
    {"speech_pad_ms": 16, "min_silence_duration_ms": 0, "min_speech_duration_ms": 0},
    {"speech_pad_ms": 32, "min_silence_duration_ms": 0, "min_speech_duration_ms": 0},
    # Thresholds that float32 probabilities can equal (the chains hold
    # 0.25 and 0.625), one of them upstream's computed neg_threshold.
    {"threshold": 0.625, "neg_threshold": 0.25},
    {"threshold": 0.4},
]


def main():
    gst, vad_iterator = load_upstream(sys.argv[1])
    out_path = sys.argv[2]
    rng = random.Random(20261206)
    sequences, cases = {}, []

    def add(seq, sr, probs, length, param_sets):
        """A sequence (stored once unless it is an ORT fixture's) and its
        segments under each parameter set."""
        window = 512 if sr == 16000 else 256
        assert len(probs) == (length + window - 1) // window
        if not seq.startswith("ort_"):
            sequences[seq] = {"sample_rate": sr, "length": length, "probs": probs}
        for params in param_sets:
            segs = gst(torch.zeros(length), Replay(probs), sampling_rate=sr, **params)
            cases.append({"sequence": seq, "params": params, "segments": [[s["start"], s["end"]] for s in segs]})

    for k in range(16):
        sr = 16000 if k % 3 else 8000
        window = 512 if sr == 16000 else 256
        n = rng.randint(200, 2500)
        length = n * window - rng.choice([0, 0, 1, window // 2, window - 1])
        add("chain%d" % k, sr, chain(rng, n, switch=rng.choice([0.01, 0.04, 0.15])), length, PARAMS)

    edges = {
        "empty": [],
        "one-speech-chunk": [0.9],
        "all-speech": [0.9] * 300,
        "all-silence": [0.1] * 300,
        "at-threshold": [0.5] * 40 + [0.35] * 40 + [0.34] * 40 + [0.5] * 40,
        "alternating": [0.9, 0.1] * 200,
    }
    for name, probs in edges.items():
        for sr in (16000, 8000):
            window = 512 if sr == 16000 else 256
            add("%s-%d" % (name, sr), sr, probs, len(probs) * window, PARAMS)

    # The ORT fixtures' probabilities: the Go test reads them from there
    # (sequence "ort_speech16k.json:v5" is that file's model v5) and
    # takes the length of the WAV file beside them.
    for rate, length in (("16k", 436803), ("8k", 218402)):
        ort = json.load(open("testdata/vad/ort_speech%s.json" % rate))
        for model, m in sorted(ort["models"].items()):
            add("ort_speech%s.json:%s" % (rate, model), ort["sample_rate"], m["probs"], length, PARAMS)

    # VADIterator, the streaming segmenter, over every stored sequence,
    # one full chunk at a time.
    stream_params = [{}, {"threshold": 0.3, "min_silence_duration_ms": 0, "speech_pad_ms": 0},
                     {"min_silence_duration_ms": 32, "speech_pad_ms": 16},
                     {"threshold": 0.625, "min_silence_duration_ms": 250, "speech_pad_ms": 100}]
    stream_cases = []
    for name, seq in sorted(sequences.items()):
        window = 512 if seq["sample_rate"] == 16000 else 256
        for params in stream_params:
            it = vad_iterator(Replay(seq["probs"]), sampling_rate=seq["sample_rate"], **params)
            events = []
            for i in range(len(seq["probs"])):
                ev = it(torch.zeros(window))
                if ev:
                    events.append([i, "start" if "start" in ev else "end", ev.get("start", ev.get("end"))])
            stream_cases.append({"sequence": name, "params": params, "events": events})

    with open(out_path, "w") as f:
        upstream = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
        json.dump({"upstream_utils_vad_sha256": upstream, "sequences": sequences, "cases": cases,
                   "stream_cases": stream_cases}, f, separators=(",", ":"))
        f.write("\n")
    print("%d sequences, %d cases, %d stream cases -> %s" % (len(sequences), len(cases), len(stream_cases), out_path))


main()
