//go:build !purego && !noasm

#include "textflag.h"

// Gemm microkernel, 14×32 register tile, AVX-512.
// Requires: AVX512F (zmm registers, opmask registers); the caller
// (package kernel) checks AVX512F+DQ+BW+VL.
//
// a is a packed micro-panel of op(a): 14 rows, k columns, stored column
// by column (a[p·14+i]) if lda = 0, or row by row with row stride lda
// (a[i·lda+p]) if lda > 0, which is how rows of a NoTrans a pack by plain
// copying; b a packed micro-panel of op(b): k rows of 32
// (b[p·32+j]). The 14×32 product s = a·b is accumulated in Z0..Z27 (two
// zmm, 32 columns, per row), then row i < m of c gets
// alpha·s + beta·c in its first n columns (beta = 0: alpha·s, c not read),
// through opmasks K1 (columns 0..15) and K2 (16..31), so neither loads nor
// stores touch c past column n or row m. Edge tiles with m ≤ 8 run a loop
// over the first 8 rows only (the others stay zero and are not stored).

#define A_PTR AX
#define B_PTR BX
#define K_CNT CX
#define C_PTR DI
#define LDC   R8
#define M_CNT R9
#define N_COL R10
#define LDA   R11 // row stride of a in bytes (row-by-row a only)
#define A3_PTR SI // rows 3, 6, 9 and 12 of a (row-by-row a only)
#define A6_PTR R12
#define A9_PTR R13
#define A12_PTR DX

// Z28, Z29: the current row of b (32 columns); Z30, Z31: a broadcast
// element of a, alternating so consecutive rows do not share a register.
#define B0 Z28
#define B1 Z29

// ROW multiplies element i of the current column of a (at byte offset off)
// into row i's accumulators c0 (columns 0..15) and c1 (16..31).
#define ROW(off, bc, c0, c1) VBROADCASTSS off(A_PTR), bc; VFMADD231PS B0, bc, c0; VFMADD231PS B1, bc, c1
#define ROWM(mem, bc, c0, c1) VBROADCASTSS mem, bc; VFMADD231PS B0, bc, c0; VFMADD231PS B1, bc, c1

// KSTEPR is KSTEP for a stored row by row. Rows are reached from five
// bases (rows 0, 3, 6, 9, 12) plus LDA scaled by 1, 2, 4 or 8:
// 0 1 2 4 8 from row 0; 3 5 7 11 from row 3; 6 10 from row 6; 9 13 from
// row 9; 12 from row 12.
#define KSTEPR(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+64(B_PTR), B1; \
	ROWM(aoff(A_PTR), Z30, Z0, Z1); \
	ROWM(aoff(A_PTR)(LDA*1), Z31, Z2, Z3); \
	ROWM(aoff(A_PTR)(LDA*2), Z30, Z4, Z5); \
	ROWM(aoff(A3_PTR), Z31, Z6, Z7); \
	ROWM(aoff(A_PTR)(LDA*4), Z30, Z8, Z9); \
	ROWM(aoff(A3_PTR)(LDA*2), Z31, Z10, Z11); \
	ROWM(aoff(A6_PTR), Z30, Z12, Z13); \
	ROWM(aoff(A3_PTR)(LDA*4), Z31, Z14, Z15); \
	ROWM(aoff(A_PTR)(LDA*8), Z30, Z16, Z17); \
	ROWM(aoff(A9_PTR), Z31, Z18, Z19); \
	ROWM(aoff(A6_PTR)(LDA*4), Z30, Z20, Z21); \
	ROWM(aoff(A3_PTR)(LDA*8), Z31, Z22, Z23); \
	ROWM(aoff(A12_PTR), Z30, Z24, Z25); \
	ROWM(aoff(A9_PTR)(LDA*4), Z31, Z26, Z27)

// KSTEP8 and KSTEPR8 are KSTEP and KSTEPR for the first 8 rows only, for
// edge tiles with m ≤ 8: 16 accumulators, 16 FMAs per step.
#define KSTEP8(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+64(B_PTR), B1; \
	ROW(aoff+0, Z30, Z0, Z1); \
	ROW(aoff+4, Z31, Z2, Z3); \
	ROW(aoff+8, Z30, Z4, Z5); \
	ROW(aoff+12, Z31, Z6, Z7); \
	ROW(aoff+16, Z30, Z8, Z9); \
	ROW(aoff+20, Z31, Z10, Z11); \
	ROW(aoff+24, Z30, Z12, Z13); \
	ROW(aoff+28, Z31, Z14, Z15)

#define KSTEPR8(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+64(B_PTR), B1; \
	ROWM(aoff(A_PTR), Z30, Z0, Z1); \
	ROWM(aoff(A_PTR)(LDA*1), Z31, Z2, Z3); \
	ROWM(aoff(A_PTR)(LDA*2), Z30, Z4, Z5); \
	ROWM(aoff(A3_PTR), Z31, Z6, Z7); \
	ROWM(aoff(A_PTR)(LDA*4), Z30, Z8, Z9); \
	ROWM(aoff(A3_PTR)(LDA*2), Z31, Z10, Z11); \
	ROWM(aoff(A6_PTR), Z30, Z12, Z13); \
	ROWM(aoff(A3_PTR)(LDA*4), Z31, Z14, Z15)

// KSTEP does one rank-1 update: column p of a (14 elements at aoff) times
// row p of b (32 elements at boff) into all 28 accumulators.
#define KSTEP(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+64(B_PTR), B1; \
	ROW(aoff+0, Z30, Z0, Z1); \
	ROW(aoff+4, Z31, Z2, Z3); \
	ROW(aoff+8, Z30, Z4, Z5); \
	ROW(aoff+12, Z31, Z6, Z7); \
	ROW(aoff+16, Z30, Z8, Z9); \
	ROW(aoff+20, Z31, Z10, Z11); \
	ROW(aoff+24, Z30, Z12, Z13); \
	ROW(aoff+28, Z31, Z14, Z15); \
	ROW(aoff+32, Z30, Z16, Z17); \
	ROW(aoff+36, Z31, Z18, Z19); \
	ROW(aoff+40, Z30, Z20, Z21); \
	ROW(aoff+44, Z31, Z22, Z23); \
	ROW(aoff+48, Z30, Z24, Z25); \
	ROW(aoff+52, Z31, Z26, Z27)

// STORE_BETA writes alpha·(c0,c1) + beta·c to one row of c (Z30 = alpha,
// Z31 = beta), masked to the first n columns, and steps to the next row;
// it leaves once m rows are written.
#define STORE_BETA(c0, c1) \
	VMOVUPS.Z (C_PTR), K1, B0; \
	VMOVUPS.Z 64(C_PTR), K2, B1; \
	VMULPS Z31, B0, B0; \
	VMULPS Z31, B1, B1; \
	VFMADD231PS Z30, c0, B0; \
	VFMADD231PS Z30, c1, B1; \
	VMOVUPS B0, K1, (C_PTR); \
	VMOVUPS B1, K2, 64(C_PTR); \
	ADDQ LDC, C_PTR; \
	DECQ M_CNT; \
	JZ   done

// STORE_ZERO writes alpha·(c0,c1) to one row of c without reading it.
#define STORE_ZERO(c0, c1) \
	VMULPS Z30, c0, c0; \
	VMULPS Z30, c1, c1; \
	VMOVUPS c0, K1, (C_PTR); \
	VMOVUPS c1, K2, 64(C_PTR); \
	ADDQ LDC, C_PTR; \
	DECQ M_CNT; \
	JZ   done

// func GemmKernel14x32AVX512(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m, n int)
TEXT ·GemmKernel14x32AVX512(SB), NOSPLIT, $0-120
	MOVQ k+0(FP), K_CNT
	MOVQ a_base+8(FP), A_PTR
	MOVQ lda+32(FP), LDA
	MOVQ b_base+40(FP), B_PTR
	MOVQ c_base+64(FP), C_PTR
	MOVQ ldc+88(FP), LDC
	SHLQ $2, LDC // row stride of c in bytes
	MOVQ m+104(FP), M_CNT
	MOVQ n+112(FP), N_COL

	// Prefetch the m rows of the c tile (128 bytes, 2 or 3 lines, each) while the k loop
	// runs: for large products c lives in L3 or memory, and the loads and
	// stores at the end would otherwise wait on it.
	MOVQ C_PTR, DX
	MOVQ M_CNT, R12

prefetchc:
	PREFETCHT0 (DX)
	PREFETCHT0 64(DX)
	PREFETCHT0 127(DX) // the third line an unaligned row touches
	ADDQ       LDC, DX
	DECQ       R12
	JNZ        prefetchc

	// Zero the 28 accumulators.
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27

	TESTQ LDA, LDA
	JNZ   rows
	CMPQ  M_CNT, $8
	JLE   half

	// Main loop: four rank-1 updates (4 columns of a: 224 bytes; 4 rows
	// of b: 512 bytes) per iteration.
	CMPQ K_CNT, $4
	JLT  tail

loop4:
	KSTEP(0, 0)
	KSTEP(56, 128)
	KSTEP(112, 256)
	KSTEP(168, 384)
	ADDQ $224, A_PTR
	ADDQ $512, B_PTR
	SUBQ $4, K_CNT
	CMPQ K_CNT, $4
	JGE  loop4

tail:
	// The last k mod 4 rank-1 updates, one at a time.
	TESTQ K_CNT, K_CNT
	JZ    store

loop1:
	KSTEP(0, 0)
	ADDQ $56, A_PTR
	ADDQ $128, B_PTR
	DECQ K_CNT
	JNZ  loop1
	JMP  store

half:
	// m ≤ 8 (an edge tile), a column by column: rows 0..7 only, the
	// column stride stays 14 elements (56 bytes).
	CMPQ K_CNT, $4
	JLT  htail

hloop4:
	KSTEP8(0, 0)
	KSTEP8(56, 128)
	KSTEP8(112, 256)
	KSTEP8(168, 384)
	ADDQ $224, A_PTR
	ADDQ $512, B_PTR
	SUBQ $4, K_CNT
	CMPQ K_CNT, $4
	JGE  hloop4

htail:
	TESTQ K_CNT, K_CNT
	JZ    store

hloop1:
	KSTEP8(0, 0)
	ADDQ $56, A_PTR
	ADDQ $128, B_PTR
	DECQ K_CNT
	JNZ  hloop1
	JMP  store

rows:
	// a row by row: five base pointers (rows 0, 3, 6, 9, 12), each 16
	// bytes (4 columns) further per iteration.
	SHLQ $2, LDA
	LEAQ (A_PTR)(LDA*2), A3_PTR
	ADDQ LDA, A3_PTR
	LEAQ (A3_PTR)(LDA*2), A6_PTR
	ADDQ LDA, A6_PTR
	LEAQ (A6_PTR)(LDA*2), A9_PTR
	ADDQ LDA, A9_PTR
	LEAQ (A9_PTR)(LDA*2), A12_PTR
	ADDQ LDA, A12_PTR
	CMPQ M_CNT, $8
	JLE  rhalf
	CMPQ K_CNT, $4
	JLT  rtail

rloop4:
	KSTEPR(0, 0)
	KSTEPR(4, 128)
	KSTEPR(8, 256)
	KSTEPR(12, 384)
	ADDQ $16, A_PTR
	ADDQ $16, A3_PTR
	ADDQ $16, A6_PTR
	ADDQ $16, A9_PTR
	ADDQ $16, A12_PTR
	ADDQ $512, B_PTR
	SUBQ $4, K_CNT
	CMPQ K_CNT, $4
	JGE  rloop4

rtail:
	TESTQ K_CNT, K_CNT
	JZ    store

rloop1:
	KSTEPR(0, 0)
	ADDQ $4, A_PTR
	ADDQ $4, A3_PTR
	ADDQ $4, A6_PTR
	ADDQ $4, A9_PTR
	ADDQ $4, A12_PTR
	ADDQ $128, B_PTR
	DECQ K_CNT
	JNZ  rloop1
	JMP  store

rhalf:
	// m ≤ 8, a row by row: rows 0..7 only.
	CMPQ K_CNT, $4
	JLT  rhtail

rhloop4:
	KSTEPR8(0, 0)
	KSTEPR8(4, 128)
	KSTEPR8(8, 256)
	KSTEPR8(12, 384)
	ADDQ $16, A_PTR
	ADDQ $16, A3_PTR
	ADDQ $16, A6_PTR
	ADDQ $512, B_PTR
	SUBQ $4, K_CNT
	CMPQ K_CNT, $4
	JGE  rhloop4

rhtail:
	TESTQ K_CNT, K_CNT
	JZ    store

rhloop1:
	KSTEPR8(0, 0)
	ADDQ $4, A_PTR
	ADDQ $4, A3_PTR
	ADDQ $4, A6_PTR
	ADDQ $128, B_PTR
	DECQ K_CNT
	JNZ  rhloop1

store:
	// Column masks: K1 = the first min(n,16) bits, K2 = the first
	// max(n-16,0) bits (1<<count - 1, shift count in CL).
	MOVQ  N_COL, CX
	CMPQ  CX, $16
	JLE   mask1
	MOVQ  $16, CX

mask1:
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX
	KMOVW DX, K1
	MOVQ  N_COL, CX
	SUBQ  $16, CX
	JGE   mask2
	XORQ  CX, CX

mask2:
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX
	KMOVW DX, K2

	// Broadcast alpha and beta; beta = ±0 takes the path that never reads c.
	VBROADCASTSS alpha+96(FP), Z30
	VBROADCASTSS beta+100(FP), Z31
	MOVL         beta+100(FP), DX
	ANDL         $0x7fffffff, DX
	JZ           storezero

	STORE_BETA(Z0, Z1)
	STORE_BETA(Z2, Z3)
	STORE_BETA(Z4, Z5)
	STORE_BETA(Z6, Z7)
	STORE_BETA(Z8, Z9)
	STORE_BETA(Z10, Z11)
	STORE_BETA(Z12, Z13)
	STORE_BETA(Z14, Z15)
	STORE_BETA(Z16, Z17)
	STORE_BETA(Z18, Z19)
	STORE_BETA(Z20, Z21)
	STORE_BETA(Z22, Z23)
	STORE_BETA(Z24, Z25)
	STORE_BETA(Z26, Z27)
	JMP done

storezero:
	STORE_ZERO(Z0, Z1)
	STORE_ZERO(Z2, Z3)
	STORE_ZERO(Z4, Z5)
	STORE_ZERO(Z6, Z7)
	STORE_ZERO(Z8, Z9)
	STORE_ZERO(Z10, Z11)
	STORE_ZERO(Z12, Z13)
	STORE_ZERO(Z14, Z15)
	STORE_ZERO(Z16, Z17)
	STORE_ZERO(Z18, Z19)
	STORE_ZERO(Z20, Z21)
	STORE_ZERO(Z22, Z23)
	STORE_ZERO(Z24, Z25)
	STORE_ZERO(Z26, Z27)

done:
	VZEROUPPER
	RET
