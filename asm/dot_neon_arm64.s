//go:build !purego && !noasm

#include "textflag.h"

// DotNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define X_PTR R0 // &x[i]
#define Y_PTR R1 // &y[i]
#define N     R2 // elements left

// func DotNEON(x, y []float32) float32
TEXT ·DotNEON(SB), NOSPLIT, $0-52
	MOVD x_base+0(FP), X_PTR
	MOVD y_base+24(FP), Y_PTR
	MOVD x_len+8(FP), N

	// Eight independent accumulators V16..V23: FMLA has latency 4 and
	// big cores issue two per cycle, so eight chains keep both busy.
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16

	// Main loop: 32 elements (8 vectors of x and of y) per iteration.
	// N is kept 32 below the true count so SUBS sets the loop flag.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(X_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(Y_PTR), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1.P 64(Y_PTR), [V12.S4, V13.S4, V14.S4, V15.S4]
	VFMLA  V0.S4, V8.S4, V16.S4                        // V16 += x[i:i+4] * y[i:i+4]
	VFMLA  V1.S4, V9.S4, V17.S4
	VFMLA  V2.S4, V10.S4, V18.S4
	VFMLA  V3.S4, V11.S4, V19.S4
	VFMLA  V4.S4, V12.S4, V20.S4
	VFMLA  V5.S4, V13.S4, V21.S4
	VFMLA  V6.S4, V14.S4, V22.S4
	VFMLA  V7.S4, V15.S4, V23.S4
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left: four elements at a time, rotating over four
	// accumulators so the chains stay independent.
loop4:
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V0.S4]
	VLD1.P 16(Y_PTR), [V8.S4]
	VFMLA  V0.S4, V8.S4, V16.S4
	SUB    $4, N
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V1.S4]
	VLD1.P 16(Y_PTR), [V9.S4]
	VFMLA  V1.S4, V9.S4, V17.S4
	SUB    $4, N
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V2.S4]
	VLD1.P 16(Y_PTR), [V10.S4]
	VFMLA  V2.S4, V10.S4, V18.S4
	SUB    $4, N
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V3.S4]
	VLD1.P 16(Y_PTR), [V11.S4]
	VFMLA  V3.S4, V11.S4, V19.S4
	SUB    $4, N
	B      loop4

	// Add the eight accumulators in a fixed tree, then the four lanes.
reduce:
	WORD $0x4e31d610 // fadd v16.4s, v16.4s, v17.4s
	WORD $0x4e33d652 // fadd v18.4s, v18.4s, v19.4s
	WORD $0x4e35d694 // fadd v20.4s, v20.4s, v21.4s
	WORD $0x4e37d6d6 // fadd v22.4s, v22.4s, v23.4s
	WORD $0x4e32d610 // fadd v16.4s, v16.4s, v18.4s
	WORD $0x4e36d694 // fadd v20.4s, v20.4s, v22.4s
	WORD $0x4e34d610 // fadd v16.4s, v16.4s, v20.4s
	WORD $0x6e30d610 // faddp v16.4s, v16.4s, v16.4s
	WORD $0x7e30da00 // faddp s0, v16.2s

	// Scalar tail, 0..3 elements, never reading past the slices.
	CBZ N, done

tail:
	FMOVS.P 4(X_PTR), F1
	FMOVS.P 4(Y_PTR), F2
	FMADDS  F1, F0, F2, F0 // F0 += x[i] * y[i]
	SUBS    $1, N
	BNE     tail

done:
	FMOVS F0, ret+48(FP)
	RET
