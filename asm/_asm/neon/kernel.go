package main

import (
	"fmt"
	"strings"
)

// kind says what a kernel computes from its input.
type kind int

const (
	mapKind    kind = iota // dst[i] = f(src[i])
	expSumKind             // the same, returning the sum of the results
	sumKind                // returns the sum of f(x[i]), storing nothing
)

// vconst is one constant a kernel keeps in all four lanes of a register,
// named {k_name} in its templates: either a constant of package kernel
// (from) or the float32 bits given.
type vconst struct {
	name string
	from string
	bits uint32
}

// value returns the constant's float32 bits.
func (c vconst) value(t constTable) uint32 {
	if c.from == "" {
		return c.bits
	}
	b, err := t.bits(c.from)
	if err != nil {
		panic(err)
	}
	return b
}

// tailFill is what the unused lanes of the last 1..3 elements hold.
type tailFill struct {
	bits uint32
	why  string
}

// kernel is an elementwise NEON kernel written once as instruction
// templates over symbolic registers: {x} is the vector mapped in place,
// {t0}..{t<nregs-1>} its temporaries, {k_<name>} the constants and the
// extra float32 arguments (broadcast), {acc} the lane sums. The main loop
// interleaves unroll copies; whole vectors after it and the 1..3-element
// tail, loaded and stored lane by lane so that memory past the slices is
// never touched, take one copy.
type kernel struct {
	name   string
	doc    []string
	consts []vconst
	body   []string
	nregs  int
	kind   kind
	args   []string
	unroll int
	// tail, if set, fills the tail's unused lanes; else they are zeros.
	tail *tailFill
	// pre runs first on every path; fast, if set, replaces body in
	// main-loop iterations whose inputs (after pre) all have |x| ≤ 87,
	// where 2^n is a normal number and needs no clamp or two-step scale.
	// Its bound is the last constant, {k_fast}.
	pre, fast []string
}

// emit writes the kernel's constants, its doc comment and its TEXT block.
func (k *kernel) emit(t *text, c constTable) {
	u := k.unroll
	streams := make([]regs, u)
	for i := range streams {
		streams[i] = regs{"x": i}
	}
	n := u
	for _, s := range streams {
		for i := 0; i < k.nregs; i++ {
			s[fmt.Sprintf("t%d", i)] = n
			n++
		}
	}
	shared := regs{}
	kfirst := n
	for _, v := range k.consts {
		shared["k_"+v.name] = n
		n++
	}
	klast := n - 1
	for _, a := range k.args {
		shared["k_"+a] = n
		n++
	}
	if k.kind != mapKind {
		shared["acc"] = n
		n++
	}
	if n > 32 {
		panic(fmt.Sprintf("%s: needs %d registers", k.name, n))
	}
	for i := range streams {
		streams[i] = streams[i].with(shared)
	}

	// code writes pre (if asked), body and (if asked, for the summing
	// kinds) the accumulation of x into the lane sums.
	code := func(sets []regs, body []string, pre, acc bool) {
		if pre {
			t.code(sets, k.pre)
		}
		t.code(sets, body)
		if k.kind != mapKind && acc {
			t.code(sets, []string{"fadd {acc}.4s, {acc}.4s, {x}.4s"})
		}
	}

	sym := lowerFirst(k.name) + "NEONConsts"
	t.w("")
	for _, line := range k.doc {
		t.w(strings.TrimSuffix("// "+line, " "))
	}
	if len(k.consts) > 0 {
		t.w("")
		t.f("// %s's constants, each in all four lanes, loaded into V%d..V%d in this order.", k.name, kfirst, klast)
		dataTable(t, sym, k.consts, c)
	}
	t.w("")

	// Signature and frame.
	var extra strings.Builder
	for _, a := range k.args {
		fmt.Fprintf(&extra, ", %s float32", a)
	}
	off := 48
	switch k.kind {
	case sumKind:
		off = 24
		t.f("// func %sNEON(x []float32%s) float32", k.name, extra.String())
	case expSumKind:
		t.f("// func %sNEON(dst, src []float32%s) float32", k.name, extra.String())
	default:
		t.f("// func %sNEON(dst, src []float32%s)", k.name, extra.String())
	}
	argoff := map[string]int{}
	for _, a := range k.args {
		argoff[a] = off
		off += 4
	}
	retoff := 0
	if k.kind != mapKind {
		off = (off + 7) / 8 * 8
		retoff = off
		off += 4
	}
	t.f("TEXT ·%sNEON(SB), NOSPLIT, $0-%d", k.name, off)
	if k.kind == sumKind {
		t.w("\tMOVD x_base+0(FP), SRC")
		t.w("\tMOVD x_len+8(FP), N")
	} else {
		t.w("\tMOVD dst_base+0(FP), DST")
		t.w("\tMOVD src_base+24(FP), SRC")
		t.w("\tMOVD src_len+32(FP), N")
	}
	if len(k.consts) > 0 {
		t.f("\tMOVD $%s<>(SB), TAB", sym)
		loadTable(t, kfirst, klast)
	}
	for _, a := range k.args {
		r := shared["k_"+a]
		t.f("\tFMOVS %s+%d(FP), F%d", a, argoff[a], r)
		t.f("\tVDUP  V%d.S[0], V%d.S4 // %s in every lane", r, r, a)
	}
	if k.kind != mapKind {
		r := shared["acc"]
		t.f("\tVEOR  V%d.B16, V%d.B16, V%d.B16 // the sums, one per lane", r, r, r)
	}
	xs := vecList(0, u)
	t.w("")
	t.f("\t// Main loop: %d elements per iteration, as %d interleaved vectors.", 4*u, u)
	t.f("\t// N is kept %d below the true count so SUBS sets the flag.", 4*u)
	t.f("\tSUBS $%d, N", 4*u)
	t.w("\tBLT  vectors")
	t.w("")
	t.w("loop:")
	t.f("\tVLD1.P %d(SRC), [%s]", 16*u, xs)
	// next ends a main-loop iteration: the stores, then the next one.
	next := func() {
		if k.kind != sumKind {
			t.f("\tVST1.P [%s], %d(DST)", xs, 16*u)
		}
		t.f("\tSUBS   $%d, N", 4*u)
		t.w("\tBGE    loop")
	}
	if k.fast == nil {
		code(streams, k.body, true, true)
	} else {
		code(streams, nil, true, false)
		a := streams[0]
		t.w("\t// Any |x| > 87? Then take the general path; otherwise 2^n is normal.")
		t.w("\t// Each vector is compared on its own: combining them first (FMAX,")
		t.w("\t// FMAXNM) would let a NaN, signalling ones in particular, hide a")
		t.w("\t// large value in the same lane of another. NaN lanes compare false")
		t.w("\t// and are right on either path.")
		for i, s := range streams {
			t.ins(fmt.Sprintf("fabs v%d.4s, v%d.4s", a[fmt.Sprintf("t%d", i)], s["x"]), a)
		}
		for i := 0; i < u; i++ {
			t.ins(fmt.Sprintf("fcmgt {t%d}.4s, {t%d}.4s, {k_fast}.4s", i, i), a)
		}
		for i := 1; i < u; i++ {
			t.ins(fmt.Sprintf("orr {t0}.16b, {t0}.16b, {t%d}.16b", i), a)
		}
		t.ins(fmt.Sprintf("umaxv s%d, {t0}.4s", a["t0"]), a)
		t.f("\tFMOVS  F%d, R5", a["t0"])
		t.w("\tCBNZ   R5, slow")
		code(streams, k.fast, false, true)
	}
	next()
	if k.fast != nil {
		t.w("\tB      vectors")
		t.w("")
		t.w("\t// Some |x| > 87: the general path, as for the last elements.")
		t.w("slow:")
		code(streams, k.body, false, true)
		next()
	}
	t.w("")
	t.w("vectors:")
	t.f("\tADD $%d, N", 4*u)
	t.w("")
	t.w("\t// Whole vectors left, four elements at a time.")
	t.w("vector:")
	t.w("\tCMP    $4, N")
	t.w("\tBLT    tail")
	t.w("\tVLD1.P 16(SRC), [V0.S4]")
	code(streams[:1], k.body, true, true)
	if k.kind != sumKind {
		t.w("\tVST1.P [V0.S4], 16(DST)")
	}
	t.w("\tSUB    $4, N")
	t.w("\tB      vector")
	t.w("")
	t.w("\t// 1..3 elements: loaded and stored lane by lane, never touching")
	if k.tail == nil {
		t.w("\t// memory past the slices; the unused lanes compute on zeros.")
	} else {
		t.f("\t// memory past the slices; the unused lanes hold %s.", k.tail.why)
	}
	t.w("tail:")
	t.w("\tCBZ    N, done")
	if k.tail == nil {
		t.w("\tVEOR   V0.B16, V0.B16, V0.B16")
	} else {
		t.f("\tMOVW   $0x%08x, R4", k.tail.bits)
		t.w("\tVDUP   R4, V0.S4")
	}
	laneByLane(t, "\tVLD1.P 4(SRC), V0.S[%d]", "\tVLD1   (SRC), V0.S[2]", "tailcompute")
	t.w("")
	t.w("tailcompute:")
	code(streams[:1], k.body, true, true)
	if k.kind != sumKind {
		laneByLane(t, "\tVST1.P V0.S[%d], 4(DST)", "\tVST1   V0.S[2], (DST)", "done")
	}
	t.w("")
	t.w("done:")
	if k.kind != mapKind {
		r := regs{"acc": shared["acc"]}
		t.w("\t// (s0 + s1) + (s2 + s3), as the pure-Go kernels add their four sums.")
		word := func(ins string) {
			g, arm := render(ins, r)
			t.f("\tWORD  %s // %s", strings.TrimPrefix(g, "WORD "), arm)
		}
		word("faddp {acc}.4s, {acc}.4s, {acc}.4s")
		word(fmt.Sprintf("faddp s%d, {acc}.2s", r["acc"]))
		t.f("\tFMOVS F%d, ret+%d(FP)", r["acc"], retoff)
	}
	t.w("\tRET")
}

// laneByLane writes the moves of the 1..3 elements of a tail, N of them,
// between memory and lanes 0, 1 and 2 of V0: post is lane k's move with
// a post-increment (a format taking k), last lane 2's, and the moves stop
// at label once N are done.
func laneByLane(t *text, post, last, label string) {
	for lane := 0; lane < 2; lane++ {
		t.f(post, lane)
		t.f("\tCMP    $%d, N", lane+2)
		t.f("\tBLT    %s", label)
	}
	t.w(last)
}

// dataTable writes the DATA lines of sym: each constant four times, one
// per lane, named in a comment on its first lane.
func dataTable(t *text, sym string, consts []vconst, c constTable) {
	off := 0
	for _, v := range consts {
		bits := v.value(c)
		for lane := 0; lane < 4; lane++ {
			note := ""
			if lane == 0 {
				note = " // " + v.name
			}
			t.f("DATA %s<>+%d(SB)/4, $0x%08x%s", sym, off, bits, note)
			off += 4
		}
	}
	t.f("GLOBL %s<>(SB), RODATA|NOPTR, $%d", sym, off)
}

// loadTable loads the constant table at TAB into Vfirst..Vlast, four
// registers per VLD1.
func loadTable(t *text, first, last int) {
	for r := first; r <= last; r += 4 {
		cnt := min(4, last+1-r)
		t.f("\tVLD1.P %d(TAB), [%s]", 16*cnt, vecList(r, cnt))
	}
}

// vecList returns "Vfirst.S4, ..." for n consecutive registers.
func vecList(first, n int) string {
	var s []string
	for i := first; i < first+n; i++ {
		s = append(s, fmt.Sprintf("V%d.S4", i))
	}
	return strings.Join(s, ", ")
}

// lowerFirst lowers a name's leading capital, or its leading acronym:
// Exp → exp, GELUTanh → geluTanh, GELU → gelu.
func lowerFirst(name string) string {
	n := 0
	for n < len(name) && name[n] >= 'A' && name[n] <= 'Z' {
		n++
	}
	if n > 1 && n < len(name) {
		n-- // the last capital starts the next word
	}
	return strings.ToLower(name[:n]) + name[n:]
}
