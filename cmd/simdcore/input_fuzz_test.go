package main

import (
	"bytes"
	"math"
	"testing"
)

// FuzzReadTimesteps feeds run's input reader arbitrary bytes as CSV and
// JSON at widths 1 to 8: it must return an error or a matrix of whole
// rows of finite values, never panic.
func FuzzReadTimesteps(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,0,0\n0,1,0\n", "[[1,0,0],[0,1,0]]", "\xef\xbb\xbf1,2\n# c\n3,4\n",
		"[[1e39]]", "[[-0.0, 1e-45]]", "1,NaN\n", "[[1,],]", "\"1\",\"2\"\n", "[ [ 1 , 2 ] ]  ",
	} {
		f.Add([]byte(s), uint8(2), false)
		f.Add([]byte(s), uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, w uint8, asJSON bool) {
		width := int(w%8) + 1
		format := "csv"
		if asJSON {
			format = "json"
		}
		m, err := readTimesteps(bytes.NewReader(data), format, width)
		if err != nil {
			return
		}
		if m.Cols != width || m.Rows < 1 || len(m.Data) != m.Rows*width {
			t.Fatalf("%d×%d matrix of %d values for width %d", m.Rows, m.Cols, len(m.Data), width)
		}
		for i, v := range m.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("value %d is %v", i, v)
			}
		}
	})
}
