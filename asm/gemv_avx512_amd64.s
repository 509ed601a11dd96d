//go:build !purego && !noasm

// Gemv (dst = a·x, or dst += a·x) with AVX-512.
// Requires AVX-512 F (EVEX FMA, K-mask loads) and AVX (VHADDPS,
// VPERM2F128, VEXTRACTF128 in the reductions). Eight rows are processed
// together (then four, then one for the remainder): one load of x feeds
// eight FMAs whose other operand comes straight from memory, two
// accumulators per row hide the FMA latency, and the column tail is
// loaded under a K mask, so nothing past a row's last column (the stride
// padding, or unmapped memory) is ever read.

#include "textflag.h"

#define DST    DI  // &dst[i] of the current row group
#define ROWS   BX  // rows left
#define A      SI  // &a[i*stride], first row of the current group
#define S      R8  // stride in bytes
#define S3     R9  // 3*stride in bytes
#define XB     R10 // &x[0]
#define XP     R11 // &x[j] while walking the columns
#define P      AX  // &a[i*stride+j]: rows i..i+4 are (P), (P)(S*1), (P)(S*2), (P)(S3*1), (P)(S*4)
#define Q      DX  // &a[(i+5)*stride+j]: rows i+5..i+7 are (Q), (Q)(S*1), (Q)(S*2)
#define END32  R12 // &x[cols &^ 31]: end of the 32-column main loop
#define END16  R13 // &x[cols &^ 15]: end of the 16-column step
#define TMP    CX

// PFDIST is how far ahead (bytes) the main loop prefetches each row
// (512 measured best of 512/768/1024/2048 at 1024² and 4096²). A
// prefetch is only a cache hint: it never faults and loads no value,
// so prefetching past a row into its padding or past the matrix is safe.
#define PFDIST 512

// FMA8 adds row tiles times the x tile XV into the eight accumulators
// A0..A7 at byte offset OFF: rows i..i+7 of columns j+OFF/4 ... +15.
#define FMA8(OFF, XV, A0, A1, A2, A3, A4, A5, A6, A7) \
	VFMADD231PS OFF(P), XV, A0         \
	VFMADD231PS OFF(P)(S*1), XV, A1    \
	VFMADD231PS OFF(P)(S*2), XV, A2    \
	VFMADD231PS OFF(P)(S3*1), XV, A3   \
	VFMADD231PS OFF(P)(S*4), XV, A4    \
	VFMADD231PS OFF(Q), XV, A5         \
	VFMADD231PS OFF(Q)(S*1), XV, A6    \
	VFMADD231PS OFF(Q)(S*2), XV, A7

// func GemvAVX512(dst, a []float32, stride int, x []float32, accumulate bool)
TEXT ·GemvAVX512(SB), NOSPLIT, $0-81
	MOVQ dst_base+0(FP), DST
	MOVQ dst_len+8(FP), ROWS
	MOVQ a_base+24(FP), A
	MOVQ stride+48(FP), S
	SHLQ $2, S                 // stride in bytes
	LEAQ (S)(S*2), S3
	MOVQ x_base+56(FP), XB
	MOVQ x_len+64(FP), TMP

	// Column bounds: END32 and END16 as pointers into x.
	MOVQ TMP, END32
	ANDQ $-32, END32
	LEAQ (XB)(END32*4), END32
	MOVQ TMP, END16
	ANDQ $-16, END16
	LEAQ (XB)(END16*4), END16

	// K1 = (1 << (cols%16)) - 1 selects the tail columns; zero when
	// there is no tail.
	ANDQ  $15, TMP
	MOVL  $1, P
	SHLL  CX, P                // shift count is CL = cols%16
	DECL  P
	KMOVW P, K1

rows8:
	// Eight rows at a time.
	CMPQ ROWS, $8
	JB   rows4
	MOVQ A, P
	LEAQ (A)(S*4), Q
	ADDQ S, Q                  // Q = row i+5
	MOVQ XB, XP

	// Z0..Z7 and Z8..Z15: two accumulators for each of the eight rows.
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	CMPQ   XP, END32
	JAE    r8col16

r8col32:
	// Prefetch each row 512 bytes ahead: with eight streams at once the
	// hardware prefetcher alone leaves DRAM and L3 bandwidth unused.
	PREFETCHT0 PFDIST(P)
	PREFETCHT0 PFDIST(P)(S*1)
	PREFETCHT0 PFDIST(P)(S*2)
	PREFETCHT0 PFDIST(P)(S3*1)
	PREFETCHT0 PFDIST(P)(S*4)
	PREFETCHT0 PFDIST(Q)
	PREFETCHT0 PFDIST(Q)(S*1)
	PREFETCHT0 PFDIST(Q)(S*2)
	// 32 columns: two x tiles, sixteen FMAs.
	VMOVUPS (XP), Z16
	VMOVUPS 64(XP), Z17
	FMA8(0, Z16, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	FMA8(64, Z17, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	ADDQ $128, P
	ADDQ $128, Q
	ADDQ $128, XP
	CMPQ XP, END32
	JB   r8col32

r8col16:
	// At most one 16-column step is left.
	CMPQ    XP, END16
	JAE     r8tail
	VMOVUPS (XP), Z16
	FMA8(0, Z16, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	ADDQ    $64, P
	ADDQ    $64, Q
	ADDQ    $64, XP

r8tail:
	// The last cols%16 columns, loaded under K1: masked-off lanes are
	// neither read (no fault) nor accumulated (merge masking).
	KORTESTW K1, K1
	JZ       r8reduce
	VMOVUPS.Z (XP), K1, Z16
	VFMADD231PS (P), Z16, K1, Z8
	VFMADD231PS (P)(S*1), Z16, K1, Z9
	VFMADD231PS (P)(S*2), Z16, K1, Z10
	VFMADD231PS (P)(S3*1), Z16, K1, Z11
	VFMADD231PS (P)(S*4), Z16, K1, Z12
	VFMADD231PS (Q), Z16, K1, Z13
	VFMADD231PS (Q)(S*1), Z16, K1, Z14
	VFMADD231PS (Q)(S*2), Z16, K1, Z15

r8reduce:
	// One accumulator per row ...
	VADDPS Z8, Z0, Z0
	VADDPS Z9, Z1, Z1
	VADDPS Z10, Z2, Z2
	VADDPS Z11, Z3, Z3
	VADDPS Z12, Z4, Z4
	VADDPS Z13, Z5, Z5
	VADDPS Z14, Z6, Z6
	VADDPS Z15, Z7, Z7

	// ... folded from 16 lanes to 8 ...
	VEXTRACTF64X4 $1, Z0, Y8
	VEXTRACTF64X4 $1, Z1, Y9
	VEXTRACTF64X4 $1, Z2, Y10
	VEXTRACTF64X4 $1, Z3, Y11
	VEXTRACTF64X4 $1, Z4, Y12
	VEXTRACTF64X4 $1, Z5, Y13
	VEXTRACTF64X4 $1, Z6, Y14
	VEXTRACTF64X4 $1, Z7, Y15
	VADDPS        Y8, Y0, Y0
	VADDPS        Y9, Y1, Y1
	VADDPS        Y10, Y2, Y2
	VADDPS        Y11, Y3, Y3
	VADDPS        Y12, Y4, Y4
	VADDPS        Y13, Y5, Y5
	VADDPS        Y14, Y6, Y6
	VADDPS        Y15, Y7, Y7

	// ... and summed horizontally into Y0 = [s0 .. s7]. Within each
	// 128-bit lane, two rounds of pairwise adds give four row sums.
	VHADDPS    Y1, Y0, Y0       // rows 0,1 pairwise
	VHADDPS    Y3, Y2, Y2       // rows 2,3 pairwise
	VHADDPS    Y5, Y4, Y4       // rows 4,5 pairwise
	VHADDPS    Y7, Y6, Y6       // rows 6,7 pairwise
	VHADDPS    Y2, Y0, Y0       // lane k: rows 0..3, half k of the columns
	VHADDPS    Y6, Y4, Y4       // lane k: rows 4..7, half k of the columns
	VPERM2F128 $0x20, Y4, Y0, Y1 // low lanes:  [0..3 | 4..7] first halves
	VPERM2F128 $0x31, Y4, Y0, Y2 // high lanes: [0..3 | 4..7] second halves
	VADDPS     Y2, Y1, Y0

	// Store (or add to) dst[i..i+7].
	CMPB    accumulate+80(FP), $0
	JEQ     r8store
	VADDPS  (DST), Y0, Y0
r8store:
	VMOVUPS Y0, (DST)
	ADDQ    $32, DST
	LEAQ    (A)(S*8), A
	SUBQ    $8, ROWS
	JMP     rows8

rows4:
	// Four rows, if at least four of the last rows%8 are left, with two
	// accumulators each: Z0..Z3 and Z8..Z11.
	CMPQ   ROWS, $4
	JB     rows1
	MOVQ   A, P
	MOVQ   XB, XP
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	CMPQ   XP, END32
	JAE    r4col16

r4col32:
	VMOVUPS     (XP), Z16
	VMOVUPS     64(XP), Z17
	VFMADD231PS (P), Z16, Z0
	VFMADD231PS (P)(S*1), Z16, Z1
	VFMADD231PS (P)(S*2), Z16, Z2
	VFMADD231PS (P)(S3*1), Z16, Z3
	VFMADD231PS 64(P), Z17, Z8
	VFMADD231PS 64(P)(S*1), Z17, Z9
	VFMADD231PS 64(P)(S*2), Z17, Z10
	VFMADD231PS 64(P)(S3*1), Z17, Z11
	ADDQ        $128, P
	ADDQ        $128, XP
	CMPQ        XP, END32
	JB          r4col32

r4col16:
	CMPQ        XP, END16
	JAE         r4tail
	VMOVUPS     (XP), Z16
	VFMADD231PS (P), Z16, Z0
	VFMADD231PS (P)(S*1), Z16, Z1
	VFMADD231PS (P)(S*2), Z16, Z2
	VFMADD231PS (P)(S3*1), Z16, Z3
	ADDQ        $64, P
	ADDQ        $64, XP

r4tail:
	// Masked tail as in the eight-row block.
	KORTESTW    K1, K1
	JZ          r4reduce
	VMOVUPS.Z   (XP), K1, Z16
	VFMADD231PS (P), Z16, K1, Z8
	VFMADD231PS (P)(S*1), Z16, K1, Z9
	VFMADD231PS (P)(S*2), Z16, K1, Z10
	VFMADD231PS (P)(S3*1), Z16, K1, Z11

r4reduce:
	// One accumulator per row, folded to 8 lanes, then summed
	// horizontally into X0 = [s0 s1 s2 s3].
	VADDPS        Z8, Z0, Z0
	VADDPS        Z9, Z1, Z1
	VADDPS        Z10, Z2, Z2
	VADDPS        Z11, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y8
	VEXTRACTF64X4 $1, Z1, Y9
	VEXTRACTF64X4 $1, Z2, Y10
	VEXTRACTF64X4 $1, Z3, Y11
	VADDPS        Y8, Y0, Y0
	VADDPS        Y9, Y1, Y1
	VADDPS        Y10, Y2, Y2
	VADDPS        Y11, Y3, Y3
	VHADDPS       Y1, Y0, Y0     // rows 0,1 pairwise
	VHADDPS       Y3, Y2, Y2     // rows 2,3 pairwise
	VHADDPS       Y2, Y0, Y0     // lane k: rows 0..3, half k of the columns
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0

	// Store (or add to) dst[i..i+3].
	CMPB    accumulate+80(FP), $0
	JEQ     r4store
	VADDPS  (DST), X0, X0
r4store:
	VMOVUPS X0, (DST)
	ADDQ    $16, DST
	LEAQ    (A)(S*4), A
	SUBQ    $4, ROWS

rows1:
	// The last rows%4 rows, one at a time, four accumulators each.
	TESTQ  ROWS, ROWS
	JZ     done
	MOVQ   A, P
	MOVQ   XB, XP
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	CMPQ   XP, END32
	JAE    r1col16

r1col32:
	VMOVUPS     (XP), Z16
	VMOVUPS     64(XP), Z17
	VFMADD231PS (P), Z16, Z0
	VFMADD231PS 64(P), Z17, Z1
	ADDQ        $128, P
	ADDQ        $128, XP
	CMPQ        XP, END32
	JB          r1col32

r1col16:
	CMPQ        XP, END16
	JAE         r1tail
	VMOVUPS     (XP), Z16
	VFMADD231PS (P), Z16, Z2
	ADDQ        $64, P
	ADDQ        $64, XP

r1tail:
	// Masked tail as above.
	KORTESTW    K1, K1
	JZ          r1reduce
	VMOVUPS.Z   (XP), K1, Z16
	VFMADD231PS (P), Z16, K1, Z3

r1reduce:
	// Four accumulators to one, 16 lanes to 1.
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0

	// Store (or add to) dst[i].
	CMPB    accumulate+80(FP), $0
	JEQ     r1store
	VADDSS  (DST), X0, X0
r1store:
	VMOVSS  X0, (DST)
	ADDQ    $4, DST
	ADDQ    S, A
	DECQ    ROWS
	JMP     rows1

done:
	VZEROUPPER
	RET
