package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Geometry of every chart, in SVG user units (pixels).
const (
	svgW, svgH   = 800, 480
	plotL, plotR = 76, 590 // plot area, left and right
	plotT, plotB = 70, 410 // plot area, top and bottom
	legendX      = 608
)

// Colours (Okabe–Ito, readable by colour-blind readers): fixed ones for
// the simdcore levels, a cycle for the peers.
var (
	levelColours = map[string]string{
		"simdcore-generic": "#009E73",
		"simdcore-avx2":    "#0072B2",
		"simdcore-avx512":  "#D55E00",
		"simdcore-neon":    "#CC79A7",
	}
	otherLevelColours = []string{"#56B4E9", "#000000", "#AA4499"}
	knownPeerColours  = map[string]string{
		"gonum":   "#E69F00",
		"vek":     "#555555",
		"vek-dot": "#999933",
		"math32":  "#882255",
	}
	peerColours = []string{"#44AA99", "#AA4499", "#117733", "#88CCEE"}
)

// WriteSVG draws c as a standalone SVG document: a log–log (or
// categorical–log) line chart with title, subtitle, axis labels, grid,
// a dashed line at the baseline's 1×, one line per other series (broken
// where a series lacks a size) and a legend. Every point carries a
// <title> with its exact figures, shown as a tooltip by browsers.
func WriteSVG(w io.Writer, c Chart) error {
	bw := bufio.NewWriter(w)
	p := &svgPrinter{w: bw}

	// Y range, in log10, always including 1×.
	lo, hi := 0.0, 0.0
	for _, s := range c.Series {
		for i, pt := range s.Points {
			if s.Present[i] {
				l := math.Log10(pt.Speedup)
				lo, hi = math.Min(lo, l), math.Max(hi, l)
			}
		}
	}
	if span := hi - lo; span < 0.3 {
		lo, hi = lo-(0.3-span)/2, hi+(0.3-span)/2
	}
	lo, hi = extendToTicks(lo, hi)
	pad := 0.03 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	yPix := func(v float64) float64 {
		return plotB - (math.Log10(v)-lo)/(hi-lo)*(plotB-plotT)
	}

	// X positions of the sizes.
	xs := make([]float64, len(c.Sizes))
	if c.Categorical || len(c.Sizes) == 1 {
		for i := range xs {
			xs[i] = plotL + (float64(i)+0.5)/float64(len(xs))*(plotR-plotL)
		}
	} else {
		xlo, xhi := math.Log10(c.Sizes[0].X), math.Log10(c.Sizes[len(c.Sizes)-1].X)
		pad := 0.06 * (xhi - xlo)
		xlo, xhi = xlo-pad, xhi+pad
		for i, s := range c.Sizes {
			xs[i] = plotL + (math.Log10(s.X)-xlo)/(xhi-xlo)*(plotR-plotL)
		}
	}

	// The legend may need more height than the plot when there are many
	// implementations.
	height := max(svgH, plotT+8+22*len(c.Series)+30)
	p.f(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	p.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", svgW, height, svgW, height)
	p.f(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgW, height)
	p.text(plotL, 26, "start", `font-size="17" font-weight="bold"`, c.Title)
	p.text(plotL, 46, "start", `font-size="11.5" fill="#555555"`, c.Subtitle)

	// Grid and y ticks.
	p.f(`<g stroke="#e4e4e4" stroke-width="1">` + "\n")
	ticks, minor := yTicks(lo, hi)
	for _, v := range minor {
		p.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#f2f2f2"/>`+"\n", plotL, yPix(v), plotR, yPix(v))
	}
	for _, v := range ticks {
		p.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`+"\n", plotL, yPix(v), plotR, yPix(v))
	}
	for _, x := range xs {
		p.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", x, plotT, x, plotB)
	}
	p.f("</g>\n")
	p.f(`<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888888"/>`+"\n", plotL, plotT, plotR-plotL, plotB-plotT)
	for _, v := range ticks {
		p.text(plotL-6, yPix(v)+4, "end", `font-size="11"`, fmtSpeedup(v))
	}
	// X tick labels, skipping any that would overlap the last one drawn
	// (about 6.5 px per character at this size).
	lastX, lastW := math.Inf(-1), 0.0
	for i, s := range c.Sizes {
		p.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888888"/>`+"\n", xs[i], plotB, xs[i], plotB+4)
		w := 6.5 * float64(utf8.RuneCountInString(s.Label))
		if s.NoBaseline {
			w = math.Max(w, 6.0*13)
		}
		if xs[i]-lastX < (w+lastW)/2+6 {
			continue
		}
		lastX, lastW = xs[i], w
		p.text(xs[i], plotB+17, "middle", `font-size="11"`, s.Label)
		if s.NoBaseline {
			p.text(xs[i], plotB+30, "middle", `font-size="10" fill="#777777"`, "(no baseline)")
		}
	}
	p.text((plotL+plotR)/2, svgH-24, "middle", `font-size="12.5"`, c.XLabel)
	p.f(`<text transform="translate(20 %d) rotate(-90)" text-anchor="middle" font-size="12.5">%s</text>`+"\n", (plotT+plotB)/2, esc(c.YLabel))

	// Baseline at 1×.
	p.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333333" stroke-width="1.3" stroke-dasharray="2 3"/>`+"\n", plotL, yPix(1), plotR, yPix(1))

	// Series.
	type style struct {
		colour, dash string
		width        float64
		simd         bool
	}
	styles := make([]style, len(c.Series))
	nLevel, nPeer := 0, 0
	for si, s := range c.Series {
		switch {
		case s.Baseline:
			styles[si] = style{colour: "#333333", dash: "2 3", width: 1.3}
		case s.Simdcore:
			col, ok := levelColours[s.Impl]
			if !ok {
				col = otherLevelColours[nLevel%len(otherLevelColours)]
				nLevel++
			}
			styles[si] = style{colour: col, width: 2.4, simd: true}
		default:
			col, ok := knownPeerColours[s.Impl]
			if !ok {
				col = peerColours[nPeer%len(peerColours)]
				nPeer++
			}
			styles[si] = style{colour: col, dash: "6 4", width: 1.8}
		}
	}
	for si, s := range c.Series {
		if s.Baseline {
			continue
		}
		st := styles[si]
		p.f(`<g class="series" fill="none" stroke="%s" stroke-width="%.1f"`, st.colour, st.width)
		if st.dash != "" {
			p.f(` stroke-dasharray="%s"`, st.dash)
		}
		p.f(">\n<title>%s</title>\n", esc(s.Impl))
		// One polyline per run of consecutive sizes present.
		for i := 0; i < len(xs); {
			if !s.Present[i] {
				i++
				continue
			}
			j := i
			for j < len(xs) && s.Present[j] {
				j++
			}
			if j-i >= 2 {
				var pts []string
				for k := i; k < j; k++ {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs[k], yPix(s.Points[k].Speedup)))
				}
				p.f(`<polyline points="%s"/>`+"\n", strings.Join(pts, " "))
			}
			i = j
		}
		p.f("</g>\n")
	}
	// Markers on top of every line.
	for si, s := range c.Series {
		st := styles[si]
		for i, pt := range s.Points {
			if !s.Present[i] {
				continue
			}
			x, y := xs[i], yPix(pt.Speedup)
			runs := fmt.Sprintf("median %s %s over %d runs", fmtNum(pt.Median), c.Metric, pt.Runs)
			if pt.Runs == 1 {
				runs = fmt.Sprintf("%s %s, 1 run", fmtNum(pt.Median), c.Metric)
			}
			tip := fmt.Sprintf("%s at %s: %s× (%s)", s.Impl, c.Sizes[i].Label, fmtNum(pt.Speedup), runs)
			switch {
			case s.Baseline:
				p.f(`<circle class="point" cx="%.1f" cy="%.1f" r="2.5" fill="#333333"><title>%s</title></circle>`+"\n", x, y, esc(tip))
			case st.simd:
				p.f(`<circle class="point" cx="%.1f" cy="%.1f" r="3.8" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></circle>`+"\n", x, y, st.colour, esc(tip))
			default:
				p.f(`<rect class="point" x="%.1f" y="%.1f" width="7" height="7" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></rect>`+"\n", x-3.5, y-3.5, st.colour, esc(tip))
			}
		}
	}

	// Legend: simdcore levels first (the subject), then peers, then the baseline.
	ly := float64(plotT + 8)
	legend := func(si int) {
		s, st := c.Series[si], styles[si]
		label := s.Impl
		if s.Baseline {
			label = s.Impl + " (plain Go) = 1×"
		}
		p.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="%.1f"`, legendX, ly, legendX+30, ly, st.colour, st.width)
		if st.dash != "" {
			p.f(` stroke-dasharray="%s"`, st.dash)
		}
		p.f("/>\n")
		switch {
		case s.Baseline:
		case st.simd:
			p.f(`<circle cx="%d" cy="%.1f" r="3.8" fill="%s" stroke="#ffffff" stroke-width="1"/>`+"\n", legendX+15, ly, st.colour)
		default:
			p.f(`<rect x="%.1f" y="%.1f" width="7" height="7" fill="%s" stroke="#ffffff" stroke-width="1"/>`+"\n", float64(legendX)+11.5, ly-3.5, st.colour)
		}
		p.text(legendX+38, ly+4, "start", `font-size="12"`, label)
		ly += 22
	}
	for si, s := range c.Series {
		if s.Simdcore && !s.Baseline {
			legend(si)
		}
	}
	for si, s := range c.Series {
		if !s.Simdcore && !s.Baseline {
			legend(si)
		}
	}
	for si, s := range c.Series {
		if s.Baseline {
			legend(si)
		}
	}
	p.text(legendX, ly+10, "start", `font-size="10.5" fill="#666666"`, "higher is faster")

	p.f("</svg>\n")
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

// svgPrinter writes formatted text and keeps the first error.
type svgPrinter struct {
	w   io.Writer
	err error
}

func (p *svgPrinter) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// text writes a <text> element; s is escaped.
func (p *svgPrinter) text(x, y float64, anchor, attrs, s string) {
	p.f(`<text x="%.1f" y="%.1f" text-anchor="%s" %s>%s</text>`+"\n", x, y, anchor, attrs, esc(s))
}

// esc escapes s for XML character data and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// yTicks returns the labelled ticks and the unlabelled minor grid values
// for a log10 range [lo, hi]: the sparsest of 1·10^k, {1,2,5}·10^k and
// {1,1.5,2,3,5,7}·10^k that gives at least four labelled ticks, and the
// integer multiples of each decade as minor lines.
func yTicks(lo, hi float64) (ticks, minor []float64) {
	in := func(v float64) bool { l := math.Log10(v); return l >= lo-1e-9 && l <= hi+1e-9 }
	d0, d1 := int(math.Floor(lo)), int(math.Ceil(hi))
	ticks = ticksIn(lo, hi, tickSet(lo, hi))
	// Thin very long ranges to at most 10 labels.
	for len(ticks) > 10 {
		var t []float64
		for i := 0; i < len(ticks); i += 2 {
			t = append(t, ticks[i])
		}
		ticks = t
	}
	if d1-d0 <= 4 {
		for d := d0; d <= d1; d++ {
			for m := 1.0; m <= 9; m++ {
				if v := m * math.Pow(10, float64(d)); in(v) {
					minor = append(minor, v)
				}
			}
		}
	}
	return ticks, minor
}

// tickSets are the mantissas of the tick values per decade, sparsest
// first.
var tickSets = [][]float64{{1}, {1, 2, 5}, {1, 1.5, 2, 3, 5, 7}, {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9}}

// tickSet returns the sparsest tick set with at least four ticks in the
// log10 range [lo, hi] (the densest if none has).
func tickSet(lo, hi float64) []float64 {
	for _, set := range tickSets {
		if len(ticksIn(lo, hi, set)) >= 4 {
			return set
		}
	}
	return tickSets[len(tickSets)-1]
}

// ticksIn returns the values m·10^d, m in set, within the log10 range
// [lo, hi], ascending.
func ticksIn(lo, hi float64, set []float64) []float64 {
	var t []float64
	for d := int(math.Floor(lo)); d <= int(math.Ceil(hi)); d++ {
		for _, m := range set {
			v := m * math.Pow(10, float64(d))
			if l := math.Log10(v); l >= lo-1e-9 && l <= hi+1e-9 {
				t = append(t, v)
			}
		}
	}
	return t
}

// extendToTicks widens the log10 range [lo, hi] to the nearest tick on
// either side when that is less than 0.35 decades away, so that the
// highest and lowest points have a labelled line beyond them.
func extendToTicks(lo, hi float64) (float64, float64) {
	set := tickSet(lo, hi)
	cand := ticksIn(lo-1, hi+1, set)
	nlo, nhi, up := lo, hi, false
	for _, v := range cand {
		l := math.Log10(v)
		if l <= lo+1e-9 && lo-l < 0.35 {
			nlo = l // ascending: the last one at or below lo is the nearest
		}
		if l >= hi-1e-9 && l-hi < 0.35 && !up {
			nhi, up = l, true
		}
	}
	return nlo, nhi
}

// fmtSpeedup labels a tick: "0.5×", "2×", "1.5×", "100×".
func fmtSpeedup(v float64) string {
	return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64) + "×"
}

// fmtNum prints v with three significant digits (more for large whole numbers).
func fmtNum(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64)
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	s, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if err != nil {
		return v
	}
	return s
}
