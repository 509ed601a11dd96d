package main

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Chart is one kernel family's speed-up chart, ready to draw.
type Chart struct {
	Name     string // file stem, e.g. "gemm-threads-1"
	Title    string
	Subtitle string
	XLabel   string
	YLabel   string
	// Categorical is true when sizes have several dimensions (m,n,k):
	// the x axis then spaces the sizes evenly, ordered by their product.
	// Otherwise x is the size on a log scale.
	Categorical bool
	Sizes       []Size   // every size of the chart, in x order
	Series      []Series // baseline first, then peers, then simdcore levels
	Metric      string   // the unit compared, e.g. "ns/op"
}

// Size is one value of the size component of a benchmark name.
type Size struct {
	Label string  // as printed on the axis, e.g. "4096" or "64×512×512"
	X     float64 // the single dimension, or the product of all of them
	// NoBaseline is set when the baseline was not measured at this size,
	// so no implementation has a point there.
	NoBaseline bool
}

// Series is one implementation's line.
type Series struct {
	Impl     string // the impl= value, e.g. "simdcore-avx512"
	Baseline bool
	Simdcore bool
	// Points holds one entry per chart size (same index as Chart.Sizes);
	// Present[i] tells whether the implementation has that size.
	Points  []Point
	Present []bool
}

// Point is one measured speed-up.
type Point struct {
	Speedup float64 // baseline metric / impl metric (or the inverse for higher-is-better units)
	Median  float64 // the median of the implementation's metric
	Runs    int     // how many result lines the median is over
}

// nameParts splits a benchmark name into its family, size component,
// implementation and the remaining components.
//
//	BenchmarkGemm/m=64,n=512,k=512/threads=1/impl=gonum
//	→ "Gemm", "m=64,n=512,k=512", "gonum", ["threads=1"]
//
// The size is the first component made only of comma-separated
// key=integer pairs, other than threads=; impl= names the
// implementation; every other component splits the family into separate
// charts.
func nameParts(name string) (family, size, impl string, rest []string) {
	parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
	family = parts[0]
	for _, p := range parts[1:] {
		switch {
		case strings.HasPrefix(p, "impl="):
			impl = strings.TrimPrefix(p, "impl=")
		case size == "" && isSize(p):
			size = p
		default:
			rest = append(rest, p)
		}
	}
	return family, size, impl, rest
}

// isSize reports whether p is key=int[,key=int...] with positive ints
// and no threads= key.
func isSize(p string) bool {
	for kv := range strings.SplitSeq(p, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || k == "threads" {
			return false
		}
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
			return false
		}
	}
	return true
}

// parseSize turns "m=64,n=512,k=512" into its keys and values.
func parseSize(p string) (keys []string, vals []float64) {
	for kv := range strings.SplitSeq(p, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		keys = append(keys, k)
		vals = append(vals, float64(n))
	}
	return keys, vals
}

// higherIsBetter reports whether a larger value of unit means faster:
// rates (GFLOP/s, MB/s, FLOP/cycle, elem/cycle) as opposed to times
// (ns/op, ns/elem, cpu-ns/elem).
func higherIsBetter(unit string) bool {
	u := strings.TrimPrefix(unit, "cpu-")
	if strings.HasPrefix(u, "ns/") || strings.HasPrefix(u, "sec/") || strings.HasPrefix(u, "B/") || strings.HasPrefix(u, "allocs/") {
		return false
	}
	return strings.HasSuffix(u, "/s") || strings.HasSuffix(u, "/cycle")
}

// Options select what Build charts.
type Options struct {
	// Metric is the unit to compare, "ns/op" by default, or a
	// comma-separated list of units in order of preference: each chart
	// uses the first one its baseline reports.
	Metric   string
	Baseline string         // impl= value the speed-up is over, "pure" by default
	Filter   *regexp.Regexp // if set, only charts whose Name matches
	Skip     *regexp.Regexp // if set, no chart whose Name matches
}

// Build groups the results of run by family (and by any other name
// component, such as threads=2), takes the median of each benchmark's
// metric over its repeated runs, and returns one chart per group that
// has a baseline, sorted by name. warnings explains what was left out.
func Build(run *Run, opt Options) (charts []Chart, warnings []string, err error) {
	if opt.Metric == "" {
		opt.Metric = "ns/op"
	}
	if opt.Baseline == "" {
		opt.Baseline = "pure"
	}
	procs := map[int]bool{}
	for _, r := range run.Results {
		procs[r.Procs] = true
	}

	type key struct{ group, size, impl string }
	type group struct {
		family   string
		rest     []string
		sizes    map[string]bool
		impls    []string // in order of first appearance
		hasImpl  map[string]bool
		sizeKeys map[string]bool // distinct key lists, e.g. "m,n,k"
	}
	results := map[key][]Result{}
	groups := map[string]*group{}
	var order []string
	metrics := strings.Split(opt.Metric, ",")
	for i := range metrics {
		metrics[i] = strings.TrimSpace(metrics[i])
		if metrics[i] == "" {
			return nil, nil, fmt.Errorf("empty unit in metric list %q", opt.Metric)
		}
	}
	sawMetric := false
	for _, r := range run.Results {
		family, size, impl, rest := nameParts(r.Name)
		if impl == "" || size == "" {
			continue // not a peers comparison (e.g. BenchmarkVectorClock)
		}
		for _, m := range metrics {
			if v, ok := r.Values[m]; ok {
				sawMetric = true
				if v <= 0 {
					return nil, nil, fmt.Errorf("line %d: %s: %s is %g, want > 0", r.Line, r.Name, m, v)
				}
			}
		}
		if len(procs) > 1 {
			rest = append(rest, fmt.Sprintf("procs=%d", r.Procs))
		}
		gname := strings.Join(append([]string{family}, rest...), "/")
		g := groups[gname]
		if g == nil {
			g = &group{family: family, rest: rest, sizes: map[string]bool{}, hasImpl: map[string]bool{}, sizeKeys: map[string]bool{}}
			groups[gname] = g
			order = append(order, gname)
		}
		g.sizes[size] = true
		keys, _ := parseSize(size)
		g.sizeKeys[strings.Join(keys, ",")] = true
		if !g.hasImpl[impl] {
			g.hasImpl[impl] = true
			g.impls = append(g.impls, impl)
		}
		k := key{gname, size, impl}
		results[k] = append(results[k], r)
	}
	if !sawMetric {
		return nil, nil, fmt.Errorf("no benchmark with an impl= and a size component reports %q", opt.Metric)
	}

	slices.Sort(order)
	for _, gname := range order {
		g := groups[gname]
		c := Chart{Name: fileStem(gname)}
		if opt.Filter != nil && !opt.Filter.MatchString(c.Name) || opt.Skip != nil && opt.Skip.MatchString(c.Name) {
			continue
		}
		if !g.hasImpl[opt.Baseline] {
			warnings = append(warnings, fmt.Sprintf("%s: no impl=%s, no chart", gname, opt.Baseline))
			continue
		}
		// The unit: the first of the list that the baseline reports.
	pick:
		for _, m := range metrics {
			for k, rs := range results {
				if k.group == gname && k.impl == opt.Baseline && slices.ContainsFunc(rs, func(r Result) bool { _, ok := r.Values[m]; return ok }) {
					c.Metric = m
					break pick
				}
			}
		}
		if c.Metric == "" {
			warnings = append(warnings, fmt.Sprintf("%s: impl=%s reports none of %s, no chart", gname, opt.Baseline, opt.Metric))
			continue
		}
		better := higherIsBetter(c.Metric)
		values := map[key][]float64{}
		for k, rs := range results {
			if k.group != gname {
				continue
			}
			for _, r := range rs {
				if v, ok := r.Values[c.Metric]; ok {
					values[k] = append(values[k], v)
				}
			}
		}
		// Sizes: one dimension → log-scale x; several → categorical.
		var sizeNames []string
		for s := range g.sizes {
			sizeNames = append(sizeNames, s)
		}
		var keyLists []string
		for k := range g.sizeKeys {
			keyLists = append(keyLists, k)
		}
		slices.Sort(keyLists)
		c.Categorical = len(keyLists) > 1 || strings.Contains(keyLists[0], ",")
		for _, s := range sizeNames {
			_, vals := parseSize(s)
			x, labels := 1.0, make([]string, len(vals))
			for i, v := range vals {
				x *= v
				labels[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
			lab := strings.Join(labels, "×")
			if len(keyLists) > 1 {
				lab = s // mixed keys: keep the names
			} else if !c.Categorical {
				lab = compactInt(vals[0])
			}
			c.Sizes = append(c.Sizes, Size{Label: lab, X: x})
		}
		idx := make([]int, len(sizeNames))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			// By work, then dimension by dimension (64×512×512 before
			// 256×256×256, which has the same product), then by name.
			_, va := parseSize(sizeNames[a])
			_, vb := parseSize(sizeNames[b])
			return cmp.Or(cmp.Compare(c.Sizes[a].X, c.Sizes[b].X), slices.Compare(va, vb), strings.Compare(sizeNames[a], sizeNames[b]))
		})
		sortedSizes, sortedNames := make([]Size, len(idx)), make([]string, len(idx))
		for i, j := range idx {
			sortedSizes[i], sortedNames[i] = c.Sizes[j], sizeNames[j]
		}
		c.Sizes, sizeNames = sortedSizes, sortedNames

		// Series: baseline, then peers, then simdcore levels, in a fixed
		// order (so that a colour means the same thing in every chart).
		impls := []string{opt.Baseline}
		for _, im := range g.impls {
			if im != opt.Baseline {
				impls = append(impls, im)
			}
		}
		slices.SortFunc(impls[1:], func(a, b string) int {
			return cmp.Or(cmp.Compare(implRank(a), implRank(b)), strings.Compare(a, b))
		})
		runs := map[int]bool{}
		npoints := 0
		for _, im := range impls {
			s := Series{Impl: im, Baseline: im == opt.Baseline, Simdcore: strings.HasPrefix(im, "simdcore"),
				Points: make([]Point, len(sizeNames)), Present: make([]bool, len(sizeNames))}
			for i, sz := range sizeNames {
				base, ok1 := values[key{gname, sz, opt.Baseline}]
				vals, ok2 := values[key{gname, sz, im}]
				if !ok1 || !ok2 {
					continue
				}
				b, v := median(base), median(vals)
				sp := b / v
				if better {
					sp = v / b
				}
				s.Points[i] = Point{Speedup: sp, Median: v, Runs: len(vals)}
				s.Present[i] = true
				runs[len(vals)] = true
				if !s.Baseline {
					npoints++
				}
			}
			c.Series = append(c.Series, s)
		}
		for i, sz := range sizeNames {
			if _, ok := values[key{gname, sz, opt.Baseline}]; !ok {
				c.Sizes[i].NoBaseline = true
				warnings = append(warnings, fmt.Sprintf("%s: no impl=%s at %s, size left out", gname, opt.Baseline, sz))
			}
		}
		if npoints == 0 {
			warnings = append(warnings, fmt.Sprintf("%s: no size has both impl=%s and another implementation, no chart", gname, opt.Baseline))
			continue
		}

		title := g.family
		if len(g.rest) > 0 {
			title += " (" + strings.Join(g.rest, ", ") + ")"
		}
		c.Title = title + ": speed-up over plain Go"
		var counts []int
		for n := range runs {
			counts = append(counts, n)
		}
		slices.Sort(counts)
		runsText := fmt.Sprintf("median of %d runs", counts[0])
		if len(counts) == 1 && counts[0] == 1 {
			runsText = "1 run"
		} else if len(counts) > 1 {
			runsText = fmt.Sprintf("median of %d–%d runs", counts[0], counts[len(counts)-1])
		}
		sub := []string{runsText, "speed-up = " + ratioText(opt.Baseline, c.Metric, better)}
		if cpu := run.Config["cpu"]; cpu != "" {
			sub = append(sub, cpu)
		}
		if os, arch := run.Config["goos"], run.Config["goarch"]; os != "" && arch != "" {
			sub = append(sub, os+"/"+arch)
		}
		c.Subtitle = strings.Join(sub, " · ")
		sizeKey := strings.ReplaceAll(keyLists[0], ",", "×")
		if len(keyLists) > 1 {
			sizeKey = "size"
		}
		if c.Categorical {
			c.XLabel = sizeKey + " (ordered by " + strings.ReplaceAll(sizeKey, "×", "·") + ")"
		} else {
			c.XLabel = sizeKey + " (log scale)"
		}
		c.YLabel = "speed-up over impl=" + opt.Baseline + " (log scale)"
		charts = append(charts, c)
	}
	if len(charts) == 0 {
		return nil, warnings, fmt.Errorf("no chart to draw: no benchmark family has an impl=%s baseline next to other implementations", opt.Baseline)
	}
	return charts, warnings, nil
}

// implRank orders implementations: peers first, then simdcore's levels
// from the most portable to the widest.
func implRank(impl string) int {
	switch impl {
	case "simdcore-generic":
		return 10
	case "simdcore-neon":
		return 11
	case "simdcore-avx2":
		return 12
	case "simdcore-avx512":
		return 13
	}
	if strings.HasPrefix(impl, "simdcore") {
		return 14
	}
	return 0
}

// ratioText describes how the speed-up is computed.
func ratioText(baseline, metric string, better bool) string {
	if better {
		return "impl " + metric + " / " + baseline + " " + metric
	}
	return baseline + " " + metric + " / impl " + metric
}

// fileStem turns "Gemm/threads=1" into "gemm-threads-1".
func fileStem(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// compactInt prints 65536 as "64Ki" and 1048576 as "1Mi", other
// integers as they are.
func compactInt(v float64) string {
	n := int64(v)
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "Mi"
	case n >= 1<<14 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "Ki"
	}
	if float64(n) != v || math.Abs(v) >= 1e15 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatInt(n, 10)
}
