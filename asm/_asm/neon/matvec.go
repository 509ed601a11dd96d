package main

import "fmt"

// A matrix–vector kernel walks a row-major matrix a (row i at
// a[i*stride:], N columns) four rows at a time, then one row at a time.
// Within a block it walks the columns sixteen at a time (J kept 16 below
// the columns left, so SUBS sets the loop flag), then four, then one by
// one, so nothing past a row's last column is read. The skeleton
// (matvec) owns the blocks, the column loops and the pointers; a
// matvecKernel says what a block does at its start, per column step and
// at its end. Gemv walks the columns along x and sums each row; GemvT
// walks them along dst, loading and storing it once per block.
type matvecKernel struct {
	name string // GemvNEON
	// transposed says the columns run along dst and the rows along x
	// (GemvT); otherwise the rows run along dst and the columns along x.
	transposed bool
	// regs are the register names defined past the shared ones.
	regs []string
	// enter runs after a block's row pointers are set, before the
	// column pointers; start after them.
	enter, start func(t *text, rows int)
	// step processes cols columns (16, 4 or 1) of the block's rows.
	step func(t *text, rows, cols int)
	// after names the label that ends a block's columns; finish runs
	// there.
	after  string
	finish func(t *text, rows int)
}

// matvec returns the output of k.
func matvec(k matvecKernel) output {
	return output{symbol: k.name, emit: func(t *text, _ constTable) {
		registersPreamble(t, k.name)
		dst, x := "&dst[i]", "&x[0]"
		cols, rows := "len(x)", "rows left"
		if k.transposed {
			dst, x = "&dst[0]", "&x[i]"
			cols = "len(dst)"
		}
		t.f("#define DST    R0  // %s", dst)
		t.w("#define A      R1  // start of the current block of rows of a")
		t.w("#define STRIDE R2  // row stride in bytes")
		t.f("#define X      R3  // %s", x)
		t.f("#define N      R4  // columns: %s", cols)
		t.f("#define M      R5  // %s", rows)
		for _, r := range k.regs {
			t.w(r)
		}
		t.w("#define ROW0   R7  // &a[i+0, j]")
		t.w("#define ROW1   R8  // &a[i+1, j]")
		t.w("#define ROW2   R9  // &a[i+2, j]")
		t.w("#define ROW3   R10 // &a[i+3, j]")
		if k.transposed {
			t.w("#define XP     R11 // &dst[j] for loads")
			t.w("#define DSTP   R12 // &dst[j] for stores")
		} else {
			t.w("#define XP     R11 // &x[j]")
		}
		t.w("#define J      R13 // columns left")
		t.w("")
		lens := []string{"M", "N"}
		if k.transposed {
			t.f("// func %s(dst, a []float32, stride int, x []float32)", k.name)
			t.f("TEXT ·%s(SB), NOSPLIT, $0-80", k.name)
			lens = []string{"N", "M"}
		} else {
			t.f("// func %s(dst, a []float32, stride int, x []float32, accumulate bool)", k.name)
			t.f("TEXT ·%s(SB), NOSPLIT, $0-81", k.name)
		}
		t.w("\tMOVD  dst_base+0(FP), DST")
		t.f("\tMOVD  dst_len+8(FP), %s", lens[0])
		t.w("\tMOVD  a_base+24(FP), A")
		t.w("\tMOVD  stride+48(FP), STRIDE")
		t.w("\tMOVD  x_base+56(FP), X")
		t.f("\tMOVD  x_len+64(FP), %s", lens[1])
		if !k.transposed {
			t.w("\tMOVBU accumulate+80(FP), ACC")
		}
		t.w("\tLSL   $2, STRIDE")
		t.w("")
		t.w("\tCMP $4, M")
		t.w("\tBLT rows1")
		matvecBlock(t, k, 4)
		matvecBlock(t, k, 1)
		t.w("")
		t.w("done:")
		t.w("\tRET")
	}}
}

// matvecBlock writes the loop of the blocks of rows rows (4 or 1).
func matvecBlock(t *text, k matvecKernel, rows int) {
	p := fmt.Sprintf("r%d", rows) // label prefix
	t.w("")
	if rows == 4 {
		t.w("\t// Four rows at a time.")
		t.w("rows4:")
	} else {
		t.w("\t// Rows left over, 0..3, one at a time.")
		t.w("rows1:")
		t.w("\tCBZ M, done")
		t.w("")
		t.w("row1loop:")
	}
	t.w("\tMOVD A, ROW0")
	for r := 1; r < rows; r++ {
		t.f("\tADD  STRIDE, ROW%d, ROW%d", r-1, r)
	}
	k.enter(t, rows)
	if k.transposed {
		t.w("\tMOVD DST, XP")
		t.w("\tMOVD DST, DSTP")
	} else {
		t.w("\tMOVD X, XP")
	}
	t.w("\tMOVD N, J")
	k.start(t, rows)
	t.w("")
	t.w("\t// Sixteen columns per iteration; J is kept 16 below the true count.")
	t.w("\tSUBS $16, J")
	t.f("\tBLT  %scols4", p)
	t.w("")
	t.f("%scols16:", p)
	k.step(t, rows, 16)
	t.w("\tSUBS   $16, J")
	t.f("\tBGE    %scols16", p)
	t.w("")
	t.f("%scols4:", p)
	t.w("\tADD $16, J")
	t.w("")
	t.w("\t// Whole vectors left, four columns at a time.")
	t.f("%scols4loop:", p)
	t.w("\tCMP    $4, J")
	t.f("\tBLT    %scols1", p)
	k.step(t, rows, 4)
	t.w("\tSUB    $4, J")
	t.f("\tB      %scols4loop", p)
	t.w("")
	t.w("\t// Scalar columns, 0..3, never reading past a row's end.")
	t.f("%scols1:", p)
	t.f("\tCBZ J, %s%s", p, k.after)
	t.w("")
	t.f("%scols1loop:", p)
	k.step(t, rows, 1)
	t.w("\tSUBS    $1, J")
	t.f("\tBNE     %scols1loop", p)
	t.w("")
	t.f("%s%s:", p, k.after)
	k.finish(t, rows)
	if rows == 4 {
		t.w("\tADD STRIDE<<2, A, A // next four rows")
		t.w("\tSUB $4, M")
		t.w("\tCMP $4, M")
		t.w("\tBGE rows4")
	} else {
		t.w("\tADD  STRIDE, A")
		t.w("\tSUBS $1, M")
		t.w("\tBNE  row1loop")
	}
}

// arm writes the instruction ins, in Arm syntax, as Go's assembler takes
// it (a WORD from neonasm or Go's own mnemonic), the Arm text beside it.
func arm(t *text, ins string) {
	g, a := render(ins, nil)
	t.f("\t%-40s // %s", g, a)
}

// zeroV clears the vector registers first..first+n-1.
func zeroV(t *text, first, n int) {
	for r := first; r < first+n; r++ {
		t.f("\tVEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
	}
}

// gemvK is Gemv: dst[i] = Σ_j a[i,j]·x[j] (or dst[i] += ...). Each load
// of x feeds every row of the block; row k has four vector accumulators
// V(16+4k)..V(19+4k) (sixteen FMLA chains in a four-row block) and a
// scalar one, F(12+k), for the last 0..3 columns.
var gemvK = matvecKernel{
	name:  "GemvNEON",
	regs:  []string{"#define ACC    R6  // accumulate flag"},
	after: "reduce",
	enter: func(t *text, rows int) {},
	start: func(t *text, rows int) {
		zeroV(t, 16, 4*rows)
		zeroV(t, 12, rows) // F12..: the rows' scalar-tail sums
	},
	step: func(t *text, rows, cols int) {
		switch cols {
		case 16:
			t.w("\tVLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]")
			for pair := 0; pair < rows; pair += 2 {
				for r := pair; r < min(pair+2, rows); r++ {
					t.f("\tVLD1.P 64(ROW%d), [%s]", r, vecList(4+4*(r-pair), 4))
				}
				for r := pair; r < min(pair+2, rows); r++ {
					for c := 0; c < 4; c++ {
						t.f("\tVFMLA  V%d.S4, V%d.S4, V%d.S4", c, 4+4*(r-pair)+c, 16+4*r+c)
					}
				}
			}
		case 4:
			t.w("\tVLD1.P 16(XP), [V0.S4]")
			for r := 0; r < rows; r++ {
				t.f("\tVLD1.P 16(ROW%d), [V%d.S4]", r, 4+r)
			}
			for r := 0; r < rows; r++ {
				t.f("\tVFMLA  V0.S4, V%d.S4, V%d.S4", 4+r, 16+4*r)
			}
		default:
			t.w("\tFMOVS.P 4(XP), F0")
			for r := 0; r < rows; r++ {
				t.f("\tFMOVS.P 4(ROW%d), F%d", r, 4+r)
			}
			for r := 0; r < rows; r++ {
				t.f("\tFMADDS  F0, F%d, F%d, F%d // F%d += a[i+%d, j] * x[j]", 12+r, 4+r, 12+r, 12+r, r)
			}
		}
	},
	// finish adds each row's four accumulators, then (four rows) pairwise
	// to one vector of the four row sums, plus the scalar tails, and
	// stores (or adds) them to dst.
	finish: func(t *text, rows int) {
		for r := 0; r < rows; r++ {
			v := 16 + 4*r
			arm(t, fmt.Sprintf("fadd v%d.4s, v%d.4s, v%d.4s", v, v, v+1))
			arm(t, fmt.Sprintf("fadd v%d.4s, v%d.4s, v%d.4s", v+2, v+2, v+3))
			arm(t, fmt.Sprintf("fadd v%d.4s, v%d.4s, v%d.4s", v, v, v+2))
		}
		if rows == 1 {
			arm(t, "faddp v16.4s, v16.4s, v16.4s")
			arm(t, "faddp s16, v16.2s")
			t.w("\tFADDS F12, F16, F16")
			t.w("\tCBZ   ACC, r1store")
			t.w("\tFMOVS (DST), F0")
			t.w("\tFADDS F0, F16, F16")
			t.w("")
			t.w("r1store:")
			t.w("\tFMOVS.P F16, 4(DST)")
			return
		}
		arm(t, "faddp v16.4s, v16.4s, v20.4s")
		arm(t, "faddp v24.4s, v24.4s, v28.4s")
		arm(t, "faddp v16.4s, v16.4s, v24.4s")
		for r := 1; r < 4; r++ {
			t.f("\tVMOV V%d.S[0], V12.S[%d]", 12+r, r)
		}
		arm(t, "fadd v16.4s, v16.4s, v12.4s")
		t.w("\tCBZ  ACC, r4store")
		t.w("\tVLD1 (DST), [V0.S4]")
		arm(t, "fadd v16.4s, v16.4s, v0.4s")
		t.w("")
		t.w("r4store:")
		t.w("\tVST1.P [V16.S4], 16(DST)")
	},
}

// gemvTK is GemvT, one step of dst += aᵀ·x: dst[j] += Σ_i x[i]·a[i,j].
// A block of rows is added in one pass over dst, so dst is loaded and
// stored once per four rows; each of its vectors takes one by-element
// FMLA per row, with x[i+k] as lane k of V31 (as scalar F24+k for the
// last 0..3 columns). A single row has x[i] in every lane of V31.
var gemvTK = matvecKernel{
	name:       "GemvTNEON",
	transposed: true,
	after:      "next",
	enter: func(t *text, rows int) {
		if rows == 1 {
			t.w("\tFMOVS.P 4(X), F24")
			t.w("\tVDUP    V24.S[0], V31.S4 // x[i] in every lane")
			return
		}
		t.w("\tVLD1   (X), [V31.S4]")
		for r := 0; r < rows; r++ {
			t.f("\tFMOVS  %d(X), F%d", 4*r, 24+r)
		}
		t.w("\tADD    $16, X")
	},
	start: func(t *text, rows int) {},
	step: func(t *text, rows, cols int) {
		// row is the register of row r's c-th loaded vector (or its scalar).
		row := func(r, c int) int { return 4 + 4*r + c }
		fmla := func(c, r int) {
			if rows == 1 {
				t.f("\tVFMLA  V31.S4, V%d.S4, V%d.S4", row(r, c), c)
			} else {
				arm(t, fmt.Sprintf("fmla v%d.4s, v%d.4s, v31.s[%d]", c, row(r, c), r))
			}
		}
		switch cols {
		case 16:
			t.w("\tVLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]")
			for r := 0; r < rows; r++ {
				t.f("\tVLD1.P 64(ROW%d), [%s]", r, vecList(row(r, 0), 4))
			}
			for r := 0; r < rows; r++ {
				for c := 0; c < 4; c++ {
					fmla(c, r)
				}
			}
			t.w("\tVST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DSTP)")
		case 4:
			t.w("\tVLD1.P 16(XP), [V0.S4]")
			for r := 0; r < rows; r++ {
				t.f("\tVLD1.P 16(ROW%d), [V%d.S4]", r, row(r, 0))
			}
			for r := 0; r < rows; r++ {
				fmla(0, r)
			}
			t.w("\tVST1.P [V0.S4], 16(DSTP)")
		default:
			t.w("\tFMOVS.P 4(XP), F0")
			for r := 0; r < rows; r++ {
				t.f("\tFMOVS.P 4(ROW%d), F%d", r, row(r, 0))
			}
			for r := 0; r < rows; r++ {
				t.f("\tFMADDS  F%d, F0, F%d, F0 // dst[j] += a[i+%d, j] * x[i+%d]", 24+r, row(r, 0), r, r)
			}
			t.w("\tFMOVS.P F0, 4(DSTP)")
		}
	},
	finish: func(t *text, rows int) {},
}
