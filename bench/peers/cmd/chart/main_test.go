package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func TestRunWritesCharts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "img") // created by run
	code, out, errOut := runCmd(t, "", "-o", dir, "testdata/sample.txt")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := []string{"dot.svg", "gemm-threads-1.svg", "gemm-threads-2.svg"}
	lines := strings.Fields(out)
	if len(lines) != len(want) {
		t.Fatalf("stdout %q", out)
	}
	for i, name := range want {
		path := filepath.Join(dir, name)
		if lines[i] != path {
			t.Errorf("stdout line %d = %q, want %q", i, lines[i], path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		readSVG(t, b)
	}
	if !strings.Contains(errOut, "note: Gemm/threads=1: no impl=pure at m=1024,n=1024,k=1024") {
		t.Errorf("stderr %q", errOut)
	}

	// The same from stdin, filtered.
	code, out, _ = runCmd(t, readSample(t), "-o", dir, "-run", "^dot$", "-")
	if code != 0 || strings.TrimSpace(out) != filepath.Join(dir, "dot.svg") {
		t.Errorf("stdin: exit %d, stdout %q", code, out)
	}
	code, out, _ = runCmd(t, readSample(t), "-o", dir, "-skip", "threads-2")
	if code != 0 || len(strings.Fields(out)) != 2 || strings.Contains(out, "threads-2") {
		t.Errorf("-skip: exit %d, stdout %q", code, out)
	}
	code, out, _ = runCmd(t, readSample(t), "-o", dir, "-metric", "GFLOP/s")
	if code != 0 || len(strings.Fields(out)) != 3 {
		t.Errorf("-metric GFLOP/s: exit %d, stdout %q", code, out)
	}
}

// TestRunErrors checks that every error is one line on stderr and exit
// status 2.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"bad flag", "", "flag provided but not defined: -nope", []string{"-nope"}},
		{"missing file", "", "no such file", []string{"-o", dir, filepath.Join(dir, "absent.txt")}},
		{"two files", "", "at most one input file", []string{"a", "b"}},
		{"bad regexp", "", "-run: error parsing regexp", []string{"-run", "("}},
		{"bad skip regexp", "", "-skip: error parsing regexp", []string{"-skip", "["}},
		{"empty input", "", "stdin: no benchmark result lines", []string{"-o", dir}},
		{"malformed line", "BenchmarkDot/n=1/impl=pure 10 1 ns/op\nBenchmarkDot/n=1/impl=vek 10 x ns/op\n", "stdin: line 2:", []string{"-o", dir}},
		{"no baseline", "BenchmarkDot/n=1/impl=vek 10 1 ns/op\n", "no chart to draw", []string{"-o", dir}},
		{"output is a file", readSample(t), "not a directory", []string{"-o", blocker}},
	} {
		code, out, errOut := runCmd(t, tc.stdin, tc.args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", tc.name, code)
		}
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "chart: ") || !strings.Contains(last, tc.want) {
			t.Errorf("%s: stderr %q, want a line containing %q", tc.name, errOut, tc.want)
		}
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasPrefix(l, "chart: note: ") {
				t.Errorf("%s: stray stderr line %q", tc.name, l)
			}
		}
		if out != "" {
			t.Errorf("%s: stdout %q", tc.name, out)
		}
	}
	if code, _, errOut := runCmd(t, "", "-h"); code != 0 || !strings.Contains(errOut, "usage: chart") {
		t.Errorf("-h: exit %d, stderr %q", code, errOut)
	}
}

// TestBinary runs the built command on error cases: exit status 2, one
// line, no panic trace.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "chart")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"-bogus"}},
		{"", []string{"/nonexistent/peers.txt"}},
		{"BenchmarkA 1\n", nil},
		{"\xff\xfe\x00garbage\n", nil},
	} {
		cmd := exec.Command(bin, append([]string{"-o", t.TempDir()}, tc.args...)...)
		cmd.Stdin = strings.NewReader(tc.stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%q: %v, want exit status 2", tc.args, err)
		}
		if s := stderr.String(); strings.Count(s, "\n") != 1 || strings.Contains(s, "panic") || !strings.HasPrefix(s, "chart: ") {
			t.Errorf("%q: stderr %q, want one line", tc.args, s)
		}
	}
}
