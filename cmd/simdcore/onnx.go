package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/simdcore/simdcore/onnx"
)

// exitStatus is an error that ends the command with that status and no
// error line (the command has printed its report): onnx check's 1 for a
// mismatch.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// cmdONNX runs "simdcore onnx check MODEL.onnx [DATASET_DIR…]": the model
// on ONNX test data sets (input_N.pb, output_N.pb; by default the
// test_data_set_* directories beside the model), each output compared at the
// backend tests' tolerance. Exit status 0 when all match, 1 on a mismatch,
// 2 (one line) when the model cannot run: an unsupported operator, data
// type or attribute, or a malformed file.
func cmdONNX(args []string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		args = append([]string{"check"}, args...) // onnx -h: check's flags, its only subcommand
	}
	if len(args) == 0 || args[0] != "check" {
		return usageError{"onnx: usage: simdcore onnx check [-rtol R] [-atol A] MODEL.onnx [DATASET_DIR...]"}
	}
	fs := newFlagSet("onnx check")
	rtol := fs.Float64("rtol", onnx.TestRTol, "relative tolerance")
	atol := fs.Float64("atol", onnx.TestATol, "absolute tolerance")
	if err := fs.Parse(args[1:]); err != nil {
		return parseFlags(fs, args[1:]) // the same error, or -h's help
	}
	if fs.NArg() == 0 {
		return usageError{"onnx check: MODEL.onnx is required"}
	}
	path := fs.Arg(0)
	sets := fs.Args()[1:]
	m, err := onnx.ReadFile(path)
	if err != nil {
		return err
	}
	if len(sets) == 0 {
		sets, _ = filepath.Glob(filepath.Join(filepath.Dir(path), "test_data_set_*"))
		if len(sets) == 0 {
			return usageError{fmt.Sprintf("onnx check: no test_data_set_* directories beside %s; name the data sets", path)}
		}
	}
	bad := 0
	for _, set := range sets {
		checks, err := onnx.CheckDataSet(m, set, *rtol, *atol)
		if err != nil {
			return err
		}
		for _, c := range checks {
			switch d := c.Diff; {
			case d.Err != nil:
				bad++
				fmt.Fprintf(stdout, "%s %s: MISMATCH: %v\n", set, c.Name, d.Err)
			case d.Mismatches > 0:
				bad++
				fmt.Fprintf(stdout, "%s %s: MISMATCH: %d elements outside rtol %g atol %g, max |diff| %.3g (worst at element %d)\n",
					set, c.Name, d.Mismatches, *rtol, *atol, d.MaxAbs, d.Worst)
			default:
				fmt.Fprintf(stdout, "%s %s: ok, max |diff| %.3g\n", set, c.Name, d.MaxAbs)
			}
		}
	}
	if bad > 0 {
		return exitStatus(1)
	}
	return nil
}
