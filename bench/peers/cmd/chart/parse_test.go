package main

import (
	"os"
	"strings"
	"testing"
)

func TestParseSample(t *testing.T) {
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.Results); got != 22 {
		t.Errorf("%d results, want 22", got)
	}
	if r.Config["cpu"] != "AMD EPYC" || r.Config["goarch"] != "amd64" {
		t.Errorf("config = %v", r.Config)
	}
	first := r.Results[0]
	if first.Name != "BenchmarkDot/n=16/impl=pure" || first.Procs != 2 || first.Iters != 9000000 || first.Line != 5 {
		t.Errorf("first result = %+v", first)
	}
	if first.Values["ns/op"] != 100 || first.Values["MB/s"] != 1280 || first.Values["GFLOP/s"] != 0.3 {
		t.Errorf("first values = %v", first.Values)
	}
	last := r.Results[len(r.Results)-1]
	if last.Name != "BenchmarkVectorClock" || last.Values["GHz"] != 4.4 {
		t.Errorf("last result = %+v", last)
	}
}

func TestParseNames(t *testing.T) {
	for _, tc := range []struct {
		line, name string
		procs      int
	}{
		{"BenchmarkDot/n=16/impl=simdcore-avx512-8 10 1 ns/op", "BenchmarkDot/n=16/impl=simdcore-avx512", 8},
		// -cpu 1: no suffix, and a level name's "-avx512" is not one.
		{"BenchmarkDot/n=16/impl=simdcore-avx512 10 1 ns/op", "BenchmarkDot/n=16/impl=simdcore-avx512", 1},
		{"BenchmarkGemv/n=64/impl=vek-dot\t10\t1 ns/op", "BenchmarkGemv/n=64/impl=vek-dot", 1},
		{"BenchmarkX-2 10 1e3 ns/op", "BenchmarkX", 2},
	} {
		r, err := Parse(strings.NewReader(tc.line))
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if got := r.Results[0]; got.Name != tc.name || got.Procs != tc.procs {
			t.Errorf("%q: name %q procs %d, want %q %d", tc.line, got.Name, got.Procs, tc.name, tc.procs)
		}
	}
}

// TestParseSkips checks that non-result lines, including -v output and
// benchmark names printed alone, are skipped without error.
func TestParseSkips(t *testing.T) {
	in := strings.Join([]string{
		"=== RUN   BenchmarkDot",
		"BenchmarkDot",
		"BenchmarkDot/n=16",
		"    peers_test.go:12: some log: 1 2 3",
		"BenchmarkDot/n=16/impl=pure some text that is not a count",
		"--- BENCH: BenchmarkDot",
		"Benchmark 10 20 ns/op", // no name after the prefix
		"BenchmarkDot/n=16/impl=pure-2 100 12.5 ns/op",
		"PASS",
		"ok  \tgithub.com/x/y\t1.0s",
		"",
	}, "\n")
	r, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 1 || r.Results[0].Line != 8 || r.Results[0].Values["ns/op"] != 12.5 {
		t.Errorf("results = %+v", r.Results)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "no benchmark result lines"},
		{"PASS\nok x 1s\n", "no benchmark result lines"},
		{"\x00\x01\x02garbage", "no benchmark result lines"},
		{"BenchmarkA 10", "line 1: BenchmarkA: no measurements"},
		{"x\nBenchmarkA 10 12 ns/op 7", `line 2: BenchmarkA: measurement "7" has no unit`},
		{"BenchmarkA 10 twelve ns/op", `line 1: BenchmarkA: bad value "twelve" for unit "ns/op"`},
		{"BenchmarkA 10 NaN ns/op", `bad value "NaN"`},
		{"BenchmarkA 10 +Inf ns/op", `bad value "+Inf"`},
		{"BenchmarkA 0 1 ns/op", "iteration count 0"},
		{"BenchmarkA 10 1 ns/op\n" + strings.Repeat("x", maxLine+10), "line 2: longer than"},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.40q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%.40q): error has several lines: %q", tc.in, err)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{10, 1, 4, 2}, 3},
		{[]float64{7, 7, 100, 7, 1}, 7},
	} {
		if got := median(append([]float64(nil), tc.in...)); got != tc.want {
			t.Errorf("median(%v) = %g, want %g", tc.in, got, tc.want)
		}
	}
}
