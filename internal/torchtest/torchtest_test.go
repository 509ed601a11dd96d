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

func TestCaseConfig(t *testing.T) {
	type config struct {
		Kind    string
		H, T    int
		Bidir   bool
		HeadAct string `json:"head_act"`
		LR      float64
	}
	meta := map[string]string{"kind": `"GRU"`, "H": "17", "T": "3", "bidir": "true", "head_act": `"softmax"`,
		"lr": "0.01", "dtype": `"BF16"`}
	var c config
	r := &recorder{TB: t}
	CaseConfig(r, meta, &c)
	if r.failed != "" {
		t.Fatal(r.failed)
	}
	want := config{Kind: "GRU", H: 17, T: 3, Bidir: true, HeadAct: "softmax", LR: 0.01}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	for name, bad := range map[string]map[string]string{
		"not JSON":     {"kind": "GRU"},
		"wrong type":   {"H": `"17"`},
		"not a number": {"T": "3.5"},
	} {
		r := &recorder{TB: t}
		CaseConfig(r, bad, &config{})
		if r.failed == "" {
			t.Errorf("%s: %v decoded without failing", name, bad)
		}
	}
}
