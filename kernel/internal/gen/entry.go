package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/simdcore/simdcore/kernel/internal/table"
)

// The assembly dispatch. A row whose template has an entry (bodyTemplate.entry)
// and whose every level on an architecture is one plain call with the row's
// arguments (no Expr, Call, AsmArgs or GenericCall) dispatches in
// assembly there, in dispatch_<arch>.s:
//
//   - <func>, the level switch, reads the active level and jumps to the
//     level's assembly, or to the generic Go function (through the ABI0
//     wrapper the compiler writes for a Go function that assembly in its
//     package names). The most capable level comes first and its jump
//     follows its comparison, so that on such a core the switch takes
//     one branch, the jump;
//   - <func>Entry checks what the template's Go checks would (equal
//     lengths, at most maxChunk elements, no partial overlap, not empty;
//     the overlap of two slices with one unsigned comparison, which takes
//     no branch when they are apart or the same) and then switches as <func> does (a copy of its code, which saves a
//     jump: 0.3-0.6 ns a call on Zen 3), or, if a check fails, jumps to
//     <func>Slow, the Go checks with their panics and the chunk loop;
//   - dispatch<Name>, the generated body that the exported function calls,
//     is its race annotations and one call of <func>Entry, small enough
//     that the compiler inlines it and the exported function into the
//     caller: a short call is one call, and the assembly's jumps.
//
// Each jump leaves the caller's arguments and return address where they
// are, so the implementation runs as if called directly. All three
// assembly functions are //go:noescape, which holds because no
// implementation, generic or assembly, keeps a pointer
// (TestDispatchTargetsDoNotLeak checks the Go ones).

// asmPkg is package asm's symbol prefix in assembly.
const asmPkg = "github·com∕simdcore∕simdcore∕asm·"

// hasEntry reports whether row k dispatches in assembly on a.
func hasEntry(k table.Kernel, a arch) bool {
	t, ok := bodies[k.Body]
	if !ok || t.entry == nil || !usesAsm(a) || k.AsmArgs != "" || k.GenericCall != "" ||
		publicSig(k) != k.Sig || paramNames(k.Sig) != k.Args {
		return false
	}
	cases, g := switchCases(k, a)
	for _, im := range append(cases, g) {
		if im.Expr != "" || im.Call != "" {
			return false
		}
	}
	return len(cases) > 0
}

// entryBody writes, for row k on a, the Go side of its assembly dispatch:
// the declarations of <func> and <func>Entry, dispatch<Name>, <func>Slow
// and <func>Chunks.
func entryBody(w *bytes.Buffer, k table.Kernel, a arch) {
	t := bodies[k.Body]
	r := strings.NewReplacer("NAME", k.Name, "FUNC", k.Func)
	f, s := k.Func, k.Sig
	fmt.Fprintf(w, "\n// %s is the level switch of the table row %s: %s. It is assembly\n", f, k.Name, k.Doc)
	fmt.Fprintf(w, "// (dispatch_%s.s) that jumps to the active level's implementation.\n//\n//go:noescape\nfunc %s%s\n", a.file, f, s)
	fmt.Fprintf(w, "\n// dispatch%s is the body of %s, which the compiler inlines into it: the\n", k.Name, k.Name)
	fmt.Fprintf(w, "// race annotations, then one call of %sEntry.\n", f)
	fmt.Fprintf(w, "func dispatch%s%s {\n", k.Name, s)
	if t.race != "" {
		fmt.Fprintf(w, "%s\n", r.Replace(t.race))
	}
	fmt.Fprintf(w, t.fast+"\n}\n", f+"Entry("+k.Args+")")
	fmt.Fprintf(w, "\n// %sEntry, in assembly (dispatch_%s.s), checks the arguments as\n", f, a.file)
	fmt.Fprintf(w, "// %sSlow does and for at most %s switches as %s does, or else\n", f, chunkOf(k), f)
	fmt.Fprintf(w, "// jumps to %sSlow.\n//\n//go:noescape\nfunc %sEntry%s\n", f, f, s)
	fmt.Fprintf(w, "\n// %sSlow is %s for the arguments %sEntry does not take: the checks,\n", f, k.Name, f)
	fmt.Fprintf(w, "// with their panics, and the chunks of long slices.\nfunc %sSlow%s {\n", f, s)
	if p := join(t.checks, t.long); p != "" {
		fmt.Fprintf(w, "%s\n", r.Replace(p))
	}
	fmt.Fprintf(w, t.fast+"\n}\n", f+"("+k.Args+")")
	chunksFunc(w, k, t, r)
}

// entryFile writes dispatch_<arch>.s: the level switch and the entry of
// every row that dispatches in assembly on a, or nil if none does.
func entryFile(a arch) *bytes.Buffer {
	w := &bytes.Buffer{}
	fmt.Fprintf(w, "%s//go:build %s\n\n#include \"textflag.h\"\n#include \"go_asm.h\"\n", header, a.build)
	fmt.Fprintf(w, "\n// The level switches and entries of the kernel table for %s, declared\n", a.goarch)
	fmt.Fprintf(w, "// in dispatch_%s.go (kernel/internal/gen/entry.go says how they work).\n", a.file)
	n := 0
	for _, k := range table.Kernels {
		if k.Func == "" || !hasEntry(k, a) {
			continue
		}
		n++
		entryAsm(w, k, a)
	}
	if n == 0 {
		return nil
	}
	return w
}

// slot is one parameter's place in an ABI0 argument frame.
type slot struct {
	name, typ string
	off       int
}

// frame lays out sig's arguments as Go's ABI0 does on a 64-bit
// architecture: each parameter at its alignment, the results from the
// next multiple of 8. It returns the parameters and the frame's size.
func frame(sig string) (map[string]slot, int) {
	sizes := map[string][2]int{ // size, alignment
		"[]float32": {24, 8}, "float32": {4, 4}, "int": {8, 8}, "int32": {4, 4}, "uint32": {4, 4}, "bool": {1, 1},
	}
	ft := funcType(sig)
	params, off := map[string]slot{}, 0
	place := func(typ string) int {
		sz, ok := sizes[typ]
		if !ok {
			panic(fmt.Sprintf("gen: no ABI0 layout for %s in %q", typ, sig))
		}
		off = (off + sz[1] - 1) &^ (sz[1] - 1)
		o := off
		off += sz[0]
		return o
	}
	for _, p := range ft.Params.List {
		typ := types(p.Type)
		for _, n := range p.Names {
			params[n.Name] = slot{n.Name, typ, place(typ)}
		}
	}
	if ft.Results != nil {
		off = (off + 7) &^ 7
		for _, r := range ft.Results.List {
			for range max(len(r.Names), 1) {
				place(types(r.Type))
			}
		}
	}
	return params, off
}

// slice returns the frame slot of the []float32 parameter name of row k.
func slice(k table.Kernel, params map[string]slot, name string) slot {
	p, ok := params[name]
	if !ok || p.typ != "[]float32" {
		panic(fmt.Sprintf("gen: %s's entry checks %s, which is not a []float32 parameter of %s", k.Name, name, k.Sig))
	}
	return p
}

func fpBase(p slot) string { return fmt.Sprintf("%s_base+%d(FP)", p.name, p.off) }
func fpLen(p slot) string  { return fmt.Sprintf("%s_len+%d(FP)", p.name, p.off+8) }

// isa is the instructions of the assembly dispatch on one architecture,
// as format strings. Go's CMP on amd64 compares its first operand with
// its second (CMPQ AX, BX; JA jumps if AX > BX), on arm64 its second with
// its first (CMP R1, R0; BHI branches if R0 > R1).
type isa struct {
	flags     string // the TEXT flags
	level     string // the active level into the level register
	notLevel  string // branch to not<2nd> unless the level is const_<1st>
	loadLen   string // a length (FP operand) into the length register
	cmpLen    string // branch to slow unless a length (FP operand) equals it
	nonempty  string // branch to slow if the length is 0
	chunk     string // branch to slow if the length is above maxChunk
	loadBases string // two slices' starts (FP operands) into p and q
	apart     string // with p, q and the length n: the same slice or 4n bytes apart, or branch to slow (%[1]d: the label's number)
}

var isas = map[string]isa{
	"amd64": {
		flags: "NOSPLIT", level: "\tMOVQ ·active(SB), AX\n", notLevel: "\tCMPQ AX, $const_%s\n\tJNE  not%s\n",
		loadLen: "\tMOVQ %s, AX\n", cmpLen: "\tCMPQ AX, %s\n\tJNE  slow\n",
		nonempty: "\tTESTQ AX, AX\n\tJEQ  slow\n", chunk: "\tCMPQ AX, $const_maxChunk\n\tJA   slow\n",
		loadBases: "\tMOVQ %s, BX\n\tMOVQ %s, CX\n",
		// d = p - q; apart unless -4n < d < 4n, that is unless
		// d + 4n - 1 < 8n - 1 unsigned (with n = 0 this sends every d ≠ 0
		// to slow, which takes empty slices anyway): no taken branch when
		// the slices are apart or the same.
		apart: "\tSUBQ CX, BX\n\tJEQ  apart%[1]d\n" +
			"\tLEAQ -1(BX)(AX*4), CX\n\tLEAQ -1(AX*8), DX\n" +
			"\tCMPQ CX, DX\n\tJB   slow\n\napart%[1]d:\n",
	},
	"arm64": {
		flags: "NOSPLIT|NOFRAME", level: "\tMOVD ·active(SB), R0\n", notLevel: "\tCMP  $const_%s, R0\n\tBNE  not%s\n",
		loadLen: "\tMOVD %s, R0\n", cmpLen: "\tMOVD %s, R1\n\tCMP  R1, R0\n\tBNE  slow\n",
		nonempty: "\tCBZ  R0, slow\n", chunk: "\tCMP  $const_maxChunk, R0\n\tBHI  slow\n",
		loadBases: "\tMOVD %s, R1\n\tMOVD %s, R2\n",
		apart: "\tCMP  R1, R2\n\tBEQ  apart%[1]d\n" +
			"\tADD  R0<<2, R2, R3\n\tCMP  R3, R1\n\tBHS  apart%[1]d\n" +
			"\tADD  R0<<2, R1, R3\n\tCMP  R3, R2\n\tBLO  slow\n\napart%[1]d:\n",
	},
}

// entryAsm writes row k's level switch and entry in a's assembly.
func entryAsm(w *bytes.Buffer, k table.Kernel, a arch) {
	in, ok := isas[a.goarch]
	if !ok {
		panic("gen: no assembly dispatch for " + a.goarch)
	}
	params, size := frame(k.Sig)
	cases, g := switchCases(k, a)
	levelSwitch := func() {
		// Most capable level first, its jump falling through its
		// comparison: one taken branch to the kernel at that level.
		fmt.Fprint(w, in.level)
		for _, im := range cases {
			fmt.Fprintf(w, in.notLevel, levelConst[im.Level], im.Level)
			fmt.Fprintf(w, "\tJMP  %s%s(SB) // %s\n\nnot%s:\n", asmPkg, im.Symbols[0], im.Name, im.Level)
		}
		fmt.Fprintf(w, "\tJMP  ·%s(SB) // %s\n", k.Generic, g.Name)
	}
	fmt.Fprintf(w, "\n// func %s%s\nTEXT ·%s(SB), %s, $0-%d\n", k.Func, k.Sig, k.Func, in.flags, size)
	levelSwitch()
	spec := bodies[k.Body].entry
	fmt.Fprintf(w, "\n// func %sEntry%s\nTEXT ·%sEntry(SB), %s, $0-%d\n", k.Func, k.Sig, k.Func, in.flags, size)
	fmt.Fprintf(w, in.loadLen, fpLen(slice(k, params, spec.lens[0])))
	for _, name := range spec.lens[1:] {
		fmt.Fprintf(w, in.cmpLen, fpLen(slice(k, params, name)))
	}
	if spec.nonempty {
		fmt.Fprint(w, in.nonempty)
	}
	fmt.Fprint(w, in.chunk)
	for i, pr := range spec.partial {
		p, q := slice(k, params, pr[0]), slice(k, params, pr[1])
		fmt.Fprintf(w, "\n\t// %s and %s: the same slice, or apart\n", p.name, q.name)
		fmt.Fprintf(w, in.loadBases, fpBase(p), fpBase(q))
		fmt.Fprintf(w, in.apart, i)
	}
	fmt.Fprintf(w, "\n\t// %s's switch again, saving a jump\n", k.Func)
	levelSwitch()
	fmt.Fprintf(w, "\nslow:\n\tJMP ·%sSlow(SB)\n", k.Func)
}

// entryTests writes, for the tests of the assembly dispatch on a,
// entryTargets (the Go functions its assembly jumps to, and those they
// call with the same slices, which must keep no pointer since the
// assembly is //go:noescape) and callOnStack (every public kernel that
// dispatches in assembly, called on arrays of its own frame).
func entryTests(w *bytes.Buffer, a arch) {
	fmt.Fprintf(w, "\n// entryTargets lists the Go functions that the assembly dispatch jumps\n")
	fmt.Fprintf(w, "// to, and the chunk loops they call: none may keep a pointer to its\n")
	fmt.Fprintf(w, "// arguments, since the assembly is declared //go:noescape.\n")
	fmt.Fprintf(w, "var entryTargets = []string{\n")
	for _, k := range table.Kernels {
		if k.Func == "" || !hasEntry(k, a) {
			continue
		}
		fmt.Fprintf(w, "%q, %q,", k.Generic, k.Func+"Slow")
		if bodies[k.Body].chunks != "" {
			fmt.Fprintf(w, " %q,", k.Func+"Chunks")
		}
		fmt.Fprintf(w, "\n")
	}
	fmt.Fprintf(w, "}\n")
	fmt.Fprintf(w, "\n// callOnStack calls every public kernel that dispatches in assembly on\n")
	fmt.Fprintf(w, "// arrays in its own frame, which escape analysis must leave there.\n")
	fmt.Fprintf(w, "func callOnStack() {\nvar x, y, dst [16]float32\n")
	for _, k := range table.Kernels {
		if k.Func == "" || !hasEntry(k, a) || k.Class == table.ClassInternal {
			continue
		}
		ft := funcType(k.Sig)
		var args []string
		vecs := []string{"x[:]", "y[:]"}
		for _, p := range ft.Params.List {
			typ := types(p.Type)
			for _, n := range p.Names {
				switch {
				case typ == "[]float32" && n.Name == "dst":
					args = append(args, "dst[:]")
				case typ == "[]float32":
					args = append(args, vecs[0])
					vecs = vecs[1:]
				case typ == "float32":
					args = append(args, "1")
				default:
					panic(fmt.Sprintf("gen: no stack operand of type %s in %s", typ, k.Name))
				}
			}
		}
		call := k.Name + "(" + strings.Join(args, ", ") + ")"
		switch {
		case ft.Results == nil:
		case types(ft.Results.List[0].Type) == "float32":
			call = "sinkF32 += " + call
		case types(ft.Results.List[0].Type) == "int":
			call = "sinkInt += " + call
		default:
			panic("gen: no sink for " + k.Name)
		}
		fmt.Fprintf(w, "%s\n", call)
	}
	fmt.Fprintf(w, "}\n")
}
