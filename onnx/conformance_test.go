package onnx_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/onnx"
)

// nodeTestDirs lists ONNX's backend tests: the node tests, where Debian's
// libonnx-testdata puts them (SIMDCORE_ONNX_TESTDATA overrides it), and the
// model tests beside them; and
// SIMDCORE_REQUIRE_ONNX_TESTDATA=1 (set by CI, which installs the package)
// turns its absence into a failure. The selection committed under
// testdata/onnx/node always runs.
func nodeTestDirs(t *testing.T) []string {
	dirs, _ := filepath.Glob("testdata/node/test_*")
	root := os.Getenv("SIMDCORE_ONNX_TESTDATA")
	if root == "" {
		root = "/usr/share/libonnx-testdata/data/node"
	}
	more, _ := filepath.Glob(filepath.Join(root, "test_*"))
	if len(more) > 0 { // the committed ones are among them
		// The package's whole-model tests in the same layout: models
		// converted from PyTorch and small models.
		for _, sub := range []string{"pytorch-converted", "pytorch-operator", "simple"} {
			models, _ := filepath.Glob(filepath.Join(root, "..", sub, "test_*"))
			more = append(more, models...)
		}
		return more
	}
	if len(more) == 0 {
		if os.Getenv("SIMDCORE_REQUIRE_ONNX_TESTDATA") != "" {
			t.Fatalf("no ONNX node tests under %s (install libonnx-testdata)", root)
		}
		t.Logf("no ONNX node tests under %s: running the %d committed ones", root, len(dirs))
	}
	return append(dirs, more...)
}

// opTypes lists the operators a graph and its subgraphs use.
func opTypes(g *onnx.Graph, into map[string]bool) {
	for _, n := range g.Nodes {
		into[n.OpType] = true
		for _, a := range n.Attributes {
			if a.G != nil {
				opTypes(a.G, into)
			}
			for _, sg := range a.Graphs {
				opTypes(sg, into)
			}
		}
	}
}

// allowedRefusals are the reasons a node test in scope may be refused for:
// data types Session does not compute on, and Dropout in training mode,
// whose output is random. Every value kind of the node tests runs
// (tensors; sequences of tensors and optionals of either, as graph
// inputs and outputs too), so a value kind is no reason. A refusal for
// any other reason fails the test, so that an operator cannot slip from
// "passes" to "refused" unnoticed.
var allowedRefusals = []string{"data type", "cast to", "cast from", "drops at random"}

// mustPass are the operators whose every test in scope must pass, not be
// refused for any reason: the recurrent ones (whose options, peepholes,
// clip, input_forget, linear_before_reset and sequence_lens, all map onto
// package rnn's cells), convolution, the matrix products, the
// activations and the optional operators.
var mustPass = []string{"RNN", "LSTM", "GRU", "Conv", "MatMul", "Gemm", "Softmax", "Relu", "Sigmoid", "Tanh",
	"Optional", "OptionalHasElement", "OptionalGetElement"}

// TestConformance runs every ONNX node test whose operators Session
// implements: each must match at the backend tests' tolerance or be refused
// with ErrUnsupported; none may mismatch, fail otherwise, or panic.
func TestConformance(t *testing.T) {
	supported := map[string]bool{}
	for _, op := range onnx.Operators() {
		supported[op] = true
	}
	type tally struct{ passed, refused int }
	byOp := map[string]*tally{}
	var passed, refused, outOfScope int
	reasons := map[string]int{}
	for _, dir := range nodeTestDirs(t) {
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		used := map[string]bool{}
		opTypes(m.Graph, used)
		inScope := len(used) > 0
		for op := range used {
			inScope = inScope && supported[op]
		}
		if !inScope {
			outOfScope++
			continue
		}
		sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
		ok, why := true, ""
		for _, set := range sets {
			checks, err := func() (c []onnx.OutputCheck, err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				return onnx.CheckDataSet(m, set, onnx.TestRTol, onnx.TestATol)
			}()
			if errors.Is(err, onnx.ErrUnsupported) {
				ok, why = false, err.Error()
				break
			}
			if err != nil {
				t.Errorf("%s: %v", set, err)
				ok = false
				break
			}
			for _, c := range checks {
				if !c.Diff.OK() {
					t.Errorf("%s: output %q: %d mismatches (max |diff| %g, worst at %d) %v", set, c.Name, c.Diff.Mismatches, c.Diff.MaxAbs, c.Diff.Worst, c.Diff.Err)
					ok = false
				}
			}
			if ok {
				runAllocatesNothing(t, m, set)
			}
		}
		ops := slices.Sorted(func(yield func(string) bool) {
			for op := range used {
				if !yield(op) {
					return
				}
			}
		})
		for _, op := range ops {
			if byOp[op] == nil {
				byOp[op] = &tally{}
			}
		}
		switch {
		case ok:
			passed++
			for _, op := range ops {
				byOp[op].passed++
			}
		case why != "":
			refused++
			for _, op := range ops {
				byOp[op].refused++
			}
			// the reason without the test's path and node name
			if i := strings.Index(why, "onnx: unsupported: "); i >= 0 {
				why = why[i+len("onnx: unsupported: "):]
			}
			reasons[why]++
			allowed := false
			for _, r := range allowedRefusals {
				allowed = allowed || strings.Contains(why, r)
			}
			if !allowed {
				t.Errorf("%s refused for a reason outside allowedRefusals: %s", filepath.Base(dir), why)
			}
			for _, op := range mustPass {
				if used[op] {
					t.Errorf("%s uses %s, whose tests must pass, and is refused: %s", filepath.Base(dir), op, why)
				}
			}
			t.Logf("refused %s: %s", filepath.Base(dir), why)
		}
	}
	names := make([]string, 0, len(byOp))
	for op := range byOp {
		names = append(names, op)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, op := range names {
		fmt.Fprintf(&b, " %s %d/%d", op, byOp[op].passed, byOp[op].refused)
	}
	t.Logf("ONNX tests in scope: %d passed, %d refused; out of scope: %d", passed, refused, outOfScope)
	t.Logf("by operator (passed/refused):%s", b.String())
}

// runAllocatesNothing checks that Run, once planned, allocates nothing on
// this data set (every operator's kernel, at these shapes).
func runAllocatesNothing(t *testing.T, m *onnx.Model, set string) {
	if raceEnabled {
		return
	}
	s, err := onnx.LoadDataSet(m, set)
	if err != nil {
		t.Errorf("%s: %v", set, err)
		return
	}
	var runErr error
	allocs := testing.AllocsPerRun(2, func() { runErr = s.Run() })
	if runErr != nil || allocs != 0 {
		t.Errorf("%s: Run allocates %v times per run (error %v)", set, allocs, runErr)
	}
}
