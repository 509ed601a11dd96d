//go:build !purego && !noasm

#include "textflag.h"

// DotAVX512 requires AVX-512F (the K-masked tail and the zmm registers).
//
// Registers:
#define X_PTR SI  // &x[i]
#define Y_PTR DI  // &y[i]
#define N     CX  // elements left
#define TMP   AX

// func DotAVX512(x, y []float32) float32
TEXT ·DotAVX512(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), X_PTR
	MOVQ y_base+24(FP), Y_PTR
	MOVQ x_len+8(FP), N

	// Eight independent accumulators Z0..Z7: with two FMA pipes of
	// latency 4, eight chains keep both pipes busy.
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

	// Main loop: 128 elements (8 zmm of x) per iteration. x is loaded
	// into registers, y is read by the FMA's memory operand.
loop128:
	VMOVUPS     0(X_PTR), Z8
	VMOVUPS     64(X_PTR), Z9
	VMOVUPS     128(X_PTR), Z10
	VMOVUPS     192(X_PTR), Z11
	VMOVUPS     256(X_PTR), Z12
	VMOVUPS     320(X_PTR), Z13
	VMOVUPS     384(X_PTR), Z14
	VMOVUPS     448(X_PTR), Z15
	VFMADD231PS 0(Y_PTR), Z8, Z0     // Z0 += x[i:i+16] * y[i:i+16]
	VFMADD231PS 64(Y_PTR), Z9, Z1
	VFMADD231PS 128(Y_PTR), Z10, Z2
	VFMADD231PS 192(Y_PTR), Z11, Z3
	VFMADD231PS 256(Y_PTR), Z12, Z4
	VFMADD231PS 320(Y_PTR), Z13, Z5
	VFMADD231PS 384(Y_PTR), Z14, Z6
	VFMADD231PS 448(Y_PTR), Z15, Z7
	ADDQ        $512, X_PTR
	ADDQ        $512, Y_PTR
	SUBQ        $128, N
	CMPQ        N, $128
	JAE         loop128

	// 32 elements at a time into two chains.
loop32:
	CMPQ        N, $32
	JB          tail16
	VMOVUPS     0(X_PTR), Z8
	VMOVUPS     64(X_PTR), Z9
	VFMADD231PS 0(Y_PTR), Z8, Z0
	VFMADD231PS 64(Y_PTR), Z9, Z1
	ADDQ        $128, X_PTR
	ADDQ        $128, Y_PTR
	SUBQ        $32, N
	JMP         loop32

	// One more full vector if 16..31 are left.
tail16:
	CMPQ        N, $16
	JB          tailmask
	VMOVUPS     (X_PTR), Z8
	VFMADD231PS (Y_PTR), Z8, Z2
	ADDQ        $64, X_PTR
	ADDQ        $64, Y_PTR
	SUBQ        $16, N

	// The last 0..15 elements: K1 = (1<<N)-1 selects them; masked-off
	// lanes are neither read (no fault past the end) nor added (zeroed).
tailmask:
	TESTQ       N, N
	JZ          reduce
	MOVL        $1, TMP
	SHLL        CX, TMP              // N is CX, the shift count register
	DECL        TMP
	KMOVW       TMP, K1
	VMOVUPS.Z   (X_PTR), K1, Z8
	VMOVUPS.Z   (Y_PTR), K1, Z9
	VFMADD231PS Z9, Z8, Z3

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
	MOVSS         X0, ret+48(FP)
	RET
