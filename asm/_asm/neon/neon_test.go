package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	r := regs{"x": 0, "t1": 3, "k_one": 17}
	for _, c := range []struct{ ins, goSyntax, arm string }{
		// Go's own mnemonics list the operands in reverse.
		{"fmla {t1}.4s, {x}.4s, {k_one}.4s", "VFMLA V17.S4, V0.S4, V3.S4", "fmla v3.4s, v0.4s, v17.4s"},
		{"bit {t1}.16b, {x}.16b, {k_one}.16b", "VBIT V17.B16, V0.B16, V3.B16", "bit v3.16b, v0.16b, v17.16b"},
		{"mov {t1}.16b, {k_one}.16b", "VMOV V17.B16, V3.B16", "mov v3.16b, v17.16b"},
		{"shl {t1}.4s, {t1}.4s, #23", "VSHL $23, V3.S4, V3.S4", "shl v3.4s, v3.4s, #23"},
		// The others become WORDs, encoded here.
		{"fadd {x}.4s, {x}.4s, {x}.4s", "WORD $0x4e20d400", "fadd v0.4s, v0.4s, v0.4s"},
		{"fmla {t1}.4s, {x}.4s, v2.s[3]", "WORD $0x4fa21803", "fmla v3.4s, v0.4s, v2.s[3]"},
		{"faddp s1, v1.2s", "WORD $0x7e30d821", "faddp s1, v1.2s"},
	} {
		g, arm := render(c.ins, r)
		if g != c.goSyntax || arm != c.arm {
			t.Errorf("render(%q) = %q, %q; want %q, %q", c.ins, g, arm, c.goSyntax, c.arm)
		}
	}
}

func TestRenderRejects(t *testing.T) {
	for _, ins := range []string{"fadd {x}.4s, {x}.4s, {nope}.4s", "frob v0.4s, v1.4s, v2.4s", "mov v0.2d, v1.2d"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("render(%q) did not fail", ins)
				}
			}()
			render(ins, regs{"x": 0})
		}()
	}
}

func TestReadConsts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.go")
	src := "package p\n\nconst (\n\ta = 0x1.8p1\n\tb = -40\n\tc = 0.1\n\td, e = 1, 2\n\th = (0x1p1 + 1) / 4\n\ti = -0x1.8p1 / 4\n)\n\nconst f = \"x\"\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := readConsts(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{"a": 0x40400000, "b": 0xc2200000, "d": 0x3f800000, "e": 0x40000000, "h": 0x3f400000, "i": 0xbf400000} {
		if got, err := c.bits(name); err != nil || got != want {
			t.Errorf("bits(%s) = %#08x, %v; want %#08x", name, got, err, want)
		}
	}
	if _, err := c.bits("c"); err == nil || !strings.Contains(err.Error(), "not a float32") {
		t.Errorf("bits(c) with c = 0.1: err = %v, want not a float32", err)
	}
	for _, name := range []string{"f", "g"} {
		if _, err := c.bits(name); err == nil {
			t.Errorf("bits(%s): no error", name)
		}
	}
}

// TestCommitted checks that the files in package asm are what the
// generator writes from today's constants.
func TestCommitted(t *testing.T) {
	c, err := kernelConsts("../../../kernel")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outputs {
		want, err := generate(o, c)
		if err != nil {
			t.Fatalf("%s: %v", o.name(), err)
		}
		got, err := os.ReadFile(filepath.Join("../..", o.name()))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s differs from the generator's output: run go generate ./asm", o.name())
		}
		if !strings.Contains(want, "TEXT ·"+o.symbol+"(SB)") {
			t.Errorf("%s does not define %s", o.name(), o.symbol)
		}
	}
}

// TestEveryFileGenerated checks that every arm64 assembly file of package
// asm is one this generator writes: none is left to be edited by hand.
func TestEveryFileGenerated(t *testing.T) {
	listed := map[string]bool{}
	for _, o := range outputs {
		listed[o.name()] = true
	}
	committed, err := filepath.Glob("../../*_arm64.s")
	if err != nil || len(committed) == 0 {
		t.Fatalf("no arm64 assembly found in package asm (err %v)", err)
	}
	for _, path := range committed {
		if name := filepath.Base(path); !listed[name] {
			t.Errorf("%s is not written by the generator", name)
		}
	}
}
