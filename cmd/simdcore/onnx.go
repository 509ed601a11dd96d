package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/simdcore/simdcore/kernel"
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
//
// "simdcore onnx time MODEL.onnx [DATASET_DIR]" times Session.Run on a data
// set's inputs (see cmdONNXTime).
func cmdONNX(args []string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		// Both subcommands' flags.
		check, _, _ := onnxCheckFlags()
		tm, _, _ := onnxTimeFlags()
		return commandHelp{flagUsage(check) + "\n\n" + flagUsage(tm)}
	}
	if len(args) > 0 && args[0] == "time" {
		return cmdONNXTime(args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "check" {
		return usageError{"onnx: usage: simdcore onnx check [-rtol R] [-atol A] MODEL.onnx [DATASET_DIR...] | simdcore onnx time [-for D] [-threads N] MODEL.onnx [DATASET_DIR]"}
	}
	fs, rtol, atol := onnxCheckFlags()
	if err := fs.Parse(args[1:]); err != nil {
		return parseFlags(fs, args[1:]) // the same error, or -h's help
	}
	if fs.NArg() == 0 {
		return usageError{"onnx check: MODEL.onnx is required"}
	}
	path := fs.Arg(0)
	sets := fs.Args()[1:]
	// The positional arguments are taken; now the flags' values, as
	// every command checks them (a NaN tolerance passed nothing, or
	// everything, whatever the outputs).
	if err := parseFlags(fs, nil); err != nil {
		return err
	}
	if *rtol < 0 || *atol < 0 {
		return usageError{fmt.Sprintf("onnx check: -rtol %v and -atol %v must be ≥ 0", *rtol, *atol)}
	}
	m, err := onnx.ReadFile(path)
	if err != nil {
		return err
	}
	if len(sets) == 0 {
		sets = dataSetsBeside(path)
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

// onnxCheckFlags are onnx check's flags.
func onnxCheckFlags() (fs *flag.FlagSet, rtol, atol *float64) {
	fs = newFlagSet("onnx check")
	rtol = fs.Float64("rtol", onnx.TestRTol, "relative tolerance")
	atol = fs.Float64("atol", onnx.TestATol, "absolute tolerance")
	return fs, rtol, atol
}

// onnxTimeFlags are onnx time's flags.
func onnxTimeFlags() (fs *flag.FlagSet, dur *time.Duration, threads *int) {
	fs = newFlagSet("onnx time")
	dur = fs.Duration("for", 2*time.Second, "how long to keep running")
	threads = fs.Int("threads", 0, "goroutines one matrix product may use (0: GOMAXPROCS)")
	return fs, dur, threads
}

// maxTimedRuns bounds the run times onnx time keeps for the median.
const maxTimedRuns = 1 << 16

// cmdONNXTime runs "simdcore onnx time [-for D] [-threads N] MODEL.onnx
// [DATASET_DIR]":
// it plans the model for the data set's inputs (by default the first
// test_data_set_* beside the model), runs it once, then runs it again and
// again for at least D (default 2 s) on one goroutine, and prints the
// runs, the median (of at most maxTimedRuns runs sampled uniformly) and
// fastest wall time of one Run and the allocations per Run (0 in steady
// state). -threads bounds the goroutines a kernel
// may split one product across (kernel.SetThreads; default GOMAXPROCS).
func cmdONNXTime(args []string, stdout io.Writer) error {
	fs, dur, threads := onnxTimeFlags()
	if err := fs.Parse(args); err != nil {
		return parseFlags(fs, args)
	}
	if fs.NArg() == 0 || fs.NArg() > 2 {
		return usageError{"onnx time: usage: simdcore onnx time [-for D] [-threads N] MODEL.onnx [DATASET_DIR]"}
	}
	if *dur <= 0 || *dur > time.Hour {
		return usageError{"onnx time: -for must be between 0 and 1h"}
	}
	if *threads < 0 || *threads > 1024 {
		return usageError{"onnx time: -threads must be between 0 and 1024"}
	}
	kernel.SetThreads(*threads)
	defer kernel.SetThreads(0)
	path := fs.Arg(0)
	set := fs.Arg(1)
	if set == "" {
		sets := dataSetsBeside(path)
		if len(sets) == 0 {
			return usageError{fmt.Sprintf("onnx time: no test_data_set_* directory beside %s; name one", path)}
		}
		set = sets[0]
	}
	m, err := onnx.ReadFile(path)
	if err != nil {
		return err
	}
	s, err := onnx.LoadDataSet(m, set)
	if err != nil {
		return err
	}
	if err := s.Run(); err != nil {
		return err
	}
	times := newRunTimes()
	for start := time.Now(); time.Since(start) < *dur; {
		t0 := time.Now()
		if err := s.Run(); err != nil {
			return err
		}
		times.add(time.Since(t0))
	}
	// Allocations: 100 more runs with nothing else allocating, counted as
	// testing.AllocsPerRun counts them, on one P (so that the kernels'
	// sync.Pool scratch is not looked for on another P), after a
	// collection (which empties that scratch) and a run that refills it,
	// so that the timing's own garbage cannot start a collection inside.
	const allocRuns = 100
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	if err := s.Run(); err != nil {
		return err
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range allocRuns {
		if err := s.Run(); err != nil {
			return err
		}
	}
	runtime.ReadMemStats(&ms1)
	allocs := float64(ms1.Mallocs-ms0.Mallocs) / allocRuns
	_, err = fmt.Fprintf(stdout, "%s on %s: %d runs, median %v, fastest %v per Run, %.2f allocations per Run\n",
		path, set, times.runs, times.median(), times.fastest, allocs)
	return err
}

// runTimes collects onnx time's run times in bounded memory: the count,
// the fastest, and at most maxTimedRuns of them sampled uniformly
// (reservoir sampling) for the median. Keeping every time, a model that
// runs in 150 ns kept 3.4 million of them in 3 s (100 MB), and -for 1h
// would have needed tens of gigabytes.
type runTimes struct {
	kept    []time.Duration
	runs    int
	fastest time.Duration
	rng     *rand.Rand
}

func newRunTimes() *runTimes {
	return &runTimes{fastest: math.MaxInt64, rng: rand.New(rand.NewPCG(1, 2))}
}

func (r *runTimes) add(d time.Duration) {
	r.runs++
	r.fastest = min(r.fastest, d)
	if len(r.kept) < maxTimedRuns {
		r.kept = append(r.kept, d)
	} else if i := r.rng.IntN(r.runs); i < maxTimedRuns {
		r.kept[i] = d
	}
}

// median is the median of the kept times (0 before any).
func (r *runTimes) median() time.Duration {
	if len(r.kept) == 0 {
		return 0
	}
	slices.Sort(r.kept)
	return r.kept[len(r.kept)/2]
}

// dataSetsBeside lists the test_data_set_* directories beside the model
// at path, sorted. It lists the model's directory itself rather than
// globbing a pattern made from its name, which would find the data sets
// of other directories when the name holds pattern characters (a model
// in models[1]/ took models1/'s).
func dataSetsBeside(path string) []string {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var sets []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "test_data_set_") {
			sets = append(sets, filepath.Join(dir, e.Name()))
		}
	}
	return sets
}
