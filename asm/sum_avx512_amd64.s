//go:build !purego && !noasm

#include "textflag.h"

// SumAVX512 requires AVX-512F.
//
// Registers:
#define X_PTR SI  // &x[i]
#define N     CX  // elements left
#define TMP   AX

// func SumAVX512(x []float32) float32
TEXT ·SumAVX512(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), X_PTR
	MOVQ x_len+8(FP), N

	// Eight independent accumulators Z0..Z7: two add pipes of latency 3,
	// fed by two loads a cycle.
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

	CMPQ N, $128
	JB   loop32

	// Main loop: 128 elements per iteration, added straight from memory.
loop128:
	VADDPS 0(X_PTR), Z0, Z0
	VADDPS 64(X_PTR), Z1, Z1
	VADDPS 128(X_PTR), Z2, Z2
	VADDPS 192(X_PTR), Z3, Z3
	VADDPS 256(X_PTR), Z4, Z4
	VADDPS 320(X_PTR), Z5, Z5
	VADDPS 384(X_PTR), Z6, Z6
	VADDPS 448(X_PTR), Z7, Z7
	ADDQ   $512, X_PTR
	SUBQ   $128, N
	CMPQ   N, $128
	JAE    loop128

	// 32 elements at a time into two chains.
loop32:
	CMPQ   N, $32
	JB     tail16
	VADDPS 0(X_PTR), Z0, Z0
	VADDPS 64(X_PTR), Z1, Z1
	ADDQ   $128, X_PTR
	SUBQ   $32, N
	JMP    loop32

	// One more full vector if 16..31 are left.
tail16:
	CMPQ   N, $16
	JB     tailmask
	VADDPS (X_PTR), Z2, Z2
	ADDQ   $64, X_PTR
	SUBQ   $16, N

	// The last 0..15 elements under K1 = (1<<N)-1; masked-off lanes are
	// not read and load as +0.
tailmask:
	TESTQ     N, N
	JZ        reduce
	MOVL      $1, TMP
	SHLL      CX, TMP              // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (X_PTR), K1, Z8
	VADDPS    Z8, Z3, Z3

	// Sum the eight accumulators as a tree, then the 16 lanes.
reduce:
	VADDPS        Z4, Z0, Z0
	VADDPS        Z5, Z1, Z1
	VADDPS        Z6, Z2, Z2
	VADDPS        Z7, Z3, Z3
	VADDPS        Z2, Z0, Z0
	VADDPS        Z3, Z1, Z1
	VADDPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1         // upper 8 lanes
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1         // upper 4 lanes
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1         // lanes 2,3 down to 0,1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1             // lane 1 down to 0
	VADDSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+24(FP)
	RET
