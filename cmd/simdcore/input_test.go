package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/stretchr/testify/require"
)

func readString(format, in string, width int) ([]float32, error) {
	m, err := readTimesteps(strings.NewReader(in), format, width)
	if err != nil {
		return nil, err
	}
	return m.Data, nil
}

func TestReadTimestepsAccepts(t *testing.T) {
	cases := []struct {
		name, format, in string
		want             []float32
	}{
		{"csv", "csv", "1,2\n3,4\n", []float32{1, 2, 3, 4}},
		{"csv header", "csv", "a,b\n1,2\n", []float32{1, 2}},
		{"csv header with spaces and empty field", "csv", " x , \n1, 2\n", []float32{1, 2}},
		{"csv comment", "csv", "# t,x\n1,2\n", []float32{1, 2}},
		{"csv BOM before numbers", "csv", "\ufeff1,2\n3,4\n", []float32{1, 2, 3, 4}},
		{"csv BOM before header", "csv", "\ufeffa,b\n1,2\n", []float32{1, 2}},
		{"csv CRLF", "csv", "1,2\r\n3,4\r\n", []float32{1, 2, 3, 4}},
		{"csv no final newline", "csv", "1,2\n3,4", []float32{1, 2, 3, 4}},
		{"json", "json", "[[1,2],[3,4]]", []float32{1, 2, 3, 4}},
		{"json spaces", "json", " [ [ 1 , -2.5e0 ] ,\n [3E1,0.25] ]\n", []float32{1, -2.5, 30, 0.25}},
		{"json BOM", "json", "\ufeff[[1,2]]", []float32{1, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readString(c.format, c.in, 2)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// TestReadTimestepsRefuses covers what the old reader took silently: a
// first row with one bad field dropped as a header, a BOM that made the
// first row a "header", JSON's null read as 0.
func TestReadTimestepsRefuses(t *testing.T) {
	cases := []struct {
		name, format, in, want string
	}{
		{"csv first row with one typo", "csv", "1,2x\n3,4\n", "row 1 column 2: \"2x\" is not a number"},
		{"csv first row with an empty field", "csv", "1,\n3,4\n", "row 1 column 2: \"\" is not a number"},
		{"csv later text", "csv", "a,b\n1,2\n3,x\n", "row 3 column 2: \"x\" is not a number"},
		{"csv second header", "csv", "a,b\nc,d\n", "row 2 column 1: \"c\" is not a number"},
		{"csv NaN", "csv", "1,NaN\n", "row 1 column 2: \"NaN\" is not a finite float32"},
		{"csv Inf", "csv", "inf,1\n", "row 1 column 1: \"inf\" is not a finite float32"},
		{"csv beyond float32", "csv", "1e39,1\n", "row 1 column 1: \"1e39\" is not a finite float32"},
		{"csv width", "csv", "1,2\n3\n", "row 2 has 1 values; the model takes 2"},
		{"csv header only", "csv", "a,b\n", "no timesteps"},
		{"csv empty", "csv", "", "no timesteps"},
		{"csv long field quoted briefly", "csv", "1," + strings.Repeat("y", 3000) + "\n", "is not a number"},
		{"json null", "json", "[[1,null]]", "row 1 column 2: null is not a number"},
		{"json string", "json", `[[1,"2"]]`, "row 1 column 2: a string is not a number"},
		{"json true", "json", `[[true,2]]`, "row 1 column 1: \"true\" is not a number"},
		{"json leading zero", "json", `[[01,2]]`, "row 1 column 1: \"01\" is not a number"},
		{"json NaN", "json", `[[NaN,2]]`, "row 1 column 1: \"NaN\" is not a number"},
		{"json hex", "json", `[[0x10,2]]`, "row 1 column 1: \"0x10\" is not a number"},
		{"json beyond float32", "json", `[[1e39,2]]`, "row 1 column 1: \"1e39\" is not a finite float32"},
		{"json wide", "json", `[[1,2,3]]`, "row 1 has more than 2 values"},
		{"json narrow", "json", `[[1,2],[3]]`, "row 2 has 1 values; the model takes 2"},
		{"json empty row", "json", `[[]]`, "row 1 has 0 values"},
		{"json empty", "json", `[]`, "no timesteps"},
		{"json truncated", "json", `[[1,2],`, "JSON ends before the array closes"},
		{"json truncated in row", "json", `[[1,`, "JSON ends before the array closes"},
		{"json trailing comma", "json", `[[1,2],]`, "a comma before ] after row 1"},
		{"json trailing comma in row", "json", `[[1,2,]]`, "a comma before ] after row 1: column 2"},
		{"json flat", "json", `[1,2]`, "row 1: want an array of numbers"},
		{"json object", "json", `{"a":1}`, "want a JSON array of arrays of numbers"},
		{"json data after", "json", `[[1,2]] [[3,4]]`, "data after the array"},
		{"json missing comma", "json", `[[1 2]]`, "want , or ] after row 1: column 1"},
		{"json nothing", "json", ``, "JSON ends before the array closes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readString(c.format, c.in, 2)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.Less(t, len(err.Error()), 200)
		})
	}
}

// TestReadTimestepsLongLine: one CSV line of a million fields for a model
// of two values a row is refused before encoding/csv splits it (which took
// about 20 times the line: 16 bytes a field for the string, more for its
// bookkeeping), with what it allocates bounded by a small multiple of the
// longest line accepted.
func TestReadTimestepsLongLine(t *testing.T) {
	in := []byte("1,2\n" + strings.Repeat("1,", 1<<20) + "1\n")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := readTimesteps(bytes.NewReader(in), "csv", 2)
	runtime.ReadMemStats(&after)
	require.ErrorContains(t, err, "line 2 is longer than 4096 bytes")
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte line: %d bytes allocated", len(in), alloc)
	if !race.Enabled {
		require.Less(t, alloc, uint64(1<<20))
	}

	// A line at the limit is read.
	row := "1," + strings.Repeat(" ", maxLineBytes(2)-3) + "2"
	got, err := readString("csv", row+"\n", 2)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2}, got)
	_, err = readString("csv", row+" \n", 2)
	require.ErrorContains(t, err, "line 1 is longer than 4096 bytes")
}

func TestCappedReader(t *testing.T) {
	r := &cappedReader{r: strings.NewReader("12345"), left: 5}
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "12345", string(got))

	r = &cappedReader{r: strings.NewReader("123456"), left: 5}
	_, err = io.ReadAll(r)
	require.ErrorIs(t, err, errInputTooLarge)
}

// largeInput returns about n bytes of CSV (or JSON) of width 4, and its
// number of rows.
func largeInput(format string, n int) ([]byte, int) {
	var b bytes.Buffer
	if format == "json" {
		b.WriteByte('[')
	}
	rows := 0
	for b.Len() < n {
		if format == "json" {
			if rows > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%d,-0.%d,1e-%d,%d.5]", rows%1000, rows%97, rows%30, rows%7)
		} else {
			fmt.Fprintf(&b, "%d,-0.%d,1e-%d,%d.5\n", rows%1000, rows%97, rows%30, rows%7)
		}
		rows++
	}
	if format == "json" {
		b.WriteByte(']')
	}
	return b.Bytes(), rows
}

// TestReadTimestepsMemory measures what reading a large input allocates in
// all (which bounds its peak): the old reader (the whole input as bytes and
// again as a string, every field as a string, every value as a float64 in
// a slice per row, then the matrix) took many times the input.
func TestReadTimestepsMemory(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items under the race detector (json.Valid's scanners): allocations are not meaningful")
	}
	size := 16 << 20
	if testing.Short() {
		size = 4 << 20
	}
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			in, rows := largeInput(format, size)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m, err := readTimesteps(bytes.NewReader(in), format, 4)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.Equal(t, rows, m.Rows)
			alloc := after.TotalAlloc - before.TotalAlloc
			ratio := float64(alloc) / float64(len(in))
			t.Logf("%s: %d bytes in, %d rows, %d bytes allocated (%.2f× the input; the matrix is %.2f×)",
				format, len(in), rows, alloc, ratio, float64(4*len(m.Data))/float64(len(in)))
			// At most one string per CSV record (the input once), the
			// values in blocks and then joined (the matrix twice), and
			// buffers of constant size.
			bound := uint64(len(in)) + 2*uint64(4*len(m.Data)) + 1<<20
			require.LessOrEqual(t, alloc, bound, "reading allocated %.2f× the input", ratio)
			require.Less(t, ratio, 3.0)
		})
	}
}
