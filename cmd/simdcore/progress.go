package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
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
// elsewhere, with the loss, tokens per second and the time left. A
// goroutine refreshes it every redrawEvery, so that it appears within a
// second of the start and shows how long an update has been running
// when one takes longer than that; its methods may be called while it
// runs.
type progress struct {
	mu        sync.Mutex
	line      *statusLine
	total     int
	perUpdate int
	start     time.Time
	done      int       // updates completed
	loss      float64   // the last one's loss
	current   int       // the update running (0: none)
	since     time.Time // when it started
	stop      chan struct{}
	stopped   chan struct{}
}

func newProgress(w io.Writer, total, tokensPerUpdate int) *progress {
	p := &progress{line: newStatusLine(w), total: total, perUpdate: tokensPerUpdate, start: time.Now(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go p.refresh()
	return p
}

// refresh shows the status every redrawEvery until finish.
func (p *progress) refresh() {
	defer close(p.stopped)
	tick := time.NewTicker(redrawEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.mu.Lock()
			p.show(false)
			p.mu.Unlock()
		}
	}
}

// starting records that update n has begun.
func (p *progress) starting(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current, p.since = n, time.Now()
}

// update records that done updates are complete, the last with loss.
func (p *progress) update(done int, loss float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.loss, p.current = done, loss, 0
	p.show(done == p.total)
}

// show displays the status; p.mu is held.
func (p *progress) show(force bool) {
	var stats string
	if p.done > 0 {
		el := time.Since(p.start).Seconds()
		tps := float64(p.done*p.perUpdate) / el
		stats = fmt.Sprintf("%d/%d loss %.3f  %.0f tok/s  ETA %s", p.done, p.total, p.loss, tps, etaText(float64(p.total-p.done)*el/float64(p.done)))
	} else {
		stats = fmt.Sprintf("%d/%d", p.done, p.total)
	}
	if p.current > 0 && (p.done == 0 || time.Since(p.since) >= time.Second) {
		stats += fmt.Sprintf("  update %d running %v", p.current, time.Since(p.since).Round(time.Second))
	}
	if !p.line.tty {
		p.line.show("train: "+stats, force)
		return
	}
	const width = 30
	fill := width * p.done / p.total
	p.line.show(fmt.Sprintf("[%s%s] %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), stats), force)
}

// finish stops the refreshing and leaves the last status visible.
func (p *progress) finish() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
		<-p.stopped
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line.keep()
}

// etaText prints a remaining time of secs seconds, rounded to the second;
// a time.Duration holds at most 292 years, so beyond a century it says so.
func etaText(secs float64) string {
	if !(secs < 100*365.25*24*3600) {
		return "more than a century"
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Second).String()
}
