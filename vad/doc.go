// Package vad finds speech in audio with the Silero voice-activity
// detection models: a streaming Detector (one probability per chunk of
// 32 ms, state carried, no allocation per chunk), SpeechTimestamps (a
// faithful port of upstream silero-vad's get_speech_timestamps, which
// turns a recording's probabilities into padded, merged speech segments),
// Stream (upstream's VADIterator: speech start and end events as audio
// arrives), a WAV reader (8-, 16-, 24- and 32-bit PCM, 32- and 64-bit
// float, channels averaged) and Resample (Resampler on a stream), which
// brings audio at another rate (44.1 kHz, 48 kHz) to the 16 kHz the
// models take.
//
// NaN and Inf: ReadWAV returns float samples as stored, NaN and ±Inf
// included; the Detector refuses a chunk holding one (ErrNonFinite, with
// nothing changed), and a probability that is NaN or infinite, which
// finite samples too large for the network give (ErrNonFinite, the
// detector reset), so that neither poisons the recurrent state and
// silently turns the rest of a recording into NaN, which the
// segmentation would read as neither speech nor silence. simdcore vad
// reports such a recording as an error naming the chunk.
//
// A Detector drives a Model, one stream of a Silero network: the interface
// that whatever runs the network implements (a session of package onnx
// over a model file, a test's stand-in), so that the detector, the
// segmentation and their tests do not depend on how the network runs.
//
// # The Silero models
//
// testdata/silero holds the three models of the npm package
// @ricky0123/vad-web 0.0.31 (scripts/fetch_silero.sh), the Silero team's,
// MIT-licensed. All three take 16 kHz or 8 kHz audio as floats in [-1, 1]
// and return one speech probability per call; they differ in inputs,
// state and context.
//
// silero_vad_v5.onnx and silero_vad_v6.onnx (opset 16, exported with spox;
// the same graph, different weights):
//
//	inputs   input  float32 [batch, N]        context then chunk: N = 64+512 at 16 kHz, 32+256 at 8 kHz
//	         state  float32 [2, batch, 128]   the LSTM's h (state[0]) and c (state[1]); zeros at the start
//	         sr     int64   scalar            16000 or 8000
//	outputs  output float32 [batch, 1]        speech probability
//	         stateN float32 [2, batch, 128]   the next state
//
// The graph is one If on sr == 16000. Each branch: reflect-pad the input
// on the right (64 samples at 16 kHz, 32 at 8 kHz), an STFT as a Conv1d
// with a fixed basis (258×1×256, stride 128 at 16 kHz: 4 frames of 129
// bins from 640 samples; 130×1×128, stride 64 at 8 kHz: 4 frames of 65
// bins from 320), the magnitude sqrt(re²+im²), four Conv1d+ReLU layers
// (kernel 3, padding 1, strides 1, 2, 2, 1; 129 or 65 → 128 → 64 → 64 →
// 128 channels; 4 frames → 1), an LSTM cell of 128 (an ONNX LSTM
// inside nested Ifs on tensor shapes), ReLU, a 1×1 Conv1d to one
// channel, Sigmoid, and the mean over time. The context is not part of
// the graph: the caller keeps it. Upstream's OnnxWrapper prepends the
// last 64 samples (32 at 8 kHz) of the previous call's input (its
// context plus chunk), zeros before the first chunk, and the Detector does
// the same.
//
// The work per chunk, in multiply-adds (v5 and v6 alike), at 16 kHz and
// at 8 kHz: the STFT convolution 264,192 and 66,560; the encoder's four
// convolutions 198,144 (99,840 at 8 kHz) + 49,152 + 12,288 + 24,576; the
// LSTM step 131,072; the head 128. In all 679,552 (1.36 MFLOP) and
// 383,616: at one core's AVX2 peak (two 8-wide FMAs a cycle) about
// 14 µs at 3 GHz, so a run's time above that is the cost of small
// matrices, data movement and the graph's bookkeeping.
//
// The models in upstream's repository (src/silero_vad/data) load too:
// silero_vad.onnx, silero_vad_16k_op15.onnx and silero_vad_op18_ifless.onnx
// have v5's inputs; silero_vad_half.onnx and silero_vad_openvino_16k.onnx
// have no sr (input and state alone) and take 16 kHz only
// (Silero.SampleRates): a Detector at 8 kHz is refused, and simdcore vad
// resamples an 8 kHz recording to 16 kHz for them. On the 16 kHz test
// recording they give v5's and v6's probabilities, within 1.3e-6 of ONNX
// Runtime (vad's TestSilero16kExportsMatchONNXRuntime, run by hand: the
// files are not committed).
//
// silero_vad_legacy.onnx (Silero v4; opset 16, exported by PyTorch 1.12):
//
//	inputs   input  float32 [batch, N]        the chunk alone (no context): trained on 512, 1024 or 1536 samples at 16 kHz, 256, 512 or 768 at 8 kHz
//	         sr     int64   scalar            16000 or 8000
//	         h, c   float32 [2, batch, 64]    two stacked LSTM layers' states; zeros at the start
//	outputs  output float32 [batch, 1]        speech probability
//	         hn, cn float32 [2, batch, 64]    the next states
//
// Again one If on sr == 16000, each branch a whole network with its own
// weights: reflect-pad 96 samples on each side, an STFT Conv1d (258×1×256,
// stride 64), log-magnitude with an adaptive normalisation (a 7-tap
// smoothing Conv1d and ReduceMeans), four depthwise-separable residual
// conv blocks (grouped Conv1d kernel 5, pointwise Conv1d, strides 1 and 2),
// two LSTM layers of 64, a 1×1 Conv1d, Sigmoid, and the mean over time.
// The detector feeds it 512-sample chunks at 16 kHz and 256 at 8 kHz.
//
// # Parity
//
// testdata/vad/ort_speech16k.json, ort_speech8k.json and ort_long16k.json
// hold ONNX Runtime's per-chunk probabilities, for each model, of the test
// recordings (testdata/vad/speech16k.wav and speech8k.wav, 27.3 s each,
// made by scripts/make_vad_audio.sh) and of 64 s made from the first by
// internal/vadtest.Long, written by bench/peers/ort_vad.mjs.
// testdata/vad/timestamps_upstream.json holds upstream
// get_speech_timestamps' segments and VADIterator's events for synthetic
// and recorded probability sequences (scripts/vad_timestamps_fixtures.py). The tests
// compare against these files; none of them needs Python or Node.
package vad
