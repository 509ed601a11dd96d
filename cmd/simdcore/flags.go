package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// newFlagSet returns a flag set that reports errors instead of exiting
// and prints nothing itself: run turns the error into one line.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args and rejects stray positional arguments and
// non-finite values (NaN, ±Inf) of every float flag. For -h (or -help)
// it returns a commandHelp holding the command's flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return commandHelp{flagUsage(fs)}
		}
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		if v, ok := g.Get().(float64); ok && bad == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			bad = usageError{fmt.Sprintf("%s: -%s %v must be a finite number", fs.Name(), f.Name, v)}
		}
	})
	return bad
}

// commandHelp is the answer to "simdcore <command> -h": the command's
// flags, printed on stdout with status 0.
type commandHelp struct{ text string }

func (h commandHelp) Error() string { return h.text }

// flagUsage describes fs's flags as "simdcore <command> -h" prints them.
func flagUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		fmt.Fprintf(&b, "usage: simdcore %s\n\n%s takes no flags.", fs.Name(), fs.Name())
		return b.String()
	}
	fmt.Fprintf(&b, "usage: simdcore %s [flags]\n\nflags:\n", fs.Name())
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return strings.TrimRight(b.String(), "\n")
}

// parseSizes reads a comma-separated list of positive sizes.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 || n > maxVecSize {
			return nil, usageError{fmt.Sprintf("bench: bad size %q in -sizes (want positive integers up to %d)", f, maxVecSize)}
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, usageError{"bench: -sizes is empty"}
	}
	return out, nil
}
