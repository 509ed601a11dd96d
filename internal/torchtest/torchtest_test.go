package torchtest

import (
	"fmt"
	"math"
	"testing"
)

// recorder is a testing.TB that records a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestRequireClose(t *testing.T) {
	cases := []struct {
		name      string
		got, want []float32
		fails     bool
	}{
		{"equal", []float32{1, -2, 3}, []float32{1, -2, 3}, false},
		{"within 1e-5 of the largest", []float32{1 + 2.9e-5, -2, 3}, []float32{1, -2, 3}, false},
		{"beyond", []float32{1 + 3.1e-5, -2, 3}, []float32{1, -2, 3}, true},
		{"lengths", []float32{1, 2}, []float32{1, 2, 3}, true},
		{"all-zero reference", []float32{0, 0}, []float32{0, 0}, true},
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		RequireClose(r, c.name, c.got, c.want)
		if (r.failed != "") != c.fails {
			t.Errorf("%s: failed=%q, want failure %v", c.name, r.failed, c.fails)
		}
	}
}

func TestRequireCloseOrZero(t *testing.T) {
	cases := []struct {
		name      string
		got, want []float32
		fails     bool
	}{
		{"nonzero reference: RequireClose", []float32{1 + 3.1e-5, -2, 3}, []float32{1, -2, 3}, true},
		{"all-zero reference, zeros", []float32{0, -0}, []float32{0, 0}, false},
		{"all-zero reference, within 1e-5", []float32{1e-5, -9e-6}, []float32{0, 0}, false},
		{"all-zero reference, beyond", []float32{0, 2e-5}, []float32{0, 0}, true},
		{"all-zero reference, NaN", []float32{0, float32(math.NaN())}, []float32{0, 0}, true},
		{"lengths", []float32{0}, []float32{0, 0}, true},
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		RequireCloseOrZero(r, c.name, c.got, c.want)
		if (r.failed != "") != c.fails {
			t.Errorf("%s: failed=%q, want failure %v", c.name, r.failed, c.fails)
		}
	}
}
