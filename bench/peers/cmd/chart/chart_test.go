package main

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, in string) *Run {
	t.Helper()
	r, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func series(t *testing.T, c Chart, impl string) Series {
	t.Helper()
	for _, s := range c.Series {
		if s.Impl == impl {
			return s
		}
	}
	t.Fatalf("chart %s has no series %s", c.Name, impl)
	return Series{}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Abs(b) }

func TestNameParts(t *testing.T) {
	for _, tc := range []struct {
		name, family, size, impl string
		rest                     []string
	}{
		{"BenchmarkDot/n=4096/impl=pure", "Dot", "n=4096", "pure", nil},
		{"BenchmarkGemm/m=64,n=512,k=512/threads=1/impl=simdcore-avx512", "Gemm", "m=64,n=512,k=512", "simdcore-avx512", []string{"threads=1"}},
		{"BenchmarkGemm/threads=2/m=8,n=8,k=8/impl=vek", "Gemm", "m=8,n=8,k=8", "vek", []string{"threads=2"}},
		{"BenchmarkVectorClock", "VectorClock", "", "", nil},
		{"BenchmarkX/n=abc/impl=pure", "X", "", "pure", []string{"n=abc"}},
		{"BenchmarkX/n=0/impl=pure", "X", "", "pure", []string{"n=0"}},
	} {
		f, s, i, r := nameParts(tc.name)
		if f != tc.family || s != tc.size || i != tc.impl || !slices.Equal(r, tc.rest) {
			t.Errorf("nameParts(%q) = %q %q %q %q", tc.name, f, s, i, r)
		}
	}
}

// TestBuildMedians checks the speed-up arithmetic: median of each
// benchmark over its runs, baseline median over implementation median.
func TestBuildMedians(t *testing.T) {
	in := `
BenchmarkDot/n=16/impl=pure-2 10 100 ns/op 1 GFLOP/s
BenchmarkDot/n=16/impl=simdcore-avx512-2 10 10 ns/op 10 GFLOP/s
BenchmarkDot/n=16/impl=pure-2 10 90 ns/op 1 GFLOP/s
BenchmarkDot/n=16/impl=simdcore-avx512-2 10 12 ns/op 12 GFLOP/s
BenchmarkDot/n=16/impl=pure-2 10 400 ns/op 4 GFLOP/s
BenchmarkDot/n=16/impl=simdcore-avx512-2 10 11 ns/op 11 GFLOP/s
`
	charts, warns, err := Build(mustParse(t, in), Options{})
	if err != nil || len(warns) != 0 {
		t.Fatal(err, warns)
	}
	if len(charts) != 1 || charts[0].Name != "dot" {
		t.Fatalf("charts = %+v", charts)
	}
	c := charts[0]
	s := series(t, c, "simdcore-avx512")
	if !s.Present[0] || !near(s.Points[0].Speedup, 100.0/11) || s.Points[0].Median != 11 || s.Points[0].Runs != 3 {
		t.Errorf("avx512 point = %+v", s.Points[0])
	}
	if b := series(t, c, "pure"); !b.Baseline || !near(b.Points[0].Speedup, 1) {
		t.Errorf("baseline = %+v", b)
	}
	if !strings.Contains(c.Subtitle, "median of 3 runs") {
		t.Errorf("subtitle %q", c.Subtitle)
	}
	// A rate: higher is better, so the ratio inverts.
	charts, _, err = Build(mustParse(t, in), Options{Metric: "GFLOP/s"})
	if err != nil {
		t.Fatal(err)
	}
	if s := series(t, charts[0], "simdcore-avx512"); !near(s.Points[0].Speedup, 11.0/1) {
		t.Errorf("GFLOP/s speed-up = %g, want 11", s.Points[0].Speedup)
	}
}

// TestBuildSample checks grouping, ordering, missing points and the
// sizes without a baseline on the sample file.
func TestBuildSample(t *testing.T) {
	r := mustParse(t, readSample(t))
	charts, warns, err := Build(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range charts {
		names = append(names, c.Name)
	}
	if want := []string{"dot", "gemm-threads-1", "gemm-threads-2"}; !slices.Equal(names, want) {
		t.Fatalf("charts %q, want %q", names, want)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "Gemm/threads=1: no impl=pure at m=1024,n=1024,k=1024") {
		t.Errorf("warnings = %q", warns)
	}

	dot := charts[0]
	if dot.Categorical || dot.XLabel != "n (log scale)" {
		t.Errorf("dot: categorical %v, x label %q", dot.Categorical, dot.XLabel)
	}
	var labels []string
	for _, s := range dot.Sizes {
		labels = append(labels, s.Label)
	}
	if want := []string{"16", "4096", "64Ki"}; !slices.Equal(labels, want) {
		t.Errorf("dot sizes %q, want %q", labels, want)
	}
	var impls []string
	for _, s := range dot.Series {
		impls = append(impls, s.Impl)
	}
	if want := []string{"pure", "gonum", "vek", "simdcore-avx2", "simdcore-avx512"}; !slices.Equal(impls, want) {
		t.Errorf("dot series %q, want %q", impls, want)
	}
	gonum := series(t, dot, "gonum")
	if want := []bool{false, true, true}; !slices.Equal(gonum.Present, want) {
		t.Errorf("gonum present %v, want %v (no n=16 in the input)", gonum.Present, want)
	}
	if !near(gonum.Points[1].Speedup, 4) || !near(gonum.Points[2].Speedup, 5) {
		t.Errorf("gonum points %+v", gonum.Points)
	}
	if s := series(t, dot, "simdcore-avx512"); !near(s.Points[0].Speedup, 20) || !near(s.Points[1].Speedup, 40) || !near(s.Points[2].Speedup, 25) {
		t.Errorf("avx512 points %+v", s.Points)
	}

	g1 := charts[1]
	if !g1.Categorical || len(g1.Sizes) != 2 || g1.Sizes[0].Label != "64×512×512" || g1.Sizes[1].Label != "1024×1024×1024" {
		t.Errorf("gemm sizes %+v", g1.Sizes)
	}
	if g1.Sizes[0].NoBaseline || !g1.Sizes[1].NoBaseline {
		t.Errorf("gemm NoBaseline flags %+v", g1.Sizes)
	}
	if s := series(t, g1, "simdcore-avx512"); !s.Present[0] || s.Present[1] || !near(s.Points[0].Speedup, 50) {
		t.Errorf("gemm avx512 %+v", s)
	}
	if !strings.HasPrefix(g1.Title, "Gemm (threads=1)") {
		t.Errorf("gemm title %q", g1.Title)
	}

	// -run filter.
	charts, _, err = Build(r, Options{Filter: regexp.MustCompile("^gemm")})
	if err != nil || len(charts) != 2 {
		t.Errorf("filtered: %d charts, %v", len(charts), err)
	}
}

func TestBuildProcs(t *testing.T) {
	in := `
BenchmarkDot/n=16/impl=pure 10 100 ns/op
BenchmarkDot/n=16/impl=vek 10 10 ns/op
BenchmarkDot/n=16/impl=pure-4 10 100 ns/op
BenchmarkDot/n=16/impl=vek-4 10 20 ns/op
`
	charts, _, err := Build(mustParse(t, in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 || charts[0].Name != "dot-procs-1" || charts[1].Name != "dot-procs-4" {
		t.Fatalf("charts %+v", charts)
	}
	if s := series(t, charts[1], "vek"); !near(s.Points[0].Speedup, 5) {
		t.Errorf("procs=4 vek %g", s.Points[0].Speedup)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opt  Options
		want string
	}{
		{"BenchmarkDot/n=16/impl=vek 10 10 ns/op", Options{}, "no chart to draw"},
		{"BenchmarkVectorClock 10 10 ns/op", Options{}, "no benchmark with an impl= and a size"},
		{"BenchmarkDot/n=16/impl=pure 10 10 ns/op", Options{Metric: "GFLOP/s"}, `reports "GFLOP/s"`},
		{"BenchmarkDot/n=16/impl=pure 10 10 ns/op\nBenchmarkDot/n=16/impl=vek 10 0 ns/op", Options{}, "line 2: BenchmarkDot/n=16/impl=vek: ns/op is 0, want > 0"},
		// Baseline and peer never at the same size.
		{"BenchmarkDot/n=16/impl=pure 10 10 ns/op\nBenchmarkDot/n=32/impl=vek 10 1 ns/op", Options{}, "no chart to draw"},
		{"BenchmarkDot/n=16/impl=pure 10 10 ns/op\nBenchmarkDot/n=16/impl=vek 10 1 ns/op", Options{Filter: regexp.MustCompile("gemm")}, "no chart to draw"},
	} {
		_, _, err := Build(mustParse(t, tc.in), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{"Gemm/threads=1": "gemm-threads-1", "Dot": "dot", "A/b=c,d=e/procs=2": "a-b-c-d-e-procs-2", "X//": "x"} {
		if got := fileStem(in); got != want {
			t.Errorf("fileStem(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{16: "16", 4096: "4096", 65536: "64Ki", 1 << 20: "1Mi", 1 << 14: "16Ki", 10000: "10000", 3 << 20: "3Mi"} {
		if got := compactInt(in); got != want {
			t.Errorf("compactInt(%g) = %q, want %q", in, got, want)
		}
	}
	for unit, want := range map[string]bool{"ns/op": false, "cpu-ns/elem": false, "B/op": false, "GFLOP/s": true, "cpu-GFLOP/s": true, "MB/s": true, "FLOP/cycle": true, "elem/cycle": true, "GHz": false} {
		if got := higherIsBetter(unit); got != want {
			t.Errorf("higherIsBetter(%q) = %v", unit, got)
		}
	}
}

// TestBuildMetricList checks -metric with a preference list: each chart
// takes the first unit its baseline reports, and equal products order by
// dimensions.
func TestBuildMetricList(t *testing.T) {
	in := `
BenchmarkDot/n=16/impl=pure 10 100 ns/op 4 cpu-GFLOP/s
BenchmarkDot/n=16/impl=vek 10 50 ns/op 40 cpu-GFLOP/s
BenchmarkGemm/m=256,n=256,k=256/impl=pure 10 100 ns/op
BenchmarkGemm/m=256,n=256,k=256/impl=vek 10 20 ns/op
BenchmarkGemm/m=64,n=512,k=512/impl=pure 10 100 ns/op
BenchmarkGemm/m=64,n=512,k=512/impl=vek 10 25 ns/op
`
	charts, _, err := Build(mustParse(t, in), Options{Metric: "cpu-ns/elem, cpu-GFLOP/s,ns/op"})
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 || charts[0].Metric != "cpu-GFLOP/s" || charts[1].Metric != "ns/op" {
		t.Fatalf("charts %+v", charts)
	}
	if s := series(t, charts[0], "vek"); !near(s.Points[0].Speedup, 10) {
		t.Errorf("dot vek %g, want 10 (from cpu-GFLOP/s, not 2 from ns/op)", s.Points[0].Speedup)
	}
	if !strings.Contains(charts[0].Subtitle, "speed-up = impl cpu-GFLOP/s / pure cpu-GFLOP/s") {
		t.Errorf("subtitle %q", charts[0].Subtitle)
	}
	g := charts[1]
	if g.Sizes[0].Label != "64×512×512" || g.Sizes[1].Label != "256×256×256" {
		t.Errorf("gemm order %+v", g.Sizes)
	}
	if s := series(t, g, "vek"); !near(s.Points[0].Speedup, 4) || !near(s.Points[1].Speedup, 5) {
		t.Errorf("gemm vek %+v", s.Points)
	}
	if _, _, err := Build(mustParse(t, in), Options{Metric: "ns/op,,x"}); err == nil {
		t.Error("empty unit in the list: no error")
	}
}
