//go:build !purego && !noasm

// GemvT step (dst += aᵀ·x) with AVX2 and FMA3.
// Requires AVX, AVX2 and FMA3. Eight rows are added per pass over dst
// (then four, then one for the remainder), so dst is loaded and stored
// once per eight rows: x[i..i+7] are broadcast into Y8..Y15, and for
// each 8-column tile dst is loaded, the eight rows are added in two FMA
// chains of four, and the sum is stored.
//
// Nothing past a row's last column (the stride padding) or past dst's end
// is ever touched. The column tail (cols%8 columns) is handled as the last
// 8 columns, which overlap columns already done: the rows are ANDed with
// a mask of the tail lanes (so an Inf or NaN in the overlap cannot leak
// in), and the result is blended with the old dst, so the overlapped
// lanes are stored back unchanged. Rows shorter than 8 columns go through
// a scalar loop. VMASKMOVPS is not used: it would not fault on real CPUs,
// but qemu (which CI uses to test this path) loads the whole vector before
// masking.

#include "textflag.h"

#define DB     R10 // &dst[0]
#define D      R11 // &dst[j] while walking the columns
#define END16  R12 // &dst[cols &^ 15]: end of the 16-column main loop
#define END8   R13 // &dst[cols &^ 7]: end of the 8-column step
#define A      SI  // &a[i*stride], first row of the current group
#define S      R8  // stride in bytes
#define S3     R9  // 3*stride in bytes
#define X      DI  // &x[i]
#define ROWS   BX  // rows left
#define P      AX  // &a[i*stride+j]: rows i..i+4 are (P), (P)(S*1), (P)(S*2), (P)(S3*1), (P)(S*4)
#define Q      DX  // &a[(i+5)*stride+j]: rows i+5..i+7 are (Q), (Q)(S*1), (Q)(S*2)
// PFDIST is how far ahead (bytes) the main loop prefetches each row
// (512 measured best of 512/768/1024/2048 at 1024² and 4096²). A
// prefetch is only a cache hint: it never faults and loads no value,
// so prefetching past a row into its padding or past the matrix is safe.
#define PFDIST 512

#define TAILB  CX  // (cols%8 - 8)*4: byte offset from &dst[cols &^ 7] back to &dst[cols-8]
#define MASK   Y6  // the last cols%8 lanes all ones: the tail mask

// TILE8 adds eight rows of the 8-column tile at byte offset OFF to dst:
// ACC = dst + x0·r0 + .. + x3·r3, T = x4·r4 + .. + x7·r7, dst = ACC + T.
#define TILE8(OFF, ACC, T) \
	VMOVUPS     OFF(D), ACC        \
	VMULPS      OFF(P)(S*4), Y12, T \
	VFMADD231PS OFF(P), Y8, ACC    \
	VFMADD231PS OFF(Q), Y13, T     \
	VFMADD231PS OFF(P)(S*1), Y9, ACC \
	VFMADD231PS OFF(Q)(S*1), Y14, T \
	VFMADD231PS OFF(P)(S*2), Y10, ACC \
	VFMADD231PS OFF(Q)(S*2), Y15, T \
	VFMADD231PS OFF(P)(S3*1), Y11, ACC \
	VADDPS      T, ACC, ACC        \
	VMOVUPS     ACC, OFF(D)

// TILE4 adds four rows of the 8-column tile at byte offset OFF to dst:
// ACC = dst + x0·r0 + x1·r1, T = x2·r2 + x3·r3, dst = ACC + T.
#define TILE4(OFF, ACC, T) \
	VMOVUPS     OFF(D), ACC        \
	VMULPS      OFF(P)(S*2), Y10, T \
	VFMADD231PS OFF(P), Y8, ACC    \
	VFMADD231PS OFF(P)(S3*1), Y11, T \
	VFMADD231PS OFF(P)(S*1), Y9, ACC \
	VADDPS      T, ACC, ACC        \
	VMOVUPS     ACC, OFF(D)

// MASKFMA adds XV times the last 8 columns of the row at address ROW,
// ANDed with MASK, into ACC, through the scratch register Y7.
#define MASKFMA(ROW, XV, ACC) \
	VANDPS      ROW, MASK, Y7 \
	VFMADD231PS Y7, XV, ACC

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

// func GemvTAVX2(dst, a []float32, stride int, x []float32)
TEXT ·GemvTAVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DB
	MOVQ dst_len+8(FP), TAILB
	MOVQ a_base+24(FP), A
	MOVQ stride+48(FP), S
	SHLQ $2, S                 // stride in bytes
	LEAQ (S)(S*2), S3
	MOVQ x_base+56(FP), X
	MOVQ x_len+64(FP), ROWS
	CMPQ TAILB, $8
	JB   small                 // rows shorter than one vector

	// Column bounds: END16 and END8 as pointers into dst.
	MOVQ TAILB, END16
	ANDQ $-16, END16
	LEAQ (DB)(END16*4), END16
	MOVQ TAILB, END8
	ANDQ $-8, END8
	LEAQ (DB)(END8*4), END8

	// MASK = the last cols%8 lanes, from tailMask<>+4*(cols%8);
	// TAILB = (cols%8-8)*4, or 0 when there is no tail.
	ANDQ    $7, TAILB
	JZ      rows8
	LEAQ    tailMask<>(SB), P
	VMOVUPS (P)(TAILB*4), MASK
	SUBQ    $8, TAILB
	SHLQ    $2, TAILB

rows8:
	// Eight rows per pass over dst.
	CMPQ ROWS, $8
	JB   rows4
	VBROADCASTSS (X), Y8
	VBROADCASTSS 4(X), Y9
	VBROADCASTSS 8(X), Y10
	VBROADCASTSS 12(X), Y11
	VBROADCASTSS 16(X), Y12
	VBROADCASTSS 20(X), Y13
	VBROADCASTSS 24(X), Y14
	VBROADCASTSS 28(X), Y15
	MOVQ A, P
	LEAQ (A)(S*4), Q
	ADDQ S, Q                  // Q = row i+5
	MOVQ DB, D
	CMPQ D, END16
	JAE  r8col8

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
	// Two independent 8-column tiles.
	TILE8(0, Y0, Y1)
	TILE8(32, Y2, Y3)
	ADDQ $64, P
	ADDQ $64, Q
	ADDQ $64, D
	CMPQ D, END16
	JB   r8col16

r8col8:
	// At most one 8-column tile is left.
	CMPQ D, END8
	JAE  r8tail
	TILE8(0, Y0, Y1)
	ADDQ $32, P
	ADDQ $32, Q
	ADDQ $32, D

r8tail:
	// The last cols%8 columns: step back to the last 8 columns, sum the
	// eight rows under MASK, add to dst, and keep the old dst in the
	// overlapped lanes.
	TESTQ      TAILB, TAILB
	JZ         r8next
	ADDQ       TAILB, P
	ADDQ       TAILB, Q
	ADDQ       TAILB, D
	VXORPS     Y0, Y0, Y0
	VXORPS     Y1, Y1, Y1
	MASKFMA((P), Y8, Y0)
	MASKFMA((P)(S*1), Y9, Y0)
	MASKFMA((P)(S*2), Y10, Y0)
	MASKFMA((P)(S3*1), Y11, Y0)
	MASKFMA((P)(S*4), Y12, Y1)
	MASKFMA((Q), Y13, Y1)
	MASKFMA((Q)(S*1), Y14, Y1)
	MASKFMA((Q)(S*2), Y15, Y1)
	VMOVUPS    (D), Y2
	VADDPS     Y1, Y0, Y0
	VADDPS     Y2, Y0, Y0
	VBLENDVPS  MASK, Y0, Y2, Y0 // tail lanes new, overlapped lanes old
	VMOVUPS    Y0, (D)

r8next:
	ADDQ $32, X
	LEAQ (A)(S*8), A
	SUBQ $8, ROWS
	JMP  rows8

rows4:
	// Four rows in one pass, if at least four of the last rows%8 are left.
	CMPQ         ROWS, $4
	JB           rows1
	VBROADCASTSS (X), Y8
	VBROADCASTSS 4(X), Y9
	VBROADCASTSS 8(X), Y10
	VBROADCASTSS 12(X), Y11
	MOVQ         A, P
	MOVQ         DB, D
	CMPQ         D, END16
	JAE          r4col8

r4col16:
	TILE4(0, Y0, Y1)
	TILE4(32, Y2, Y3)
	ADDQ $64, P
	ADDQ $64, D
	CMPQ D, END16
	JB   r4col16

r4col8:
	CMPQ D, END8
	JAE  r4tail
	TILE4(0, Y0, Y1)
	ADDQ $32, P
	ADDQ $32, D

r4tail:
	// Tail as in the eight-row block.
	TESTQ      TAILB, TAILB
	JZ         r4next
	ADDQ       TAILB, P
	ADDQ       TAILB, D
	VXORPS     Y0, Y0, Y0
	VXORPS     Y1, Y1, Y1
	MASKFMA((P), Y8, Y0)
	MASKFMA((P)(S*1), Y9, Y0)
	MASKFMA((P)(S*2), Y10, Y1)
	MASKFMA((P)(S3*1), Y11, Y1)
	VMOVUPS    (D), Y2
	VADDPS     Y1, Y0, Y0
	VADDPS     Y2, Y0, Y0
	VBLENDVPS  MASK, Y0, Y2, Y0 // tail lanes new, overlapped lanes old
	VMOVUPS    Y0, (D)

r4next:
	ADDQ $16, X
	LEAQ (A)(S*4), A
	SUBQ $4, ROWS

rows1:
	// The last rows%4 rows, one pass over dst each: dst += x[i]·row i.
	TESTQ        ROWS, ROWS
	JZ           done
	VBROADCASTSS (X), Y8
	MOVQ         A, P
	MOVQ         DB, D
	CMPQ         D, END16
	JAE          r1col8

r1col16:
	VMOVUPS     (D), Y0
	VMOVUPS     32(D), Y1
	VFMADD231PS (P), Y8, Y0
	VFMADD231PS 32(P), Y8, Y1
	VMOVUPS     Y0, (D)
	VMOVUPS     Y1, 32(D)
	ADDQ        $64, P
	ADDQ        $64, D
	CMPQ        D, END16
	JB          r1col16

r1col8:
	CMPQ        D, END8
	JAE         r1tail
	VMOVUPS     (D), Y0
	VFMADD231PS (P), Y8, Y0
	VMOVUPS     Y0, (D)
	ADDQ        $32, P
	ADDQ        $32, D

r1tail:
	// Tail as above.
	TESTQ      TAILB, TAILB
	JZ         r1next
	ADDQ       TAILB, P
	ADDQ       TAILB, D
	VMOVUPS    (D), Y2
	VMOVAPS    Y2, Y0
	MASKFMA((P), Y8, Y0)
	VBLENDVPS  MASK, Y0, Y2, Y0 // tail lanes new, overlapped lanes old
	VMOVUPS    Y0, (D)

r1next:
	ADDQ $4, X
	ADDQ S, A
	DECQ ROWS
	JMP  rows1

small:
	// Fewer than 8 columns (cols is in TAILB): one row at a time, one
	// scalar FMA per element of dst.
	TESTQ  ROWS, ROWS
	JZ     done
	VMOVSS (X), X8
	MOVQ   A, P
	MOVQ   DB, D
	MOVQ   TAILB, END8         // columns left in this row
	TESTQ  END8, END8
	JZ     snext

scol:
	VMOVSS      (D), X0
	VMOVSS      (P), X1
	VFMADD231SS X1, X8, X0     // register operands: qemu 7.2 loads 16 bytes for a memory one
	VMOVSS      X0, (D)
	ADDQ        $4, P
	ADDQ        $4, D
	DECQ        END8
	JNZ         scol

snext:
	ADDQ $4, X
	ADDQ S, A
	DECQ ROWS
	JMP  small

done:
	VZEROUPPER
	RET
