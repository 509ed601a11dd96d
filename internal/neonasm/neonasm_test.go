package neonasm

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

// Known encodings, taken from the Arm Architecture Reference Manual's
// examples and from GNU as (aarch64-linux-gnu-as) output.
var known = []struct {
	text string
	word uint32
}{
	{"fadd v0.4s, v0.4s, v0.4s", 0x4e20d400},
	{"fadd v1.4s, v2.4s, v3.4s", 0x4e23d441},
	{"fmul v0.4s, v1.4s, v2.4s", 0x6e22dc20},
	{"fmax v0.4s, v0.4s, v1.4s", 0x4e21f400},
	{"fmin v0.4s, v0.4s, v1.4s", 0x4ea1f400},
	{"fdiv v0.4s, v1.4s, v2.4s", 0x6e22fc20},
	{"fcmgt v0.4s, v1.4s, v2.4s", 0x6ea2e420},
	{"fcmeq v0.4s, v1.4s, v2.4s", 0x4e22e420},
	{"fcvtzs v0.4s, v1.4s", 0x4ea1b820},
	{"scvtf v0.4s, v1.4s", 0x4e21d820},
	{"frintn v0.4s, v1.4s", 0x4e218820},
	{"fmaxv s0, v1.4s", 0x6e30f820},
	{"uminv s0, v1.4s", 0x6eb1a820},
	{"faddp s0, v1.2s", 0x7e30d820},
	{"shl v0.4s, v1.4s, #23", 0x4f375420},
	{"fmla v0.4s, v1.4s, v2.s[0]", 0x4f821020},
	{"fmla v0.4s, v1.4s, v2.s[3]", 0x4fa21820},
	{"not v0.16b, v1.16b", 0x6e205820},
	{"bit v0.16b, v1.16b, v2.16b", 0x6ea21c20},
	{"cmhi v0.4s, v1.4s, v2.4s", 0x6ea23420},
	{"fcmeq v0.4s, v1.4s, #0.0", 0x4ea0d820},
	{"sdot v0.4s, v1.16b, v2.16b", 0x4e829420},
	{"smull v3.8h, v4.8b, v5.8b", 0x0e25c083},
	{"smlal2 v3.8h, v4.16b, v5.16b", 0x4e258083},
	{"sadalp v0.4s, v3.8h", 0x4e606860},
	{"sqxtn v0.4h, v1.4s", 0x0e614820},
	{"sqxtn2 v0.16b, v1.8h", 0x4e214820},
}

func TestKnown(t *testing.T) {
	for _, k := range known {
		got, err := Encode(k.text)
		if err != nil {
			t.Errorf("%s: %v", k.text, err)
			continue
		}
		if got != k.word {
			t.Errorf("%s: got %#08x want %#08x", k.text, got, k.word)
		}
	}
	for _, bad := range []string{"fadd v0.4s, v1.4s", "frob v0.4s, v1.4s, v2.4s", "fadd v32.4s, v0.4s, v0.4s", "shl v0.4s, v1.4s, #32", "fmla v0.4s, v1.4s, v2.s[4]"} {
		if _, err := Encode(bad); err == nil {
			t.Errorf("%s: encoded, want an error", bad)
		}
	}
}

func TestWord(t *testing.T) {
	for _, k := range known {
		got, err := Word(k.text)
		if want := fmt.Sprintf("WORD $0x%08x", k.word); err != nil || got != want {
			t.Errorf("Word(%q) = %q, %v; want %q", k.text, got, err, want)
		}
	}
	if w, err := Word("frob v0.4s, v1.4s, v2.4s"); err == nil {
		t.Errorf("Word of an unknown instruction = %q, want an error", w)
	}
}

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$(0x[0-9a-fA-F]+)\s*//\s*(.*?)\s*$`)

// words returns every WORD line of the arm64 assembly files in asm/.
func words(t *testing.T) (lines []string, vals []uint32, texts []string) {
	t.Helper()
	files, err := filepath.Glob("../../asm/*_arm64.s")
	probes, _ := filepath.Glob("../machbound/*_arm64.s") // the int8 MAC probes
	files = append(files, probes...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for ln := 1; sc.Scan(); ln++ {
			line := sc.Text()
			if !strings.Contains(line, "WORD") {
				continue
			}
			m := wordLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s:%d: WORD without an instruction comment: %s", f, ln, line)
				continue
			}
			v, err := strconv.ParseUint(m[1], 0, 32)
			if err != nil {
				t.Errorf("%s:%d: %v", f, ln, err)
				continue
			}
			lines = append(lines, fmt.Sprintf("%s:%d", filepath.Base(f), ln))
			vals = append(vals, uint32(v))
			texts = append(texts, m[2])
		}
	}
	return lines, vals, texts
}

// TestAsmWords checks that every WORD in the arm64 assembly encodes the
// instruction its comment names.
func TestAsmWords(t *testing.T) {
	lines, vals, texts := words(t)
	for i := range lines {
		want, err := Encode(texts[i])
		if err != nil {
			t.Errorf("%s: %v", lines[i], err)
			continue
		}
		if vals[i] != want {
			t.Errorf("%s: WORD $%#08x but %q encodes as %#08x", lines[i], vals[i], texts[i], want)
		}
	}
	t.Logf("%d WORD lines checked", len(lines))
}

// TestAgainstGNUAs assembles every WORD comment with GNU as, where
// binutils-aarch64-linux-gnu is installed, and compares.
func TestAgainstGNUAs(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		skipOrFail(t, "aarch64-linux-gnu-as not installed")
	}
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		skipOrFail(t, "aarch64-linux-gnu-objdump not installed")
	}
	lines, vals, texts := words(t)
	for _, k := range known {
		lines, vals, texts = append(lines, "known"), append(vals, k.word), append(texts, k.text)
	}
	// Every form the encoder supports, with distinct registers.
	for _, s := range everyForm() {
		w, err := Encode(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		lines, vals, texts = append(lines, "form"), append(vals, w), append(texts, s)
	}
	dir := t.TempDir()
	var src strings.Builder
	for _, s := range texts {
		src.WriteString(s + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "w.s"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-march=armv8.2-a+dotprod", "-o", filepath.Join(dir, "w.o"), filepath.Join(dir, "w.s")).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", filepath.Join(dir, "w.o")).Output()
	if err != nil {
		t.Fatal(err)
	}
	insn := regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s`)
	var got []uint32
	for _, l := range strings.Split(string(out), "\n") {
		if m := insn.FindStringSubmatch(l); m != nil {
			v, _ := strconv.ParseUint(m[1], 16, 32)
			got = append(got, uint32(v))
		}
	}
	if len(got) != len(vals) {
		t.Fatalf("objdump shows %d instructions, want %d", len(got), len(vals))
	}
	for i := range vals {
		if got[i] != vals[i] {
			t.Errorf("%s: WORD $%#08x but GNU as encodes %q as %#08x", lines[i], vals[i], texts[i], got[i])
		}
	}
	t.Logf("%d encodings agree with GNU as", len(vals))
}

// everyForm returns one instruction of every form the tables hold.
func everyForm() []string {
	var out []string
	for mn := range threeSameFP {
		out = append(out, mn+" v1.4s, v12.4s, v23.4s")
	}
	for mn := range threeSameInt {
		out = append(out, mn+" v31.4s, v2.4s, v17.4s")
	}
	for form := range integerDot {
		mn, arrs, _ := strings.Cut(form, " ")
		var ops []string
		for i, a := range strings.Split(arrs, ",") {
			ops = append(ops, fmt.Sprintf("v%d.%s", []int{30, 7, 19}[i], a))
		}
		out = append(out, mn+" "+strings.Join(ops, ", "))
	}
	for mn := range logical {
		out = append(out, mn+" v5.16b, v30.16b, v9.16b")
	}
	for mn := range twoRegFP {
		out = append(out, mn+" v7.4s, v28.4s")
	}
	for mn := range compareZero {
		out = append(out, mn+" v3.4s, v19.4s, #0.0")
	}
	for mn, e := range twoRegInt {
		out = append(out, fmt.Sprintf("%s v4.%s, v21.%s", mn, e.arrange, e.arrange))
	}
	for mn := range acrossLanes {
		out = append(out, mn+" s6, v25.4s")
	}
	out = append(out, "faddp s9, v26.2s")
	for mn, s := range shifts {
		for _, n := range []int{1, 7, 23, 31} {
			out = append(out, fmt.Sprintf("%s v8.4s, v27.4s, #%d", mn, n))
		}
		if s.right {
			out = append(out, mn+" v8.4s, v27.4s, #32")
		} else {
			out = append(out, mn+" v8.4s, v27.4s, #0")
		}
	}
	for mn := range byElement {
		for i := 0; i < 4; i++ {
			out = append(out, fmt.Sprintf("%s v10.4s, v29.4s, v%d.s[%d]", mn, 13+5*i, i))
		}
	}
	return out
}

// armComment matches a trailing comment that is itself an instruction in
// Arm syntax ("// fmla v4.4s, v3.4s, v14.4s"), as the generated files put
// beside the instructions Go's assembler spells its own way.
var armComment = regexp.MustCompile(`^\s*([A-Z][A-Z0-9.]*)\s.*//\s*([a-z][a-z0-9]*\s+[vs]\d.*?)\s*$`)

// TestGoSyntaxAgainstComments assembles each arm64 file with go tool asm,
// and checks that every Go-syntax instruction with an Arm-syntax comment
// disassembles (with GNU objdump) to that comment, which pins down Go's
// reversed operand orders (VSUB, VBIT, VFMLA, ...).
func TestGoSyntaxAgainstComments(t *testing.T) {
	as, err1 := exec.LookPath("aarch64-linux-gnu-as")
	objdump, err2 := exec.LookPath("aarch64-linux-gnu-objdump")
	if err1 != nil || err2 != nil {
		skipOrFail(t, "binutils-aarch64-linux-gnu not installed")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../asm/*_arm64.s")
	dir := t.TempDir()
	type want struct {
		where, go_, arm string
		word            uint32
	}
	var checks []want
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		comments := map[int][2]string{}
		for i, l := range strings.Split(string(src), "\n") {
			if m := armComment.FindStringSubmatch(l); m != nil && m[1] != "WORD" {
				comments[i+1] = [2]string{m[1], m[2]}
			}
		}
		if len(comments) == 0 {
			continue
		}
		obj := filepath.Join(dir, filepath.Base(f)+".o")
		cmd := exec.Command("go", "tool", "asm", "-I", filepath.Join(strings.TrimSpace(string(goroot)), "pkg", "include"),
			"-p", "github.com/simdcore/simdcore/asm", "-o", obj, f)
		cmd.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go tool asm %s: %v\n%s", f, err, out)
		}
		out, err := exec.Command("go", "tool", "objdump", obj).Output()
		if err != nil {
			t.Fatal(err)
		}
		line := regexp.MustCompile(`^\s*\S+\.s:(\d+)\s+0x[0-9a-f]+\s+([0-9a-f]{8})\s`)
		seen := map[int]bool{}
		for _, l := range strings.Split(string(out), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			n, _ := strconv.Atoi(m[1])
			c, ok := comments[n]
			if !ok || seen[n] {
				continue
			}
			seen[n] = true
			w, _ := strconv.ParseUint(m[2], 16, 32)
			checks = append(checks, want{fmt.Sprintf("%s:%d", filepath.Base(f), n), c[0], c[1], uint32(w)})
		}
		if len(seen) != len(comments) {
			t.Errorf("%s: found %d of %d commented instructions in the object", f, len(seen), len(comments))
		}
	}
	if len(checks) == 0 {
		t.Skip("no Go-syntax instructions with Arm comments")
	}
	var src strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&src, ".inst 0x%08x\n", c.word)
	}
	if err := os.WriteFile(filepath.Join(dir, "n.s"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-o", filepath.Join(dir, "n.o"), filepath.Join(dir, "n.s")).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", filepath.Join(dir, "n.o")).Output()
	if err != nil {
		t.Fatal(err)
	}
	insn := regexp.MustCompile(`^\s*[0-9a-f]+:\s+[0-9a-f]{8}\s+(.*?)\s*$`)
	var dis []string
	for _, l := range strings.Split(string(out), "\n") {
		if m := insn.FindStringSubmatch(l); m != nil {
			dis = append(dis, strings.Join(strings.Fields(m[1]), " "))
		}
	}
	if len(dis) != len(checks) {
		t.Fatalf("objdump shows %d instructions, want %d", len(dis), len(checks))
	}
	for i, c := range checks {
		if strings.Join(strings.Fields(c.arm), " ") != dis[i] {
			t.Errorf("%s: %s assembles to %q, but the comment says %q", c.where, c.go_, dis[i], c.arm)
		}
	}
	t.Logf("%d Go-syntax instructions agree with their Arm comments", len(checks))
}

// skipOrFail skips a test that needs GNU binutils for arm64, unless
// SIMDCORE_REQUIRE_BINUTILS is set (as CI does), when it fails instead.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("SIMDCORE_REQUIRE_BINUTILS") != "" {
		t.Fatal(why + " (SIMDCORE_REQUIRE_BINUTILS is set)")
	}
	t.Skip(why)
}
