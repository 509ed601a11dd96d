package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Result is one result line of `go test -bench` output.
type Result struct {
	Line   int                // line number in the input, from 1
	Name   string             // full name without the -GOMAXPROCS suffix
	Procs  int                // the -GOMAXPROCS suffix, 1 if absent
	Iters  int                // iteration count
	Values map[string]float64 // unit → value, e.g. "ns/op" → 12.5
}

// Run is a parsed benchmark run: the configuration lines (goos, goarch,
// pkg, cpu, ...) and every result line in input order.
type Run struct {
	Config  map[string]string
	Results []Result
}

// maxLine bounds one input line; longer lines are an error rather than a
// silent truncation.
const maxLine = 1 << 20

// Parse reads `go test -bench` output, as printed by one or several
// `go test` invocations concatenated (any -count). A line is a result
// line if its first field starts with "Benchmark" and its second field
// is an integer (the iteration count); what follows must then be pairs
// of a number and a unit, or Parse returns an error naming the line.
// Other lines (PASS, ok, logs, -v chatter) are skipped, except
// "key: value" configuration lines, which are recorded. It is an error
// if there is no result line at all.
func Parse(r io.Reader) (*Run, error) {
	run := &Run{Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if res, ok, err := parseResult(line); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		} else if ok {
			res.Line = n
			run.Results = append(run.Results, res)
			continue
		}
		if k, v, ok := parseConfig(line); ok {
			run.Config[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, err
	}
	if len(run.Results) == 0 {
		return nil, fmt.Errorf("no benchmark result lines in the input (want `go test -bench` output)")
	}
	return run, nil
}

// parseResult parses one result line. ok is false for lines that are not
// result lines; err is set for a result line whose measurements are
// malformed.
func parseResult(line string) (res Result, ok bool, err error) {
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "Benchmark") || len(f[0]) == len("Benchmark") {
		return res, false, nil
	}
	iters, convErr := strconv.Atoi(f[1])
	if convErr != nil {
		return res, false, nil // the name alone (-v), or a log line
	}
	name := f[0]
	if iters <= 0 {
		return res, false, fmt.Errorf("%s: iteration count %d", name, iters)
	}
	rest := f[2:]
	if len(rest) == 0 {
		return res, false, fmt.Errorf("%s: no measurements after the iteration count", name)
	}
	if len(rest)%2 != 0 {
		return res, false, fmt.Errorf("%s: measurement %q has no unit", name, rest[len(rest)-1])
	}
	res = Result{Name: name, Procs: 1, Iters: iters, Values: map[string]float64{}}
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if p, err := strconv.Atoi(name[i+1:]); err == nil && p > 0 {
			res.Name, res.Procs = name[:i], p
		}
	}
	for i := 0; i < len(rest); i += 2 {
		v, err := strconv.ParseFloat(rest[i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return res, false, fmt.Errorf("%s: bad value %q for unit %q", name, rest[i], rest[i+1])
		}
		res.Values[rest[i+1]] = v
	}
	return res, true, nil
}

// parseConfig recognises "key: value" lines such as "cpu: AMD EPYC".
func parseConfig(line string) (key, val string, ok bool) {
	k, v, found := strings.Cut(line, ":")
	if !found || k == "" || strings.ContainsAny(k, " \t") || k[0] < 'a' || k[0] > 'z' {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

// median returns the median of v (the mean of the middle two for an
// even count). v must not be empty; it is sorted in place.
func median(v []float64) float64 {
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}
