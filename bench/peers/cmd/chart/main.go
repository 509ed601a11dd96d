// Command chart turns `go test -bench` output from bench/peers into SVG
// charts: one per kernel family, speed-up over plain Go (impl=pure) by
// size, one line per simdcore level and per peer, both axes on a log
// scale (sizes with several dimensions, such as Gemm's m,n,k, are spaced
// evenly instead, ordered by m·n·k).
//
//	cd bench/peers
//	go test -run '^$' -bench 'Dot|Axpy|Exp|Tanh|Gemv$|Gemm' -count 3 > /tmp/peers.txt
//	go run ./cmd/chart -o ../../docs/img /tmp/peers.txt
//
// -metric picks the figure compared, ns/op by default; a comma-separated
// list gives units in order of preference, and each chart uses the first
// one its baseline reports. bench/peers reports CPU-time figures
// (cpu-ns/elem, cpu-GFLOP/s) that a busy machine disturbs far less than
// wall time:
//
//	go run ./cmd/chart -metric cpu-ns/elem,cpu-GFLOP/s,FLOP/cycle -o ../../docs/img /tmp/peers.txt
//
// -run and -skip select charts by file name (without .svg), as go test's
// flags of the same names select tests.
//
// It reads the named file, or standard input if there is none or it is
// "-", takes the median of each benchmark's metric over its repeated
// runs (-count), and writes <dir>/<family>.svg (Gemm/threads=1 becomes
// gemm-threads-1.svg), printing each path it writes. Benchmark names
// follow bench/peers' scheme, BenchmarkDot/n=4096/impl=simdcore-avx512:
// the first component of key=integer pairs is the size, impl= the
// implementation, and any other component (threads=2) gives a chart of
// its own. A size without an impl=pure measurement is left out, and a
// line is broken where its implementation lacks a size.
//
// Errors (a bad flag, an unreadable file, a malformed result line, no
// chartable benchmark) print one line to standard error and exit with
// status 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: chart [-o dir] [-metric unit[,unit...]] [-baseline impl] [-run regexp] [-skip regexp] [file]

Reads go test -bench output (file, or stdin) and writes one SVG speed-up
chart per benchmark family into dir.
`

// run is the whole command; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chart", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", ".", "directory to write the SVG files into (created if missing)")
	metric := fs.String("metric", "ns/op", "unit to compare: a time (ns/op, cpu-ns/elem) or a rate (GFLOP/s); or a comma-separated list, first one reported wins")
	baseline := fs.String("baseline", "pure", "impl= value the speed-up is measured over")
	filter := fs.String("run", "", "only charts whose file name (without .svg) matches this regexp")
	skip := fs.String("skip", "", "no chart whose file name (without .svg) matches this regexp")
	fail := func(err error) int {
		fmt.Fprintf(stderr, "chart: %v\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		return fail(err)
	}
	opt := Options{Metric: *metric, Baseline: *baseline}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			return fail(fmt.Errorf("-run: %v", err))
		}
		opt.Filter = re
	}
	if *skip != "" {
		re, err := regexp.Compile(*skip)
		if err != nil {
			return fail(fmt.Errorf("-skip: %v", err))
		}
		opt.Skip = re
	}

	var in io.Reader = stdin
	name := "stdin"
	switch fs.NArg() {
	case 0:
	case 1:
		if fs.Arg(0) != "-" {
			f, err := os.Open(fs.Arg(0))
			if err != nil {
				return fail(err)
			}
			defer f.Close()
			in, name = f, fs.Arg(0)
		}
	default:
		return fail(fmt.Errorf("want at most one input file, got %d arguments", fs.NArg()))
	}

	r, err := Parse(in)
	if err != nil {
		return fail(fmt.Errorf("%s: %v", name, err))
	}
	charts, warnings, err := Build(r, opt)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "chart: note: %s\n", w)
	}
	if err != nil {
		return fail(fmt.Errorf("%s: %v", name, err))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(err)
	}
	for _, c := range charts {
		path := filepath.Join(*out, c.Name+".svg")
		if err := writeFile(path, c); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, path)
	}
	return 0
}

// writeFile writes c's SVG to path.
func writeFile(path string, c Chart) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteSVG(f, c); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
