// Package reliability is simdcore's reliability test suite: what a user or
// an attacker can hand the library and the command from outside, each
// class checked end to end through the public API and the built command.
// It holds only tests (and the generator of its corpus); CI runs it as one
// step, `go test -count=1 ./internal/reliability/`, within about a minute.
//
//   - Malformed files (corpus_test.go): every file of
//     testdata/malformed (safetensors files, and torch.save checkpoints
//     built to run code, to cost memory or time, or broken), written by
//     gencorpus, is refused by rnn.Load,
//     rnn.LoadLM, attn.LoadMultiHead and `simdcore run -model` with an
//     error of one line wrapping the sentinel its name gives, never a
//     panic, in bounded time.
//   - Kill during save (killsave_test.go): a process killed in the middle
//     of Net.Save leaves the model it was replacing intact, and the next
//     save removes the temporary file it left.
//   - FIFOs (fifo_test.go): every loader (rnn, attn, onnx, vad), and the
//     command given a FIFO as its model, refuses it at once instead of
//     blocking (cmd/simdcore's TestFIFOInputs: every command's files).
//   - Hostile views (views_test.go): matrix views whose span overflows an
//     int or overruns their data are refused by the kernels and by
//     attention before any assembly runs; FuzzHostileViews generates
//     them, as the kernel fuzzers FuzzGemm and FuzzGemv do (and the
//     vector and activation fuzzers generate operands of mismatched
//     lengths).
//   - Declared sizes (membound_test.go): small files in every format
//     (safetensors for rnn, attn, nn and tlm; ONNX models and tensors;
//     WAV; rnn's State blobs) that declare 2^30 to 2^40 elements, bytes,
//     layers or heads are refused with little memory and at once.
//   - Huge flags (flags_test.go): flag values that ask for more than the
//     machine can do are refused at once, in one line, with status 2.
//
// Unit-level tests complete it in the packages themselves: the header
// amplification and limit tests and the fuzzers of internal/weights,
// TestSaveKilled and the FIFO test there, kernel's TestHostileViews,
// rnn's TestHugeConfigs and the command's hardening tests.
package reliability

//go:generate go run ./gencorpus
