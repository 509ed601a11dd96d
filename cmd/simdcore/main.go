// Command simdcore reports what simdcore's kernels run on this machine,
// measures them, and demonstrates the library.
//
// Usage:
//
//	simdcore              info, a short kernel benchmark, and 200 characters from the embedded model
//	simdcore info         CPU, features, active level, implementation per kernel
//	simdcore bench [-kernel dot,gemv] [-sizes 256,4096] [-json] [-time 200ms]
//	simdcore demo         the attention worked example and each RNN topology on toy data
//	simdcore generate [-prompt "..."] [-n 200] [-temperature 0.8] [-topk 0] [-seed 1] [-model file]
//	simdcore train -text FILE [-hidden 128] [-layers 1] [-steps N] [-out model.safetensors]
//	simdcore run -model file.safetensors -input file.(csv|json) [-mode last|all]
//	simdcore vad -model silero_vad_v5.onnx [-json] [-threshold 0.5] recording.wav
//	simdcore onnx check MODEL.onnx [DATASET_DIR...]
//	simdcore quantize -model in.safetensors -out out.safetensors [-text FILE] [-force]
//
// Errors print one line to stderr and exit with status 2. A train run
// stopped by Ctrl-C (SIGINT) or SIGTERM saves a checkpoint and exits with
// status 130.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks an error in how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: simdcore [command] [flags]

commands:
  info       the CPU, its features, the active level and each kernel's implementation
  bench      time the kernels at every level (-kernel, -sizes, -json, -time)
  demo       attention's worked example, soft and hard; each RNN topology on toy data
  generate   continue a prompt with the embedded (or a trained) language model
  train      train a character-level language model on a text file
  run        run a PyTorch nn.RNN (safetensors or torch.save .pt) on a CSV or JSON sequence
  vad        find speech in a WAV recording with a Silero VAD model (-model, -json)
  onnx       onnx check MODEL.onnx [DATASET_DIR...]: run an ONNX model on its test data sets
  quantize   write a model with int8 weights (-model, -out); print the size saved and the accuracy change

With no command: info, a short benchmark, and a sample from the embedded model.
Each command takes -h for its flags.`

// run executes one invocation and returns the exit status: 0 on success,
// 130 when a signal stopped the command after it saved its work, 2 on
// any other error (reported as one line on stderr).
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		// A bug must still end in one line and status 2, not a trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "simdcore: internal error: %v\n", r)
			status = 2
		}
	}()
	if w := levelWarning(); w != "" {
		fmt.Fprintf(stderr, "simdcore: warning: %s\n", oneLine(w))
	}
	out := &checkedWriter{w: stdout}
	err := dispatch(args, out, stderr)
	var help commandHelp
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprintln(out, usage)
		err = nil
	case errors.As(err, &help):
		fmt.Fprintln(out, help.text)
		err = nil
	}
	if err == nil && out.err != nil {
		// Output that did not arrive (a full disk, a closed pipe) is a
		// failure, whichever command wrote it.
		err = fmt.Errorf("writing the output: %w", out.err)
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, errInterrupted) {
		return 130
	}
	var exit exitStatus
	if errors.As(err, &exit) {
		return int(exit)
	}
	fmt.Fprintf(stderr, "simdcore: %v\n", oneLine(err.Error()))
	return 2
}

// checkedWriter keeps the first error of the writes to w and drops the
// writes after it: run turns it into status 2, so that a report that did
// not reach its file (stdout on a full disk, say) is never a success,
// even from a command that does not check each of its writes.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}

var errHelp = errors.New("help requested")

// errInterrupted ends a command that a signal stopped after it saved its
// work and said so: exit status 130 (128 + SIGINT, as a shell reports
// it), so that scripts can tell, and no error line.
var errInterrupted = errors.New("interrupted")

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		if err := cmdInfo(nil, stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		if err := cmdBench([]string{"-short"}, stdout, stderr); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "200 characters from the embedded language model (simdcore generate):")
		return cmdGenerate(nil, stdout)
	}
	switch args[0] {
	case "info":
		return cmdInfo(args[1:], stdout)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(args[1:], stdout)
	case "generate":
		return cmdGenerate(args[1:], stdout)
	case "train":
		return cmdTrain(args[1:], stdout, stderr)
	case "run":
		return cmdRun(args[1:], stdout)
	case "vad":
		return cmdVAD(args[1:], stdout, stderr)
	case "onnx":
		return cmdONNX(args[1:], stdout)
	case "quantize":
		return cmdQuantize(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		return errHelp
	}
	return usageError{fmt.Sprintf("unknown command %q (want info, bench, demo, generate, train, run, vad, onnx or quantize; see simdcore help)", args[0])}
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
