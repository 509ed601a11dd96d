package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/internal/regfile"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
)

func cmdRun(args []string, stdout io.Writer) error {
	fs := newFlagSet("run")
	model := fs.String("model", "", "safetensors file or torch.save checkpoint (.pt) with a torch.nn.RNN, LSTM or GRU state_dict (and optional linear head)")
	input := fs.String("input", "", "input sequence: CSV (one timestep per row) or JSON ([[...], ...]); - for CSV on stdin")
	mode := fs.String("mode", "all", "all: an output per timestep (many-to-many); last: the final one (many-to-one)")
	format := fs.String("format", "", "output format, csv or json (default: the input's)")
	act := fs.String("nonlinearity", "", "tanh or relu, when the file's metadata does not say (PyTorch's default: tanh)")
	allowNonFinite := fs.Bool("allow-nonfinite", false, "load NaN or infinite weights and write NaN or infinite outputs (JSON: null), which are errors by default")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *input == "" {
		return usageError{"run: -model FILE and -input FILE are required"}
	}
	if *mode != "all" && *mode != "last" {
		return usageError{fmt.Sprintf("run: -mode %q (want all or last)", *mode)}
	}
	inFormat := "csv"
	if strings.EqualFold(filepath.Ext(*input), ".json") {
		inFormat = "json"
	}
	if *format == "" {
		*format = inFormat
	}
	if *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("run: -format %q (want csv or json)", *format)}
	}
	var opts []rnn.LoadOption
	switch *act {
	case "":
	case "tanh":
		opts = append(opts, rnn.WithActivation(rnn.Tanh))
	case "relu":
		opts = append(opts, rnn.WithActivation(rnn.ReLU))
	default:
		return usageError{fmt.Sprintf("run: -nonlinearity %q (want tanh or relu)", *act)}
	}
	if *allowNonFinite {
		opts = append(opts, rnn.AllowNonFinite())
	}
	net, err := rnn.Load(*model, opts...)
	if err != nil {
		if isLanguageModel(*model) {
			return fmt.Errorf("run: %s is a language model, which takes tokens, not vectors (simdcore generate -model %s runs one that train wrote)", *model, *model)
		}
		return err
	}
	var r io.Reader = os.Stdin
	if *input != "-" {
		// A file or a FIFO (opened without waiting for a writer: one
		// with none is an empty input); devices and directories are
		// refused.
		fh, _, err := regfile.OpenStream(*input)
		if err != nil {
			return err
		}
		defer fh.Close()
		r = fh
	}
	xs, err := readTimesteps(r, inFormat, net.Config().Input)
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	var ys kernel.Matrix
	if *mode == "last" {
		y, err := net.Last(xs)
		if err != nil {
			return err
		}
		ys = kernel.MatrixFrom(1, len(y), y)
	} else {
		if ys, err = net.Forward(xs); err != nil {
			return err
		}
	}
	if !*allowNonFinite {
		if err := checkFiniteOutputs(ys); err != nil {
			return err
		}
	}
	return writeOutputs(stdout, ys, *format)
}

// checkFiniteOutputs returns an error naming the first output that is NaN or
// infinite: run writes nothing then, unless -allow-nonfinite.
func checkFiniteOutputs(m kernel.Matrix) error {
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("run: output row %d column %d is %v (the model overflows on this input); -allow-nonfinite writes such outputs", i+1, j+1, v)
			}
		}
	}
	return nil
}

// writeOutputs writes one line a row of m: CSV, or a JSON array of
// arrays, streamed, with the shortest decimal that reads back as the same
// float32. In CSV a non-finite value is NaN, +Inf or -Inf; JSON, which
// has no such numbers, gets null.
func writeOutputs(w io.Writer, m kernel.Matrix, format string) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	if format == "json" {
		buf = append(buf, '[')
	}
	for i := 0; i < m.Rows; i++ {
		if format == "json" {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
		}
		for j, v := range m.Row(i) {
			if j > 0 {
				buf = append(buf, ',')
			}
			if format == "json" && (math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)) {
				buf = append(buf, "null"...)
			} else {
				buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
			}
		}
		if format == "json" {
			buf = append(buf, ']')
		} else {
			buf = append(buf, '\n')
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	if format == "json" {
		bw.WriteString("]\n")
	}
	return bw.Flush()
}

// isLanguageModel reports whether path holds a language model: a
// transformer (tlm), or a recurrent LM with its tokenizer or embedding.
func isLanguageModel(path string) bool {
	f, err := weights.Open(path)
	if err != nil {
		return false
	}
	_, tok := f.Metadata()["simdcore.tokenizer"]
	return tok || tlm.IsModel(f.Metadata()) || f.Has("embedding.weight")
}
