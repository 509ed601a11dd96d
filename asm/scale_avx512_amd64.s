//go:build !purego && !noasm

#include "textflag.h"

// ScaleAVX512 requires AVX-512F.
//
// Registers:
#define X_PTR SI  // &x[i]
#define N     CX  // elements left
#define TMP   AX
#define ALPHA Z31 // alpha in all 16 lanes

// func ScaleAVX512(alpha float32, x []float32)
TEXT ·ScaleAVX512(SB), NOSPLIT, $0-32
	MOVQ         x_base+8(FP), X_PTR
	MOVQ         x_len+16(FP), N
	VBROADCASTSS alpha+0(FP), ALPHA

	// Main loop: 64 elements per iteration, multiplied from memory and
	// stored back, vector by vector.
loop64:
	CMPQ    N, $64
	JB      loop16
	VMULPS  0(X_PTR), ALPHA, Z0
	VMOVUPS Z0, 0(X_PTR)
	VMULPS  64(X_PTR), ALPHA, Z1
	VMOVUPS Z1, 64(X_PTR)
	VMULPS  128(X_PTR), ALPHA, Z2
	VMOVUPS Z2, 128(X_PTR)
	VMULPS  192(X_PTR), ALPHA, Z3
	VMOVUPS Z3, 192(X_PTR)
	ADDQ    $256, X_PTR
	SUBQ    $64, N
	JMP     loop64

	// One vector at a time while 16 or more are left.
loop16:
	CMPQ    N, $16
	JB      tailmask
	VMULPS  (X_PTR), ALPHA, Z0
	VMOVUPS Z0, (X_PTR)
	ADDQ    $64, X_PTR
	SUBQ    $16, N
	JMP     loop16

	// The last 0..15 elements under K1 = (1<<N)-1: masked-off lanes are
	// neither read nor written.
tailmask:
	TESTQ     N, N
	JZ        done
	MOVL      $1, TMP
	SHLL      CX, TMP              // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (X_PTR), K1, Z0
	VMULPS    Z0, ALPHA, Z0
	VMOVUPS   Z0, K1, (X_PTR)

done:
	VZEROUPPER
	RET
