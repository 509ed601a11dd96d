//go:build !purego && !noasm

#include "textflag.h"

// Gemm microkernel, 6×16 register tile, AVX2 + FMA3.
// Requires: AVX, AVX2, FMA3 (the caller, package kernel, checks them).
//
// a is a packed micro-panel of op(a): 6 rows, k columns, stored column by
// column (a[p·6+i]) if lda = 0, or row by row with row stride lda
// (a[i·lda+p]) if lda > 0, which is how rows of a NoTrans a pack by plain
// copying; b a packed micro-panel of op(b): k rows of 16
// (b[p·16+j]). The 6×16 product s = a·b is accumulated in Y0..Y11 (two
// ymm, 16 columns, per row), then row i < m of c gets alpha·s + beta·c in
// all 16 columns (beta = 0: alpha·s, c not read). Tiles narrower than 16
// columns go through a 6×16 buffer in the caller (package kernel), not
// VMASKMOVPS: qemu's AVX2 emulation, where the AVX2 path is tested on
// AVX-512 machines, loads the whole vector and faults on a guard page
// that a real CPU's masked load would not touch.

#define A_PTR AX
#define B_PTR BX
#define K_CNT CX
#define C_PTR DI
#define LDC   R8
#define M_CNT R9
#define LDA   R11 // row stride of a in bytes (row-by-row a only)
#define A3_PTR SI // row 3 of a (row-by-row a only)

// Y12, Y13: the current row of b (16 columns); Y14, Y15: a broadcast
// element of a, alternating between rows.
#define B0 Y12
#define B1 Y13

// ROW multiplies element i of the current column of a (at byte offset off)
// into row i's accumulators c0 (columns 0..7) and c1 (8..15).
#define ROW(off, bc, c0, c1) VBROADCASTSS off(A_PTR), bc; VFMADD231PS B0, bc, c0; VFMADD231PS B1, bc, c1
#define ROWM(mem, bc, c0, c1) VBROADCASTSS mem, bc; VFMADD231PS B0, bc, c0; VFMADD231PS B1, bc, c1

// KSTEPR is KSTEP for a stored row by row: row i of the current column is
// at aoff(A_PTR) for rows 0..2 (scaled by LDA), aoff(A3_PTR) for rows 3..5.
#define KSTEPR(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+32(B_PTR), B1; \
	ROWM(aoff(A_PTR), Y14, Y0, Y1); \
	ROWM(aoff(A_PTR)(LDA*1), Y15, Y2, Y3); \
	ROWM(aoff(A_PTR)(LDA*2), Y14, Y4, Y5); \
	ROWM(aoff(A3_PTR), Y15, Y6, Y7); \
	ROWM(aoff(A3_PTR)(LDA*1), Y14, Y8, Y9); \
	ROWM(aoff(A3_PTR)(LDA*2), Y15, Y10, Y11)

// KSTEP does one rank-1 update: column p of a (6 elements at aoff) times
// row p of b (16 elements at boff) into the 12 accumulators.
#define KSTEP(aoff, boff) \
	VMOVUPS boff(B_PTR), B0; \
	VMOVUPS boff+32(B_PTR), B1; \
	ROW(aoff+0, Y14, Y0, Y1); \
	ROW(aoff+4, Y15, Y2, Y3); \
	ROW(aoff+8, Y14, Y4, Y5); \
	ROW(aoff+12, Y15, Y6, Y7); \
	ROW(aoff+16, Y14, Y8, Y9); \
	ROW(aoff+20, Y15, Y10, Y11)

// FULL_BETA writes alpha·(c0,c1) + beta·c to a whole 16-column row
// (Y14 = alpha, Y15 = beta) and steps to the next row; it leaves once m
// rows are written.
#define FULL_BETA(c0, c1) \
	VMULPS Y14, c0, c0; \
	VMULPS Y14, c1, c1; \
	VFMADD231PS (C_PTR), Y15, c0; \
	VFMADD231PS 32(C_PTR), Y15, c1; \
	VMOVUPS c0, (C_PTR); \
	VMOVUPS c1, 32(C_PTR); \
	ADDQ LDC, C_PTR; \
	DECQ M_CNT; \
	JZ   done

// FULL_ZERO writes alpha·(c0,c1) to a whole row without reading c.
#define FULL_ZERO(c0, c1) \
	VMULPS Y14, c0, c0; \
	VMULPS Y14, c1, c1; \
	VMOVUPS c0, (C_PTR); \
	VMOVUPS c1, 32(C_PTR); \
	ADDQ LDC, C_PTR; \
	DECQ M_CNT; \
	JZ   done

// func GemmKernel6x16AVX2(k int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32, m int)
TEXT ·GemmKernel6x16AVX2(SB), NOSPLIT, $0-112
	MOVQ k+0(FP), K_CNT
	MOVQ a_base+8(FP), A_PTR
	MOVQ lda+32(FP), LDA
	MOVQ b_base+40(FP), B_PTR
	MOVQ c_base+64(FP), C_PTR
	MOVQ ldc+88(FP), LDC
	SHLQ $2, LDC // row stride of c in bytes
	MOVQ m+104(FP), M_CNT

	// Prefetch the m rows of the c tile (64 bytes each) while the k loop
	// runs (see the AVX-512 kernel).
	MOVQ C_PTR, DX
	MOVQ M_CNT, R12

prefetchc:
	PREFETCHT0 (DX)
	PREFETCHT0 63(DX) // the second line an unaligned row touches
	ADDQ       LDC, DX
	DECQ       R12
	JNZ        prefetchc

	// Zero the 12 accumulators.
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	TESTQ LDA, LDA
	JNZ   rows

	// Main loop: four rank-1 updates (4 columns of a: 96 bytes; 4 rows
	// of b: 256 bytes) per iteration.
	CMPQ K_CNT, $4
	JLT  tail

loop4:
	KSTEP(0, 0)
	KSTEP(24, 64)
	KSTEP(48, 128)
	KSTEP(72, 192)
	ADDQ $96, A_PTR
	ADDQ $256, B_PTR
	SUBQ $4, K_CNT
	CMPQ K_CNT, $4
	JGE  loop4

tail:
	// The last k mod 4 rank-1 updates, one at a time.
	TESTQ K_CNT, K_CNT
	JZ    store

loop1:
	KSTEP(0, 0)
	ADDQ $24, A_PTR
	ADDQ $64, B_PTR
	DECQ K_CNT
	JNZ  loop1
	JMP  store

rows:
	// a row by row: A_PTR walks row 0, A3_PTR row 3, both 16 bytes (4
	// columns) per iteration; rows 1, 2, 4, 5 are reached through LDA.
	SHLQ $2, LDA
	LEAQ (A_PTR)(LDA*2), A3_PTR
	ADDQ LDA, A3_PTR
	CMPQ K_CNT, $4
	JLT  rtail

rloop4:
	KSTEPR(0, 0)
	KSTEPR(4, 64)
	KSTEPR(8, 128)
	KSTEPR(12, 192)
	ADDQ $16, A_PTR
	ADDQ $16, A3_PTR
	ADDQ $256, B_PTR
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
	ADDQ $64, B_PTR
	DECQ K_CNT
	JNZ  rloop1

store:
	// beta = ±0 takes the paths that never read c.
	VBROADCASTSS alpha+96(FP), Y14
	VBROADCASTSS beta+100(FP), Y15
	MOVL         beta+100(FP), DX
	ANDL         $0x7fffffff, DX
	TESTL        DX, DX
	JZ           fullzero

	FULL_BETA(Y0, Y1)
	FULL_BETA(Y2, Y3)
	FULL_BETA(Y4, Y5)
	FULL_BETA(Y6, Y7)
	FULL_BETA(Y8, Y9)
	FULL_BETA(Y10, Y11)
	JMP done

fullzero:
	FULL_ZERO(Y0, Y1)
	FULL_ZERO(Y2, Y3)
	FULL_ZERO(Y4, Y5)
	FULL_ZERO(Y6, Y7)
	FULL_ZERO(Y8, Y9)
	FULL_ZERO(Y10, Y11)
	JMP done

done:
	VZEROUPPER
	RET
