//go:build !purego && !noasm

// GemvT step (dst += aᵀ·x) with AVX-512.
// Requires AVX-512 F. Eight rows are added per pass over dst (then four,
// then one for the remainder), so dst is loaded and stored once per eight
// rows of the matrix: x[i..i+7] are broadcast into Z24..Z31, and for
// each 16-column tile dst is loaded, the eight rows are added in two FMA
// chains of four (rows 0..3 on dst, rows 4..7 on a product), and the sum
// is stored. The column tail (cols%16) is loaded and stored under a K
// mask, so nothing past a row's last column (the stride padding) or past
// dst's end is ever touched.

#include "textflag.h"

#define DB     R10 // &dst[0]
#define D      R11 // &dst[j] while walking the columns
#define END32  R12 // &dst[cols &^ 31]: end of the 32-column main loop
#define END16  R13 // &dst[cols &^ 15]: end of the 16-column step
#define A      SI  // &a[i*stride], first row of the current group
#define S      R8  // stride in bytes
#define S3     R9  // 3*stride in bytes
#define X      DI  // &x[i]
#define ROWS   BX  // rows left
#define P      AX  // &a[i*stride+j]: rows i..i+4 are (P), (P)(S*1), (P)(S*2), (P)(S3*1), (P)(S*4)
#define Q      DX  // &a[(i+5)*stride+j]: rows i+5..i+7 are (Q), (Q)(S*1), (Q)(S*2)
#define TMP    CX

// PFDIST is how far ahead (bytes) the main loop prefetches each row
// (512 measured best of 512/768/1024/2048 at 1024² and 4096²). A
// prefetch is only a cache hint: it never faults and loads no value,
// so prefetching past a row into its padding or past the matrix is safe.
#define PFDIST 512

// TILE8 adds eight rows of the 16-column tile at byte offset OFF to dst:
// ACC = dst + x0·r0 + .. + x3·r3, T = x4·r4 + .. + x7·r7, dst = ACC + T.
#define TILE8(OFF, ACC, T) \
	VMOVUPS     OFF(D), ACC        \
	VMULPS      OFF(P)(S*4), Z28, T \
	VFMADD231PS OFF(P), Z24, ACC   \
	VFMADD231PS OFF(Q), Z29, T     \
	VFMADD231PS OFF(P)(S*1), Z25, ACC \
	VFMADD231PS OFF(Q)(S*1), Z30, T \
	VFMADD231PS OFF(P)(S*2), Z26, ACC \
	VFMADD231PS OFF(Q)(S*2), Z31, T \
	VFMADD231PS OFF(P)(S3*1), Z27, ACC \
	VADDPS      T, ACC, ACC        \
	VMOVUPS     ACC, OFF(D)

// TILE4 adds four rows of the 16-column tile at byte offset OFF to dst:
// ACC = dst + x0·r0 + x1·r1, T = x2·r2 + x3·r3, dst = ACC + T.
#define TILE4(OFF, ACC, T) \
	VMOVUPS     OFF(D), ACC        \
	VMULPS      OFF(P)(S*2), Z26, T \
	VFMADD231PS OFF(P), Z24, ACC   \
	VFMADD231PS OFF(P)(S3*1), Z27, T \
	VFMADD231PS OFF(P)(S*1), Z25, ACC \
	VADDPS      T, ACC, ACC        \
	VMOVUPS     ACC, OFF(D)

// func GemvTAVX512(dst, a []float32, stride int, x []float32)
TEXT ·GemvTAVX512(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DB
	MOVQ dst_len+8(FP), TMP
	MOVQ a_base+24(FP), A
	MOVQ stride+48(FP), S
	SHLQ $2, S                 // stride in bytes
	LEAQ (S)(S*2), S3
	MOVQ x_base+56(FP), X
	MOVQ x_len+64(FP), ROWS

	// Column bounds: END32 and END16 as pointers into dst.
	MOVQ TMP, END32
	ANDQ $-32, END32
	LEAQ (DB)(END32*4), END32
	MOVQ TMP, END16
	ANDQ $-16, END16
	LEAQ (DB)(END16*4), END16

	// K1 = (1 << (cols%16)) - 1 selects the tail columns; zero when
	// there is no tail.
	ANDQ  $15, TMP
	MOVL  $1, P
	SHLL  CX, P                // shift count is CL = cols%16
	DECL  P
	KMOVW P, K1

rows8:
	// Eight rows per pass over dst.
	CMPQ ROWS, $8
	JB   rows4
	VBROADCASTSS (X), Z24
	VBROADCASTSS 4(X), Z25
	VBROADCASTSS 8(X), Z26
	VBROADCASTSS 12(X), Z27
	VBROADCASTSS 16(X), Z28
	VBROADCASTSS 20(X), Z29
	VBROADCASTSS 24(X), Z30
	VBROADCASTSS 28(X), Z31
	MOVQ A, P
	LEAQ (A)(S*4), Q
	ADDQ S, Q                  // Q = row i+5
	MOVQ DB, D
	CMPQ D, END32
	JAE  r8col16

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
	// Two independent 16-column tiles.
	TILE8(0, Z0, Z1)
	TILE8(64, Z2, Z3)
	ADDQ $128, P
	ADDQ $128, Q
	ADDQ $128, D
	CMPQ D, END32
	JB   r8col32

r8col16:
	// At most one 16-column tile is left.
	CMPQ D, END16
	JAE  r8tail
	TILE8(0, Z0, Z1)
	ADDQ $64, P
	ADDQ $64, Q
	ADDQ $64, D

r8tail:
	// The last cols%16 columns under K1: masked-off lanes of dst and the
	// rows are neither read nor written.
	KORTESTW    K1, K1
	JZ          r8next
	VMOVUPS.Z   (D), K1, Z0
	VMULPS.Z    (P)(S*4), Z28, K1, Z1
	VFMADD231PS (P), Z24, K1, Z0
	VFMADD231PS (Q), Z29, K1, Z1
	VFMADD231PS (P)(S*1), Z25, K1, Z0
	VFMADD231PS (Q)(S*1), Z30, K1, Z1
	VFMADD231PS (P)(S*2), Z26, K1, Z0
	VFMADD231PS (Q)(S*2), Z31, K1, Z1
	VFMADD231PS (P)(S3*1), Z27, K1, Z0
	VADDPS      Z1, Z0, Z0
	VMOVUPS     Z0, K1, (D)

r8next:
	ADDQ $32, X
	LEAQ (A)(S*8), A
	SUBQ $8, ROWS
	JMP  rows8

rows4:
	// Four rows in one pass, if at least four of the last rows%8 are left.
	CMPQ         ROWS, $4
	JB           rows1
	VBROADCASTSS (X), Z24
	VBROADCASTSS 4(X), Z25
	VBROADCASTSS 8(X), Z26
	VBROADCASTSS 12(X), Z27
	MOVQ         A, P
	MOVQ         DB, D
	CMPQ         D, END32
	JAE          r4col16

r4col32:
	TILE4(0, Z0, Z1)
	TILE4(64, Z2, Z3)
	ADDQ $128, P
	ADDQ $128, D
	CMPQ D, END32
	JB   r4col32

r4col16:
	CMPQ D, END16
	JAE  r4tail
	TILE4(0, Z0, Z1)
	ADDQ $64, P
	ADDQ $64, D

r4tail:
	// Masked tail as in the eight-row block.
	KORTESTW    K1, K1
	JZ          r4next
	VMOVUPS.Z   (D), K1, Z0
	VMULPS.Z    (P)(S*2), Z26, K1, Z1
	VFMADD231PS (P), Z24, K1, Z0
	VFMADD231PS (P)(S3*1), Z27, K1, Z1
	VFMADD231PS (P)(S*1), Z25, K1, Z0
	VADDPS      Z1, Z0, Z0
	VMOVUPS     Z0, K1, (D)

r4next:
	ADDQ $16, X
	LEAQ (A)(S*4), A
	SUBQ $4, ROWS

rows1:
	// The last rows%4 rows, one pass over dst each: dst += x[i]·row i.
	TESTQ        ROWS, ROWS
	JZ           done
	VBROADCASTSS (X), Z24
	MOVQ         A, P
	MOVQ         DB, D
	CMPQ         D, END32
	JAE          r1col16

r1col32:
	VMOVUPS     (D), Z0
	VMOVUPS     64(D), Z1
	VFMADD231PS (P), Z24, Z0
	VFMADD231PS 64(P), Z24, Z1
	VMOVUPS     Z0, (D)
	VMOVUPS     Z1, 64(D)
	ADDQ        $128, P
	ADDQ        $128, D
	CMPQ        D, END32
	JB          r1col32

r1col16:
	CMPQ        D, END16
	JAE         r1tail
	VMOVUPS     (D), Z0
	VFMADD231PS (P), Z24, Z0
	VMOVUPS     Z0, (D)
	ADDQ        $64, P
	ADDQ        $64, D

r1tail:
	// Masked tail as above.
	KORTESTW    K1, K1
	JZ          r1next
	VMOVUPS.Z   (D), K1, Z0
	VFMADD231PS (P), Z24, K1, Z0
	VMOVUPS     Z0, K1, (D)

r1next:
	ADDQ $4, X
	ADDQ S, A
	DECQ ROWS
	JMP  rows1

done:
	VZEROUPPER
	RET
