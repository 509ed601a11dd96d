package main

import (
	"fmt"
	"strings"
)

// The recurrent cells' pointwise step (kernel.LSTMCell, kernel.GRUCell)
// on NEON: each activation is the SigmoidNEON or TanhNEON template for one
// vector (their general path, which rounds as their fast path does), so
// the activated gates are those kernels' results to the bit, and the
// cell's own arithmetic is the float32 order kernel/cell.go states, with
// FMLA for its fused multiply-adds. One vector (four units) per
// iteration; the last 1..3 units loaded and stored lane by lane, so no
// memory past the slices is touched.
//
// Registers: the slices' bases in R0..R7 (in signature order), N (R8)
// the units left, TAB (R9) the constant table, R10 a tail pointer; x is
// V0, the temporaries {t0}..{t7} V1..V8, and the 22 constants of both
// activations V9..V30.

// cellConsts are the constants of sigmoidK's and tanhK's bodies.
var cellConsts = catConsts([]vconst{sign, named("min", "expMin")}, reduceConsts, expPoly,
	[]vconst{one, bias, named("clamp", "tanhClamp"),
		named("m7", "expm1C7"), named("m6", "expm1C6"), named("m5", "expm1C5"),
		named("m4", "expm1C4"), named("m3", "expm1C3"), named("m2", "expm1C2"),
		named("tiny", "tanhTiny")})

// cellK is one cell kernel: its slice parameters, in signature order, and
// the computation of one vector.
type cellK struct {
	name   string
	params []string
	doc    []string
	body   func(e *cellEmit)
}

// cellEmit writes a cell's body in the main loop (whole vectors) or in
// the tail (lane by lane).
type cellEmit struct {
	t      *text
	r      regs
	slot   map[string]int // parameter → base register number
	tail   bool
	labels int
}

// code writes instruction templates.
func (e *cellEmit) code(body ...string) { e.t.code([]regs{e.r}, body) }

// sigmoid and tanh map {x} in place as SigmoidNEON and TanhNEON do.
func (e *cellEmit) sigmoid() { e.code(sigmoidK.body...) }
func (e *cellEmit) tanh()    { e.code(tanhK.body...) }

// lanes writes the lane-by-lane moves of the tail: move(k) is lane k's
// (with a post-increment of R10 for k < 2).
func (e *cellEmit) lanes(base int, move func(lane int) string) {
	e.labels++
	label := fmt.Sprintf("lanes%d", e.labels)
	e.t.f("\tMOVD   R%d, R10", base)
	for lane := 0; lane < 2; lane++ {
		e.t.w(move(lane))
		e.t.f("\tCMP    $%d, N", lane+2)
		e.t.f("\tBLT    %s", label)
	}
	e.t.w(move(2))
	e.t.w(label + ":")
}

// load sets register reg (a template name: x, t0, ...) to the vector of
// parameter p.
func (e *cellEmit) load(p, reg string) {
	v, b := e.r[reg], e.slot[p]
	if !e.tail {
		e.t.f("\tVLD1   (R%d), [V%d.S4] // %s", b, v, p)
		return
	}
	e.t.f("\tVEOR   V%d.B16, V%d.B16, V%d.B16 // %s, lane by lane", v, v, v, p)
	e.lanes(b, func(lane int) string {
		if lane == 2 {
			return fmt.Sprintf("\tVLD1   (R10), V%d.S[2]", v)
		}
		return fmt.Sprintf("\tVLD1.P 4(R10), V%d.S[%d]", v, lane)
	})
}

// store writes register reg to parameter p's vector.
func (e *cellEmit) store(reg, p string) {
	v, b := e.r[reg], e.slot[p]
	if !e.tail {
		e.t.f("\tVST1   [V%d.S4], (R%d) // %s", v, b, p)
		return
	}
	e.t.f("\t// %s, lane by lane", p)
	e.lanes(b, func(lane int) string {
		if lane == 2 {
			return fmt.Sprintf("\tVST1   V%d.S[2], (R10)", v)
		}
		return fmt.Sprintf("\tVST1.P V%d.S[%d], 4(R10)", v, lane)
	})
}

// emit writes the kernel's constants, doc comment and TEXT block.
func (k cellK) emit(t *text, c constTable) {
	t.w("")
	t.f("// %s requires ARMv8-A Advanced SIMD only (every arm64 CPU).", k.name+"NEON")
	t.w("")
	t.w(`#include "textflag.h"`)
	t.w("")
	t.w("#define N   R8 // units left")
	t.w("#define TAB R9 // the constant table")
	r := regs{"x": 0}
	for i := 0; i < 8; i++ {
		r[fmt.Sprintf("t%d", i)] = 1 + i
	}
	const first = 9
	for i, v := range cellConsts {
		r["k_"+v.name] = first + i
	}
	last := first + len(cellConsts) - 1
	sym := lowerFirst(k.name) + "NEONConsts"
	t.w("")
	for _, line := range k.doc {
		t.w(strings.TrimSuffix("// "+line, " "))
	}
	t.w("")
	t.f("// The constants of Sigmoid and Tanh, each in all four lanes, loaded into V%d..V%d in this order.", first, last)
	dataTable(t, sym, cellConsts, c)
	t.w("")
	t.f("// func %sNEON(%s []float32)", k.name, strings.Join(k.params, ", "))
	t.f("TEXT ·%sNEON(SB), NOSPLIT, $0-%d", k.name, 24*len(k.params))
	slot := map[string]int{}
	for i, p := range k.params {
		slot[p] = i
		t.f("\tMOVD %s_base+%d(FP), R%d", p, 24*i, i)
	}
	t.f("\tMOVD %s_len+8(FP), N", k.params[0])
	t.f("\tMOVD $%s<>(SB), TAB", sym)
	loadTable(t, first, last)
	t.w("")
	t.w("\t// One vector (four units) per iteration.")
	t.w("loop:")
	t.w("\tCMP    $4, N")
	t.w("\tBLT    tail")
	k.body(&cellEmit{t: t, r: r, slot: slot})
	for i := range k.params {
		t.f("\tADD    $16, R%d", i)
	}
	t.w("\tSUB    $4, N")
	t.w("\tB      loop")
	t.w("")
	t.w("\t// 1..3 units, lane by lane; the unused lanes compute on zeros.")
	t.w("tail:")
	t.w("\tCBZ    N, done")
	k.body(&cellEmit{t: t, r: r, slot: slot, tail: true})
	t.w("")
	t.w("done:")
	t.w("\tRET")
}

var lstmCellK = cellK{
	name:   "LSTMCell",
	params: []string{"h", "c", "cPrev", "gi", "gf", "gg", "gout"},
	doc: []string{
		"LSTMCellNEON: i, f, o = σ and g = tanh of the gate blocks, as SigmoidNEON and",
		"TanhNEON compute them, stored back; c = f·cPrev + round(i·g) in one FMLA;",
		"h = round(o·tanh(c)): kernel's lstmCellGeneric's steps."},
	body: func(e *cellEmit) {
		for _, g := range []struct {
			p   string
			act func()
		}{{"gi", e.sigmoid}, {"gf", e.sigmoid}, {"gout", e.sigmoid}, {"gg", e.tanh}} {
			e.load(g.p, "x")
			g.act()
			e.store("x", g.p)
		}
		e.load("gi", "t0")
		e.code("// c = f·cPrev + round(i·g).", "fmul {t0}.4s, {t0}.4s, {x}.4s")
		e.load("gf", "t1")
		e.load("cPrev", "t2")
		e.code("fmla {t0}.4s, {t1}.4s, {t2}.4s")
		e.store("t0", "c")
		e.code("// h = o·tanh(c).", "mov {x}.16b, {t0}.16b")
		e.tanh()
		e.load("gout", "t0")
		e.code("fmul {x}.4s, {x}.4s, {t0}.4s")
		e.store("x", "h")
	},
}

var gruCellK = cellK{
	name:   "GRUCell",
	params: []string{"h", "hPrev", "xr", "xz", "xn", "hr", "hz", "hn"},
	doc: []string{
		"GRUCellNEON: r = σ(xr + hr) and z = σ(xz + hz) (each sum rounded) and",
		"m = tanh(r·hn + xn) (one FMLA), as SigmoidNEON and TanhNEON compute them,",
		"stored over xr, xz, xn; h = z·(hPrev − m) + m (the difference rounded,",
		"then one FMLA): kernel's gruCellGeneric's steps."},
	body: func(e *cellEmit) {
		for _, g := range [][2]string{{"xr", "hr"}, {"xz", "hz"}} {
			e.load(g[0], "x")
			e.load(g[1], "t0")
			e.code("fadd {x}.4s, {x}.4s, {t0}.4s")
			e.sigmoid()
			e.store("x", g[0])
		}
		e.load("xn", "x")
		e.load("xr", "t0")
		e.load("hn", "t1")
		e.code("// m = tanh(r·hn + xn).", "fmla {x}.4s, {t0}.4s, {t1}.4s")
		e.tanh()
		e.store("x", "xn")
		e.load("hPrev", "t0")
		e.code("// h = z·(hPrev − m) + m.", "fsub {t0}.4s, {t0}.4s, {x}.4s")
		e.load("xz", "t1")
		e.code("fmla {x}.4s, {t1}.4s, {t0}.4s")
		e.store("x", "h")
	},
}

func init() {
	register(output{symbol: "LSTMCellNEON", from: "kernel/activation_generic.go", emit: lstmCellK.emit},
		output{symbol: "GRUCellNEON", from: "kernel/activation_generic.go", emit: gruCellK.emit})
}
