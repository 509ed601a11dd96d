package x86enc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// gnu assembles the AT&T lines with GNU as and returns the bytes of each,
// as objdump shows them. It skips the test if binutils are missing,
// unless SIMDCORE_REQUIRE_BINUTILS is set (CI sets it).
func gnu(t *testing.T, lines []string) [][]byte {
	t.Helper()
	as, err := exec.LookPath("as")
	if err == nil {
		_, err = exec.LookPath("objdump")
	}
	if err != nil {
		if os.Getenv("SIMDCORE_REQUIRE_BINUTILS") != "" {
			t.Fatalf("GNU binutils (as, objdump) not found: %v", err)
		}
		t.Skip("GNU binutils (as, objdump) not installed")
	}
	dir := t.TempDir()
	src, obj := filepath.Join(dir, "a.s"), filepath.Join(dir, "a.o")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "--64", "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command("objdump", "-d", "--insn-width=16", obj).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}
	// "   0:	c4 e2 6d 50 cb       	{vex} vpdpbusd %ymm3,%ymm2,%ymm1"
	insn := regexp.MustCompile(`^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)\s*\t`)
	var got [][]byte
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := insn.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var bs []byte
		for _, h := range strings.Fields(m[1]) {
			v, _ := strconv.ParseUint(h, 16, 8)
			bs = append(bs, byte(v))
		}
		got = append(got, bs)
	}
	if len(got) != len(lines) {
		t.Fatalf("objdump shows %d instructions for %d lines:\n%s", len(got), len(lines), out)
	}
	return got
}

// TestGNUEncodings checks VPDPBUSD's encoder against GNU as over
// registers that exercise every extension bit.
func TestGNUEncodings(t *testing.T) {
	type c struct {
		d, s1, s2 int
		zmm       bool
	}
	var cases []c
	for _, zmm := range []bool{false, true} {
		regs := []int{0, 1, 7, 8, 9, 15}
		if zmm {
			regs = append(regs, 16, 23, 24, 31)
		}
		for _, d := range regs {
			for _, s1 := range regs {
				for _, s2 := range regs {
					cases = append(cases, c{d, s1, s2, zmm})
				}
			}
		}
	}
	var lines []string
	for _, k := range cases {
		lines = append(lines, Comment(k.d, k.s1, k.s2, k.zmm))
	}
	want := gnu(t, lines)
	for i, k := range cases {
		got, err := VPDPBUSD(k.d, k.s1, k.s2, k.zmm)
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Errorf("%s: got % x (%v), GNU as % x", lines[i], got, err, want[i])
		}
	}
	if _, err := VPDPBUSD(16, 0, 0, false); err == nil {
		t.Error("VEX form with ymm16: no error")
	}
}

// TestAsmBytes checks every x86enc comment in asm/*_amd64.s: the BYTE
// lines under it must be GNU as's encoding of its text.
func TestAsmBytes(t *testing.T) {
	files, err := filepath.Glob("../../asm/*_amd64.s")
	probes, _ := filepath.Glob("../machbound/*_amd64.s") // the int8 MAC probes
	files = append(files, probes...)
	if err != nil || len(files) == 0 {
		t.Fatalf("no amd64 assembly found: %v", err)
	}
	byteLine := regexp.MustCompile(`^\s*BYTE\s+\$0x([0-9a-f]{2})\s*$`)
	var lines, where []string
	var have [][]byte
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ls := strings.Split(string(src), "\n")
		for i, l := range ls {
			_, text, ok := strings.Cut(l, "// "+Mark)
			if !ok {
				continue
			}
			var bs []byte
			for j := i + 1; j < len(ls); j++ {
				m := byteLine.FindStringSubmatch(ls[j])
				if m == nil {
					break
				}
				v, _ := strconv.ParseUint(m[1], 16, 8)
				bs = append(bs, byte(v))
			}
			lines = append(lines, strings.TrimSpace(text))
			where = append(where, fmt.Sprintf("%s:%d", filepath.Base(f), i+1))
			have = append(have, bs)
		}
	}
	if len(lines) == 0 {
		t.Fatal("no x86enc-encoded instruction in asm/*_amd64.s")
	}
	want := gnu(t, lines)
	for i := range lines {
		if !bytes.Equal(have[i], want[i]) {
			t.Errorf("%s: %s: BYTEs % x, GNU as % x", where[i], lines[i], have[i], want[i])
		}
	}
	t.Logf("%d encoded instructions checked against GNU as", len(lines))
}
