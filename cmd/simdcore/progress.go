package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// How often a status is shown: redrawn in place on a terminal, a new
// plain line otherwise (a log file or a pipe would fill with redraws).
const (
	redrawEvery = 200 * time.Millisecond
	plainEvery  = 10 * time.Second
)

// isTerminal reports whether w is a character device (a terminal), the
// only place where \r redraws and escape sequences belong.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// statusLine shows a changing one-line status: on a terminal redrawn in
// place with \r at most every redrawEvery, elsewhere as plain lines, the
// first at once and then at most every plainEvery.
type statusLine struct {
	w       io.Writer
	tty     bool
	last    time.Time // when a status was last shown
	drawn   bool      // a status is on the terminal's current line
	pending string    // the latest status not shown (plain mode)
}

func newStatusLine(w io.Writer) *statusLine {
	return &statusLine{w: w, tty: isTerminal(w)}
}

// show displays text if enough time has passed since the last one, or if
// force is set.
func (s *statusLine) show(text string, force bool) {
	now := time.Now()
	every := plainEvery
	if s.tty {
		every = redrawEvery
	}
	if !force && !s.last.IsZero() && now.Sub(s.last) < every {
		s.pending = text
		return
	}
	s.last, s.pending = now, ""
	if s.tty {
		fmt.Fprintf(s.w, "\r%s\033[K", text)
		s.drawn = true
		return
	}
	fmt.Fprintln(s.w, text)
}

// keep ends the status leaving the last one visible: on a terminal the
// cursor moves to the next line; elsewhere a status not yet shown is
// printed.
func (s *statusLine) keep() {
	switch {
	case s.tty && s.drawn:
		fmt.Fprintln(s.w)
	case !s.tty && s.pending != "":
		fmt.Fprintln(s.w, s.pending)
	}
	s.drawn, s.pending = false, ""
}

// erase ends the status and removes it from a terminal; plain lines stay.
func (s *statusLine) erase() {
	if s.tty && s.drawn {
		fmt.Fprint(s.w, "\r\033[K")
	}
	s.drawn, s.pending = false, ""
}

// progress shows train's progress: a bar on a terminal, plain lines
// elsewhere, with the loss, tokens per second and the time left.
type progress struct {
	line      *statusLine
	total     int
	perUpdate int
	start     time.Time
}

func newProgress(w io.Writer, total, tokensPerUpdate int) *progress {
	return &progress{line: newStatusLine(w), total: total, perUpdate: tokensPerUpdate, start: time.Now()}
}

func (p *progress) update(done int, loss float64) {
	el := time.Since(p.start).Seconds()
	tps := float64(done*p.perUpdate) / el
	stats := fmt.Sprintf("%d/%d loss %.3f  %.0f tok/s  ETA %s", done, p.total, loss, tps, etaText(float64(p.total-done)*el/float64(done)))
	if !p.line.tty {
		p.line.show("train: "+stats, done == p.total)
		return
	}
	const width = 30
	fill := width * done / p.total
	p.line.show(fmt.Sprintf("[%s%s] %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), stats), done == p.total)
}

func (p *progress) finish() { p.line.keep() }

// etaText prints a remaining time of secs seconds, rounded to the second;
// a time.Duration holds at most 292 years, so beyond a century it says so.
func etaText(secs float64) string {
	if !(secs < 100*365.25*24*3600) {
		return "more than a century"
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Second).String()
}
