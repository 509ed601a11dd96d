//go:build !purego && !noasm

#include "textflag.h"

// AxpyNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define X_PTR  R0 // &x[i]
#define Y_LOAD R1 // &y[i], for loads
#define Y_STOR R2 // &y[i], for stores
#define N      R3 // elements left
#define ALPHA  V31 // alpha in every lane; F31 is its lane 0

// func AxpyNEON(alpha float32, x, y []float32)
TEXT ·AxpyNEON(SB), NOSPLIT, $0-56
	FMOVS alpha+0(FP), F31
	MOVD  x_base+8(FP), X_PTR
	MOVD  y_base+32(FP), Y_LOAD
	MOVD  x_len+16(FP), N
	MOVD  Y_LOAD, Y_STOR
	VDUP  V31.S[0], ALPHA.S4

	// Main loop: 32 elements per iteration, eight independent FMLAs.
	// All of a block's loads come before its stores, so y may be x.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(X_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(Y_LOAD), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(Y_LOAD), [V20.S4, V21.S4, V22.S4, V23.S4]
	VFMLA  ALPHA.S4, V0.S4, V16.S4                      // y[i:i+4] += alpha * x[i:i+4]
	VFMLA  ALPHA.S4, V1.S4, V17.S4
	VFMLA  ALPHA.S4, V2.S4, V18.S4
	VFMLA  ALPHA.S4, V3.S4, V19.S4
	VFMLA  ALPHA.S4, V4.S4, V20.S4
	VFMLA  ALPHA.S4, V5.S4, V21.S4
	VFMLA  ALPHA.S4, V6.S4, V22.S4
	VFMLA  ALPHA.S4, V7.S4, V23.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(Y_STOR)
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(Y_STOR)
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left, four elements at a time.
loop4:
	CMP    $4, N
	BLT    tail
	VLD1.P 16(X_PTR), [V0.S4]
	VLD1.P 16(Y_LOAD), [V16.S4]
	VFMLA  ALPHA.S4, V0.S4, V16.S4
	VST1.P [V16.S4], 16(Y_STOR)
	SUB    $4, N
	B      loop4

	// Scalar tail, 0..3 elements, fused as the vectors are.
tail:
	CBZ N, done

tail1:
	FMOVS.P 4(X_PTR), F0
	FMOVS.P 4(Y_LOAD), F1
	FMADDS  F31, F1, F0, F1 // F1 = x[i]*alpha + y[i]
	FMOVS.P F1, 4(Y_STOR)
	SUBS    $1, N
	BNE     tail1

done:
	RET
