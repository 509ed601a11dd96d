//go:build !purego && !noasm

// Gemv (dst = a·x, or dst += a·x) with AVX2 and FMA3.
// Requires AVX, AVX2 and FMA3. Eight rows are processed together (then
// four, then one for the remainder): one load of x feeds eight FMAs whose
// other operand comes straight from memory, one accumulator per row
// (eight independent FMA chains).
//
// Nothing past a row's last column (the stride padding, or unmapped
// memory) is ever read. The column tail (cols%8 columns) is loaded as the
// last 8 columns of the row, which overlap columns already summed, and
// those overlapped lanes are zeroed with an AND mask in both the row and x
// (zeroing only one would turn an Inf or NaN there into NaN). Rows shorter
// than 8 columns go through a scalar loop. VMASKMOVPS is not used: it
// would not fault on real CPUs, but qemu (which CI uses to test this path)
// loads the whole vector before masking.

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
#define END16  R12 // &x[cols &^ 15]: end of the 16-column main loop
#define END8   R13 // &x[cols &^ 7]: end of the 8-column step
// PFDIST is how far ahead (bytes) the main loop prefetches each row
// (512 measured best of 512/768/1024/2048 at 1024² and 4096²). A
// prefetch is only a cache hint: it never faults and loads no value,
// so prefetching past a row into its padding or past the matrix is safe.
#define PFDIST 512

#define TAILB  CX  // (cols%8 - 8)*4: byte offset from &x[cols &^ 7] back to &x[cols-8]
#define MASK   Y15 // the last cols%8 lanes all ones: the tail mask
#define XT     Y14 // x[cols-8:cols] AND MASK

// FMA8 adds the row tiles at byte offset OFF times the x tile XV into the
// eight accumulators Y0..Y7 (rows i..i+7).
#define FMA8(OFF, XV) \
	VFMADD231PS OFF(P), XV, Y0         \
	VFMADD231PS OFF(P)(S*1), XV, Y1    \
	VFMADD231PS OFF(P)(S*2), XV, Y2    \
	VFMADD231PS OFF(P)(S3*1), XV, Y3   \
	VFMADD231PS OFF(P)(S*4), XV, Y4    \
	VFMADD231PS OFF(Q), XV, Y5         \
	VFMADD231PS OFF(Q)(S*1), XV, Y6    \
	VFMADD231PS OFF(Q)(S*2), XV, Y7

// MASKFMA adds the masked last 8 columns of the row at address ROW times
// XT into ACC, through the scratch register Y9.
#define MASKFMA(ROW, ACC) \
	VANDPS      ROW, MASK, Y9 \
	VFMADD231PS Y9, XT, ACC

// tailMask<>: eight zero dwords then eight all-ones. The 8 dwords at
// tailMask<>+4*n have exactly their last n lanes set.
DATA tailMask<>+0(SB)/8, $0
DATA tailMask<>+8(SB)/8, $0
DATA tailMask<>+16(SB)/8, $0
DATA tailMask<>+24(SB)/8, $0
DATA tailMask<>+32(SB)/8, $0xffffffffffffffff
DATA tailMask<>+40(SB)/8, $0xffffffffffffffff
DATA tailMask<>+48(SB)/8, $0xffffffffffffffff
DATA tailMask<>+56(SB)/8, $0xffffffffffffffff
GLOBL tailMask<>(SB), RODATA|NOPTR, $64

// func GemvAVX2(dst, a []float32, stride int, x []float32, accumulate bool)
TEXT ·GemvAVX2(SB), NOSPLIT, $0-81
	MOVQ dst_base+0(FP), DST
	MOVQ dst_len+8(FP), ROWS
	MOVQ a_base+24(FP), A
	MOVQ stride+48(FP), S
	SHLQ $2, S                 // stride in bytes
	LEAQ (S)(S*2), S3
	MOVQ x_base+56(FP), XB
	MOVQ x_len+64(FP), TAILB
	CMPQ TAILB, $8
	JB   small                 // rows shorter than one vector

	// Column bounds: END16 and END8 as pointers into x.
	MOVQ TAILB, END16
	ANDQ $-16, END16
	LEAQ (XB)(END16*4), END16
	MOVQ TAILB, END8
	ANDQ $-8, END8
	LEAQ (XB)(END8*4), END8

	// MASK = the last cols%8 lanes, from tailMask<>+4*(cols%8); XT = the
	// last 8 elements of x under MASK; TAILB = (cols%8-8)*4, or 0 when
	// there is no tail.
	ANDQ    $7, TAILB
	JZ      notail
	LEAQ    tailMask<>(SB), P
	VMOVUPS (P)(TAILB*4), MASK
	SUBQ    $8, TAILB
	SHLQ    $2, TAILB
	VANDPS  (END8)(TAILB*1), MASK, XT

notail:

rows8:
	// Eight rows at a time.
	CMPQ ROWS, $8
	JB   rows4
	MOVQ A, P
	LEAQ (A)(S*4), Q
	ADDQ S, Q                  // Q = row i+5
	MOVQ XB, XP

	// Y0..Y7: one accumulator per row.
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   XP, END16
	JAE    r8col8

r8col16:
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
	// 16 columns: two x tiles, sixteen FMAs.
	VMOVUPS (XP), Y8
	VMOVUPS 32(XP), Y9
	FMA8(0, Y8)
	FMA8(32, Y9)
	ADDQ $64, P
	ADDQ $64, Q
	ADDQ $64, XP
	CMPQ XP, END16
	JB   r8col16

r8col8:
	// At most one 8-column step is left.
	CMPQ    XP, END8
	JAE     r8tail
	VMOVUPS (XP), Y8
	FMA8(0, Y8)
	ADDQ    $32, P
	ADDQ    $32, Q
	ADDQ    $32, XP

r8tail:
	// The last cols%8 columns: step back to the row's last 8 columns and
	// add them under MASK.
	TESTQ      TAILB, TAILB
	JZ         r8reduce
	ADDQ       TAILB, P
	ADDQ       TAILB, Q
	MASKFMA((P), Y0)
	MASKFMA((P)(S*1), Y1)
	MASKFMA((P)(S*2), Y2)
	MASKFMA((P)(S3*1), Y3)
	MASKFMA((P)(S*4), Y4)
	MASKFMA((Q), Y5)
	MASKFMA((Q)(S*1), Y6)
	MASKFMA((Q)(S*2), Y7)

r8reduce:
	// Horizontal sums into Y0 = [s0 .. s7]. Within each 128-bit lane, two
	// rounds of pairwise adds give four row sums.
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
	// accumulators each: Y0..Y3 and Y4..Y7.
	CMPQ   ROWS, $4
	JB     rows1
	MOVQ   A, P
	MOVQ   XB, XP
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   XP, END16
	JAE    r4col8

r4col16:
	VMOVUPS     (XP), Y8
	VMOVUPS     32(XP), Y9
	VFMADD231PS (P), Y8, Y0
	VFMADD231PS (P)(S*1), Y8, Y1
	VFMADD231PS (P)(S*2), Y8, Y2
	VFMADD231PS (P)(S3*1), Y8, Y3
	VFMADD231PS 32(P), Y9, Y4
	VFMADD231PS 32(P)(S*1), Y9, Y5
	VFMADD231PS 32(P)(S*2), Y9, Y6
	VFMADD231PS 32(P)(S3*1), Y9, Y7
	ADDQ        $64, P
	ADDQ        $64, XP
	CMPQ        XP, END16
	JB          r4col16

r4col8:
	CMPQ        XP, END8
	JAE         r4tail
	VMOVUPS     (XP), Y8
	VFMADD231PS (P), Y8, Y0
	VFMADD231PS (P)(S*1), Y8, Y1
	VFMADD231PS (P)(S*2), Y8, Y2
	VFMADD231PS (P)(S3*1), Y8, Y3
	ADDQ        $32, P
	ADDQ        $32, XP

r4tail:
	// Tail as in the eight-row block.
	TESTQ TAILB, TAILB
	JZ    r4reduce
	ADDQ  TAILB, P
	MASKFMA((P), Y4)
	MASKFMA((P)(S*1), Y5)
	MASKFMA((P)(S*2), Y6)
	MASKFMA((P)(S3*1), Y7)

r4reduce:
	// One accumulator per row, then summed horizontally into
	// X0 = [s0 s1 s2 s3].
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VHADDPS      Y1, Y0, Y0     // rows 0,1 pairwise
	VHADDPS      Y3, Y2, Y2     // rows 2,3 pairwise
	VHADDPS      Y2, Y0, Y0     // lane k: rows 0..3, half k of the columns
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0

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
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ   XP, END16
	JAE    r1col8

r1col16:
	VMOVUPS     (XP), Y8
	VMOVUPS     32(XP), Y9
	VFMADD231PS (P), Y8, Y0
	VFMADD231PS 32(P), Y9, Y1
	ADDQ        $64, P
	ADDQ        $64, XP
	CMPQ        XP, END16
	JB          r1col16

r1col8:
	CMPQ        XP, END8
	JAE         r1tail
	VMOVUPS     (XP), Y8
	VFMADD231PS (P), Y8, Y2
	ADDQ        $32, P
	ADDQ        $32, XP

r1tail:
	// Masked tail as above.
	TESTQ      TAILB, TAILB
	JZ         r1reduce
	ADDQ       TAILB, P
	MASKFMA((P), Y3)

r1reduce:
	// Four accumulators to one, 8 lanes to 1.
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0

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

small:
	// Fewer than 8 columns (cols is in TAILB): one row at a time, one
	// scalar FMA per element.
	TESTQ  ROWS, ROWS
	JZ     done
	MOVQ   A, P
	MOVQ   XB, XP
	MOVQ   TAILB, END8         // columns left in this row
	VXORPS X0, X0, X0
	TESTQ  END8, END8
	JZ     sstore

scol:
	VMOVSS      (P), X1
	VMOVSS      (XP), X2
	VFMADD231SS X2, X1, X0     // register operands: qemu 7.2 loads 16 bytes for a memory one
	ADDQ        $4, P
	ADDQ        $4, XP
	DECQ        END8
	JNZ         scol

sstore:
	// Store (or add to) dst[i].
	CMPB   accumulate+80(FP), $0
	JEQ    sput
	VADDSS (DST), X0, X0
sput:
	VMOVSS X0, (DST)
	ADDQ   $4, DST
	ADDQ   S, A
	DECQ   ROWS
	JMP    small

done:
	VZEROUPPER
	RET
