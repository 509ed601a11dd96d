package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/rnn"
)

func cmdRun(args []string, stdout io.Writer) error {
	fs := newFlagSet("run")
	model := fs.String("model", "", "safetensors file with a torch.nn.RNN state_dict (and optional linear head)")
	input := fs.String("input", "", "input sequence: CSV (one timestep per row) or JSON ([[...], ...]); - for CSV on stdin")
	mode := fs.String("mode", "all", "all: an output per timestep (many-to-many); last: the final one (many-to-one)")
	format := fs.String("format", "", "output format, csv or json (default: the input's)")
	act := fs.String("nonlinearity", "", "tanh or relu, when the file's metadata does not say (PyTorch's default: tanh)")
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
	net, err := rnn.Load(*model, opts...)
	if err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	if *input != "-" {
		fh, err := os.Open(*input)
		if err != nil {
			return err
		}
		defer fh.Close()
		r = fh
	}
	rows, err := readRows(r, inFormat)
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	xs, err := toMatrix(rows, net.Config().Input)
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	var outRows [][]float32
	if *mode == "last" {
		y, err := net.Last(xs)
		if err != nil {
			return err
		}
		outRows = [][]float32{y}
	} else {
		ys, err := net.Forward(xs)
		if err != nil {
			return err
		}
		for i := 0; i < ys.Rows; i++ {
			outRows = append(outRows, ys.Row(i))
		}
	}
	return writeRows(stdout, outRows, *format)
}

// maxInputBytes bounds what run reads, so a huge file is an error rather
// than an out-of-memory crash.
const maxInputBytes = 256 << 20

func readRows(r io.Reader, format string) ([][]float64, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("input larger than %d MiB", maxInputBytes>>20)
	}
	var rows [][]float64
	if format == "json" {
		if err := json.Unmarshal(data, &rows); err != nil {
			return nil, fmt.Errorf("want a JSON array of arrays of numbers: %v", err)
		}
	} else {
		cr := csv.NewReader(strings.NewReader(string(data)))
		cr.FieldsPerRecord = -1
		cr.Comment = '#'
		recs, err := cr.ReadAll()
		if err != nil {
			return nil, err
		}
		for i, rec := range recs {
			row := make([]float64, len(rec))
			for j, f := range rec {
				v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil {
					if i == 0 {
						// A header line: skip it if nothing in it is a number.
						row = nil
						break
					}
					return nil, fmt.Errorf("row %d column %d: %q is not a number", i+1, j+1, f)
				}
				row[j] = v
			}
			if row != nil {
				rows = append(rows, row)
			}
		}
	}
	if len(rows) == 0 {
		return nil, errors.New("no timesteps")
	}
	return rows, nil
}

func toMatrix(rows [][]float64, width int) (kernel.Matrix, error) {
	m := kernel.NewMatrix(len(rows), width)
	for i, row := range rows {
		if len(row) != width {
			return kernel.Matrix{}, fmt.Errorf("timestep %d has %d values; the model takes %d", i+1, len(row), width)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
				return kernel.Matrix{}, fmt.Errorf("timestep %d value %d (%v) is not a finite float32", i+1, j+1, v)
			}
			m.Set(i, j, float32(v))
		}
	}
	return m, nil
}

func writeRows(w io.Writer, rows [][]float32, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		return enc.Encode(rows)
	}
	cw := csv.NewWriter(w)
	for _, row := range rows {
		rec := make([]string, len(row))
		for j, v := range row {
			rec[j] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
