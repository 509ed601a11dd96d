package main

// This file holds run's input reader: a sequence of timesteps in CSV or
// JSON, streamed into one matrix.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/simdcore/simdcore/kernel"
)

// maxInputBytes bounds what run reads, so a huge file is an error rather
// than an out-of-memory crash.
const maxInputBytes = 256 << 20

var errInputTooLarge = fmt.Errorf("input larger than %d MiB", maxInputBytes>>20)

// readTimesteps reads a sequence of timesteps of width numbers each from r,
// in format "csv" (one timestep a row) or "json" (an array of arrays), into
// one T×width matrix. It streams: memory is the matrix (4 bytes a value,
// grown by append) and one CSV record at a time, whatever the input's size
// (at most maxInputBytes).
//
// A leading UTF-8 byte-order mark is skipped. In CSV, lines starting with
// # are comments, and the first row is a header, skipped, when none of its
// fields is a number; a first row with some numbers and some not is an
// error, like any other field that is not a number. Every value must be a
// finite float32; JSON's null is not a number. Errors name the row and
// column (counted from 1, in CSV the header included).
func readTimesteps(r io.Reader, format string, width int) (kernel.Matrix, error) {
	br := bufio.NewReaderSize(&cappedReader{r: r, left: maxInputBytes}, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	var data chunks
	var err error
	if format == "json" {
		err = readJSONRows(br, width, &data)
	} else {
		err = readCSVRows(br, width, &data)
	}
	if errors.Is(err, errInputTooLarge) {
		return kernel.Matrix{}, errInputTooLarge
	}
	if err != nil {
		return kernel.Matrix{}, err
	}
	if data.n == 0 {
		return kernel.Matrix{}, errors.New("no timesteps")
	}
	return kernel.MatrixFrom(data.n/width, width, data.join()), nil
}

// chunks collects values in blocks of a fixed size and joins them once at
// the end: what it allocates in all is twice the values, where append's
// growth by a quarter would allocate five times.
type chunks struct {
	full [][]float32
	last []float32
	n    int
}

const chunkLen = 1 << 18

func (c *chunks) add(v float32) {
	if len(c.last) == cap(c.last) {
		if c.last != nil {
			c.full = append(c.full, c.last)
		}
		c.last = make([]float32, 0, min(chunkLen, max(1024, c.n)))
	}
	c.last = append(c.last, v)
	c.n++
}

// join returns the values in one slice of exactly their number.
func (c *chunks) join() []float32 {
	if len(c.full) == 0 {
		return c.last
	}
	out := make([]float32, 0, c.n)
	for _, b := range c.full {
		out = append(out, b...)
	}
	out = append(out, c.last...)
	c.full, c.last = nil, nil
	return out
}

// cappedReader reads at most left bytes of r and then fails with
// errInputTooLarge if r has more.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errInputTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// inputValue converts one field to a finite float32; the error names the
// row and column.
func inputValue(s string, row, col int) (float32, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("row %d column %d: %s is not a number", row, col, quoteField(s))
	}
	if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("row %d column %d: %s is not a finite float32", row, col, quoteField(s))
	}
	return float32(v), nil
}

// quoteField quotes at most 40 bytes of a field for an error message.
func quoteField(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

func widthError(row, n, width int) error {
	return fmt.Errorf("row %d has %d values; the model takes %d", row, n, width)
}

// maxLineBytes is the longest CSV line readCSVRows reads for rows of
// width values: room for the longest decimal a float32 needs, with spaces,
// in every field, and for a header. encoding/csv splits a whole line
// before anything can look at it, at about 20 times its size for a line of
// one-digit fields, so a single line of 256 MiB would cost gigabytes.
func maxLineBytes(width int) int { return max(4096, 64*width) }

func readCSVRows(r io.Reader, width int, data *chunks) error {
	lc := &lineCapReader{r: r, max: maxLineBytes(width)}
	cr := csv.NewReader(lc)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.ReuseRecord = true
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if row == 1 && isHeader(rec) {
			continue
		}
		if len(rec) != width {
			return widthError(row, len(rec), width)
		}
		for j, f := range rec {
			v, err := inputValue(strings.TrimSpace(f), row, j+1)
			if err != nil {
				return err
			}
			data.add(v)
		}
	}
}

// lineCapReader passes r through, failing when a line runs longer than
// max bytes.
type lineCapReader struct {
	r        io.Reader
	max, run int
	line     int
}

func (l *lineCapReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.run = 0
			l.line++
			continue
		}
		if l.run++; l.run > l.max {
			return i, fmt.Errorf("line %d is longer than %d bytes, more than a row of this model's values needs", l.line+1, l.max)
		}
	}
	return n, err
}

// isHeader reports whether no field of rec is a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

// readJSONRows reads a JSON array of arrays of numbers, scanning the bytes
// itself: encoding/json would hold the whole input or box every number.
func readJSONRows(br *bufio.Reader, width int, data *chunks) error {
	s := jsonScanner{br: br}
	if c, err := s.next(); err != nil || c != '[' {
		return s.fail(err, "want a JSON array of arrays of numbers")
	}
	c, err := s.next()
	if err != nil {
		return s.fail(err, "")
	}
	for row := 1; c != ']'; row++ {
		if c != '[' {
			return s.fail(nil, fmt.Sprintf("row %d: want an array of numbers", row))
		}
		col := 0
		if c, err = s.next(); err != nil {
			return s.fail(err, "")
		}
		for c != ']' {
			col++
			if col > width {
				return fmt.Errorf("row %d has more than %d values; the model takes %d", row, width, width)
			}
			v, err := s.number(c, row, col)
			if err != nil {
				return err
			}
			data.add(v)
			if c, err = s.after(row, col); err != nil {
				return err
			}
		}
		if col != width {
			return widthError(row, col, width)
		}
		if c, err = s.after(row, 0); err != nil {
			return err
		}
	}
	if _, err := s.next(); err != io.EOF {
		return s.fail(err, "data after the array")
	}
	return nil
}

// jsonScanner reads JSON bytes and counts them, for error messages.
type jsonScanner struct {
	br  *bufio.Reader
	off int64
	tok []byte
}

// next returns the next byte that is not white space.
func (s *jsonScanner) next() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		s.off++
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// after reads what follows an element of an array: ']' at its end, or a
// comma and the first byte of the next element, which it returns. The
// element is column col of row row, or row row itself when col is 0.
func (s *jsonScanner) after(row, col int) (byte, error) {
	what := func() string {
		if col == 0 {
			return fmt.Sprintf("row %d", row)
		}
		return fmt.Sprintf("row %d: column %d", row, col)
	}
	c, err := s.next()
	if err != nil {
		return 0, s.fail(err, "")
	}
	switch c {
	case ']':
		return c, nil
	case ',':
		if c, err = s.next(); err != nil {
			return 0, s.fail(err, "")
		}
		if c == ']' {
			return 0, s.fail(nil, "a comma before ] after "+what())
		}
		return c, nil
	}
	return 0, s.fail(nil, "want , or ] after "+what())
}

// fail returns a read error, or a syntax error with msg at the current
// offset (an unexpected end when err is io.EOF).
func (s *jsonScanner) fail(err error, msg string) error {
	switch {
	case errors.Is(err, errInputTooLarge):
		return err
	case err == io.EOF || err == nil && msg == "":
		return errors.New("JSON ends before the array closes")
	case err != nil:
		return err
	}
	return fmt.Errorf("JSON byte %d: %s", s.off, msg)
}

// number reads the value starting with c as a JSON number.
func (s *jsonScanner) number(c byte, row, col int) (float32, error) {
	s.tok = append(s.tok[:0], c)
	for len(s.tok) <= 64 {
		b, err := s.br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '.' || b == '+' || b == '-') {
			s.br.UnreadByte()
			break
		}
		s.off++
		s.tok = append(s.tok, b)
	}
	switch t := string(s.tok); {
	case t == "null":
		return 0, fmt.Errorf("row %d column %d: null is not a number", row, col)
	case c == '"':
		return 0, fmt.Errorf("row %d column %d: a string is not a number", row, col)
	case !json.Valid(s.tok): // a literal that is not JSON: NaN, 0x10, 01, Inf
		return 0, fmt.Errorf("row %d column %d: %s is not a number", row, col, quoteField(t))
	default:
		return inputValue(t, row, col)
	}
}
