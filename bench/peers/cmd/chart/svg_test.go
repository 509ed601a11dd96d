package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readSample(t testing.TB) string {
	b, err := os.ReadFile("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// svgDoc is what the tests read back from an SVG.
type svgDoc struct {
	root     string
	texts    []string          // character data of every <text>
	tips     []string          // <title> of every element with class="point"
	counts   map[string]int    // element name → count
	polyline []int             // number of points of each polyline
	classes  map[string]int    // class attribute → count
	attrs    map[string]string // root attributes
}

// readSVG decodes an SVG strictly with encoding/xml, which fails on
// anything not well-formed.
func readSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	doc := svgDoc{counts: map[string]int{}, classes: map[string]int{}, attrs: map[string]string{}}
	var stack []string
	var pointDepth = -1
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			if len(stack) == 0 {
				doc.root = name
				if tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace %q", tok.Name.Space)
				}
				for _, a := range tok.Attr {
					doc.attrs[a.Name.Local] = a.Value
				}
			}
			doc.counts[name]++
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "class":
					doc.classes[a.Value]++
					if a.Value == "point" {
						pointDepth = len(stack)
					}
				case "points":
					doc.polyline = append(doc.polyline, len(strings.Fields(a.Value)))
				}
			}
			stack = append(stack, name)
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			switch {
			case tok.Name.Local == "text":
				doc.texts = append(doc.texts, text.String())
			case tok.Name.Local == "title" && pointDepth == len(stack)-1:
				doc.tips = append(doc.tips, text.String())
			}
			if len(stack) == pointDepth {
				pointDepth = -1
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
	return doc
}

func svgOf(t *testing.T, c Chart) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSVGDot(t *testing.T) {
	charts, _, err := Build(mustParse(t, readSample(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := svgOf(t, charts[0])
	doc := readSVG(t, b)
	if doc.root != "svg" || doc.attrs["viewBox"] == "" {
		t.Fatalf("root %q attrs %v", doc.root, doc.attrs)
	}
	// Points: pure 3, gonum 2 (no n=16), vek 3, avx2 3, avx512 3.
	if got := doc.classes["point"]; got != 14 {
		t.Errorf("%d points, want 14", got)
	}
	for _, tip := range []string{
		"simdcore-avx512 at 16: 20× (5 ns/op, 1 run)",
		"simdcore-avx512 at 4096: 40× (250 ns/op, 1 run)",
		"simdcore-avx512 at 64Ki: 25× (8000 ns/op, 1 run)",
		"gonum at 4096: 4× (2500 ns/op, 1 run)",
		"vek at 16: 5× (20 ns/op, 1 run)",
		"pure at 64Ki: 1× (200000 ns/op, 1 run)",
	} {
		if !has(doc.tips, tip) {
			t.Errorf("no point titled %q; have %q", tip, doc.tips)
		}
	}
	for _, s := range []string{"Dot: speed-up over plain Go", "n (log scale)", "speed-up over impl=pure (log scale)",
		"16", "4096", "64Ki", "1×", "10×", "simdcore-avx512", "simdcore-avx2", "gonum", "vek", "pure (plain Go) = 1×"} {
		if !has(doc.texts, s) {
			t.Errorf("no text %q; have %q", s, doc.texts)
		}
	}
	// One line per non-baseline series, each over all its sizes; four
	// series, gonum over two sizes.
	if got := doc.classes["series"]; got != 4 {
		t.Errorf("%d series groups, want 4", got)
	}
	if want := []int{2, 3, 3, 3}; len(doc.polyline) != 4 || doc.polyline[0] != want[0] {
		t.Errorf("polylines %v, want %v", doc.polyline, want)
	}
	if len(b) > 100<<10 {
		t.Errorf("SVG is %d bytes", len(b))
	}
}

// TestSVGGaps checks that a series missing a size in the middle is drawn
// as separate pieces, and that a size without a baseline gets a note.
func TestSVGGaps(t *testing.T) {
	in := `
BenchmarkAxpy/n=1/impl=pure 1 100 ns/op
BenchmarkAxpy/n=2/impl=pure 1 100 ns/op
BenchmarkAxpy/n=4/impl=pure 1 100 ns/op
BenchmarkAxpy/n=8/impl=pure 1 100 ns/op
BenchmarkAxpy/n=16/impl=vek 1 100 ns/op
BenchmarkAxpy/n=1/impl=vek 1 50 ns/op
BenchmarkAxpy/n=2/impl=vek 1 25 ns/op
BenchmarkAxpy/n=8/impl=vek 1 10 ns/op
`
	charts, warns, err := Build(mustParse(t, in), Options{})
	if err != nil || len(warns) != 1 {
		t.Fatal(err, warns)
	}
	doc := readSVG(t, svgOf(t, charts[0]))
	// vek: n=1,2 joined, n=4 missing, n=8 alone (a marker only), n=16 no baseline.
	if len(doc.polyline) != 1 || doc.polyline[0] != 2 {
		t.Errorf("polylines %v, want one of 2 points", doc.polyline)
	}
	if got := doc.classes["point"]; got != 4+3 {
		t.Errorf("%d points, want 7", got)
	}
	if !has(doc.tips, "vek at 8: 10× (10 ns/op, 1 run)") {
		t.Errorf("tips %q", doc.tips)
	}
	if !has(doc.texts, "(no baseline)") {
		t.Errorf("no '(no baseline)' note: %q", doc.texts)
	}
}

// TestSVGEscapes checks that names with XML metacharacters stay
// well-formed.
func TestSVGEscapes(t *testing.T) {
	in := "BenchmarkA<&>/n=3/impl=pure 1 10 ns/op\nBenchmarkA<&>/n=3/impl=x\"<y>&'z 1 5 ns/op\ncpu: <CPU & \"co\">\n"
	charts, _, err := Build(mustParse(t, in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, svgOf(t, charts[0]))
	if !has(doc.texts, "x\"<y>&'z") || !has(doc.texts, "A<&>: speed-up over plain Go") {
		t.Errorf("texts %q", doc.texts)
	}
	if !strings.Contains(charts[0].Subtitle, "<CPU & \"co\">") || !has(doc.texts, charts[0].Subtitle) {
		t.Errorf("subtitle %q not in %q", charts[0].Subtitle, doc.texts)
	}
}

func TestYTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64 // speed-ups
		want   []float64
	}{
		{0.5, 60, []float64{0.5, 1, 2, 5, 10, 20, 50}},
		{0.9, 1.6, []float64{0.9, 1, 1.2, 1.5}},
		{1, 1e6, []float64{1, 10, 100, 1000, 1e4, 1e5, 1e6}},
		{1, 1e30, nil}, // thinned: at most 10
	} {
		ticks, _ := yTicks(math.Log10(tc.lo), math.Log10(tc.hi))
		if tc.want == nil {
			if len(ticks) > 10 || len(ticks) < 4 {
				t.Errorf("yTicks(%g, %g) = %v", tc.lo, tc.hi, ticks)
			}
			continue
		}
		if len(ticks) != len(tc.want) {
			t.Errorf("yTicks(%g, %g) = %v, want %v", tc.lo, tc.hi, ticks, tc.want)
			continue
		}
		for i := range ticks {
			if math.Abs(ticks[i]-tc.want[i]) > 1e-9*tc.want[i] {
				t.Errorf("yTicks(%g, %g) = %v, want %v", tc.lo, tc.hi, ticks, tc.want)
				break
			}
		}
	}
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.66, 35, 0.5, 50},   // both ends to the next 1-2-5 tick
		{1, 20, 1, 20},        // already on ticks
		{1, 3.5, 1, 5},        // set 1, 1.5, 2, 3, 5, 7
		{0.04, 60, 0.02, 100}, // 0.04 → 0.02 is 0.3 decades, 60 → 100 is 0.22
		{1, 5.3, 1, 7},
	} {
		lo, hi := extendToTicks(math.Log10(tc.lo), math.Log10(tc.hi))
		if math.Abs(lo-math.Log10(tc.wantLo)) > 1e-9 || math.Abs(hi-math.Log10(tc.wantHi)) > 1e-9 {
			t.Errorf("extendToTicks(%g, %g) = %g, %g; want %g, %g", tc.lo, tc.hi, math.Pow(10, lo), math.Pow(10, hi), tc.wantLo, tc.wantHi)
		}
	}
	for v, want := range map[float64]string{0.5: "0.5×", 1: "1×", 20: "20×", 1.5: "1.5×", 0.30000000000000004: "0.3×"} {
		if got := fmtSpeedup(v); got != want {
			t.Errorf("fmtSpeedup(%g) = %q, want %q", v, got, want)
		}
	}
}

// FuzzChart feeds arbitrary input through Parse, Build and WriteSVG:
// no panic, and any SVG produced is well-formed.
func FuzzChart(f *testing.F) {
	f.Add(readSample(f))
	f.Add("BenchmarkA/n=1/impl=pure 1 1 ns/op\nBenchmarkA/n=1/impl=b 1 1e-300 ns/op\n")
	f.Add("BenchmarkA/n=1,m=2/impl=pure 1 1e300 ns/op\nBenchmarkA/n=9223372036854775807/impl=b 1 1 ns/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		charts, _, err := Build(r, Options{})
		if err != nil {
			return
		}
		for _, c := range charts {
			readSVG(t, svgOf(t, c))
		}
	})
}

// TestSVGCrowded checks a chart with many sizes and many series: every
// point is drawn, the x labels are thinned so they do not overlap, and
// the document grows to fit the legend.
func TestSVGCrowded(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&in, "BenchmarkA/n=%d/impl=pure 1 1000 ns/op\n", 1<<i)
		for j := 0; j < 30; j++ {
			fmt.Fprintf(&in, "BenchmarkA/n=%d/impl=peer%02d 1 %d ns/op\n", 1<<i, j, 10+i+j)
		}
	}
	charts, _, err := Build(mustParse(t, in.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, svgOf(t, charts[0]))
	if got := doc.classes["point"]; got != 40*31 {
		t.Errorf("%d points, want %d", got, 40*31)
	}
	labels := 0
	for _, s := range doc.texts {
		if s == "1" || s == "1Mi" || strings.Trim(s, "0123456789KMi") == "" && s != "" {
			labels++
		}
	}
	if labels < 5 || labels >= 40 {
		t.Errorf("%d x labels for 40 sizes, want thinned", labels)
	}
	for j := 0; j < 30; j++ {
		if name := fmt.Sprintf("peer%02d", j); !has(doc.texts, name) {
			t.Errorf("legend lacks %s", name)
		}
	}
	if h, _ := strconv.Atoi(doc.attrs["height"]); h < plotT+22*31 {
		t.Errorf("height %d too small for 31 legend entries", h)
	}
}
