// Package torchtest holds what the model packages' tests share to compare
// against PyTorch and to break its files: where the fixtures are, the
// tolerance of the comparison, and files rewritten or built by hand.
package torchtest

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/simdcore/simdcore/internal/weights"
)

// Dir is the directory of the fixtures scripts/torch_fixtures.py writes
// with PyTorch, relative to a package one level below the module root
// (rnn, attn).
const Dir = "../testdata/torch"

// RequireCloseOrZero is RequireClose, except that an all-zero reference
// (the gradient of a query with one key, of rows whose keys are all
// masked) asks got to be zero to 1e-5 absolute: for the randomized
// cross-checks, whose inputs and weights are of order 1.
func RequireCloseOrZero(t testing.TB, what string, got, want []float32) {
	t.Helper()
	for _, w := range want {
		if w != 0 {
			RequireClose(t, what, got, want)
			return
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, PyTorch %d", what, len(got), len(want))
	}
	for i, g := range got {
		if !(math.Abs(float64(g)) <= 1e-5) {
			t.Fatalf("%s[%d] = %g, PyTorch 0", what, i, g)
		}
	}
}

// CrossCheckDirs returns the case directories (named by number) under
// the directory the environment variable env names, joined with sub, as
// a randomized cross-check script (script, under scripts/) writes them;
// t is skipped when env is not set, and fails when it names no cases.
func CrossCheckDirs(t testing.TB, env, script string, sub ...string) []string {
	t.Helper()
	root := os.Getenv(env)
	if root == "" {
		t.Skipf("%s is not set (see %s)", env, script)
	}
	dirs, err := filepath.Glob(filepath.Join(append(append([]string{root}, sub...), "[0-9]*")...))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("%s: no cases under %s (%v)", env, filepath.Join(append([]string{root}, sub...)...), err)
	}
	return dirs
}

// CaseConfig decodes into dst the configuration that a randomized
// cross-check script wrote into a case file's metadata, each value the
// JSON of one entry of its dict (json.dumps), as encoding/json decodes
// the object of those entries: keys dst has no field for are ignored. t
// fails on a value that is not JSON or does not fit its field.
func CaseConfig(t testing.TB, meta map[string]string, dst any) {
	t.Helper()
	obj := make(map[string]json.RawMessage, len(meta))
	for k, v := range meta {
		if !json.Valid([]byte(v)) {
			t.Fatalf("case metadata %s=%q is not JSON", k, v)
			return
		}
		obj[k] = json.RawMessage(v)
	}
	raw, err := json.Marshal(obj)
	if err == nil {
		err = json.Unmarshal(raw, dst)
	}
	if err != nil {
		t.Fatalf("case metadata: %v", err)
	}
}

// Tensors opens the safetensors file at path and returns it with a
// function that returns its tensor of a name, failing t without one.
func Tensors(t testing.TB, path string) (*weights.File, func(name string) weights.Tensor) {
	t.Helper()
	f, err := weights.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f, func(name string) weights.Tensor {
		t.Helper()
		x, err := f.Tensor(name)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return x
	}
}

// RequireClose fails t unless got agrees with PyTorch's want to 1e-5
// relative to the largest |want|: |got_i − want_i| ≤ 1e-5·max_j |want_j|
// for every i, with as many elements. An all-zero want fails too: it
// would test nothing.
func RequireClose(t testing.TB, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, PyTorch %d", what, len(got), len(want))
		return
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	if scale == 0 {
		t.Fatalf("%s: all-zero reference tests nothing", what)
		return
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > 1e-5*scale {
			t.Fatalf("%s[%d] = %v, PyTorch %v (|diff| %.3g > 1e-5·%.3g)", what, i, got[i], want[i], d, scale)
			return
		}
	}
}

// Rewrite copies the tensors (float, as F32; I8 as they are) of the
// safetensors file at path through edit
// into a new file in t's temporary directory, with metadata meta (the
// file's own if nil), and returns the new file's path. Tests use it to
// break a good fixture in one precise way.
func Rewrite(t testing.TB, path string, meta map[string]string, edit func(map[string]weights.Tensor)) string {
	t.Helper()
	f, err := weights.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ts := map[string]weights.Tensor{}
	for _, n := range f.Names() {
		if info, _ := f.Info(n); info.DType == weights.I8 {
			q, err := f.Int8s(n, info.Shape...)
			if err != nil {
				t.Fatal(err)
			}
			ts[n] = weights.Tensor{Name: n, Shape: info.Shape, Int8: q}
			continue
		}
		if ts[n], err = f.Tensor(n); err != nil {
			t.Fatal(err)
		}
	}
	if meta == nil {
		meta = f.Metadata()
	}
	edit(ts)
	var list []weights.Tensor
	for _, tt := range ts {
		list = append(list, tt)
	}
	out := filepath.Join(t.TempDir(), "edited.safetensors")
	if err := weights.Save(out, list, meta); err != nil {
		t.Fatal(err)
	}
	return out
}

// RawFile returns a safetensors file made of the header hdr, taken as it
// is, and the buffer data: for tests of malformed files.
func RawFile(hdr string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(b, hdr...), data...)
}
