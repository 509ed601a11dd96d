//go:build !purego && !noasm

#include "textflag.h"

// ScaleAVX2 requires AVX2.
//
// Registers:
#define X_PTR   SI  // &x[i]
#define N       CX  // elements left
#define ALPHA   Y15 // alpha in all 8 lanes
#define ALPHA_X X15

// func ScaleAVX2(alpha float32, x []float32)
TEXT ·ScaleAVX2(SB), NOSPLIT, $0-32
	MOVQ         x_base+8(FP), X_PTR
	MOVQ         x_len+16(FP), N
	VBROADCASTSS alpha+0(FP), ALPHA

	// Main loop: 32 elements per iteration, multiplied from memory and
	// stored back, vector by vector.
loop32:
	CMPQ    N, $32
	JB      loop8
	VMULPS  0(X_PTR), ALPHA, Y0
	VMOVUPS Y0, 0(X_PTR)
	VMULPS  32(X_PTR), ALPHA, Y1
	VMOVUPS Y1, 32(X_PTR)
	VMULPS  64(X_PTR), ALPHA, Y2
	VMOVUPS Y2, 64(X_PTR)
	VMULPS  96(X_PTR), ALPHA, Y3
	VMOVUPS Y3, 96(X_PTR)
	ADDQ    $128, X_PTR
	SUBQ    $32, N
	JMP     loop32

	// One vector at a time while 8 or more are left.
loop8:
	CMPQ    N, $8
	JB      tail
	VMULPS  (X_PTR), ALPHA, Y0
	VMOVUPS Y0, (X_PTR)
	ADDQ    $32, X_PTR
	SUBQ    $8, N
	JMP     loop8

	// The last 0..7 elements one at a time.
tail:
	TESTQ  N, N
	JZ     done
	VMOVSS (X_PTR), X0           // exactly 4 bytes (qemu widens some
	VMULSS X0, ALPHA_X, X0       // scalar memory operands to 16)
	VMOVSS X0, (X_PTR)
	ADDQ   $4, X_PTR
	DECQ   N
	JMP    tail

done:
	VZEROUPPER
	RET
