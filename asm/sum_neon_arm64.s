//go:build !purego && !noasm

#include "textflag.h"

// SumNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define X_PTR R0 // &x[i]
#define N     R1 // elements left

// func SumNEON(x []float32) float32
TEXT ·SumNEON(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), X_PTR
	MOVD x_len+8(FP), N

	// Eight independent accumulators V16..V23 (FADD latency 2-3 on two
	// pipes; eight chains also let loads run ahead).
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16

	// Main loop: 32 elements per iteration; N is kept 32 below the true
	// count so SUBS sets the loop flag.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(X_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD   $0x4e20d610                                      // fadd v16.4s, v16.4s, v0.4s
	WORD   $0x4e21d631                                      // fadd v17.4s, v17.4s, v1.4s
	WORD   $0x4e22d652                                      // fadd v18.4s, v18.4s, v2.4s
	WORD   $0x4e23d673                                      // fadd v19.4s, v19.4s, v3.4s
	WORD   $0x4e24d694                                      // fadd v20.4s, v20.4s, v4.4s
	WORD   $0x4e25d6b5                                      // fadd v21.4s, v21.4s, v5.4s
	WORD   $0x4e26d6d6                                      // fadd v22.4s, v22.4s, v6.4s
	WORD   $0x4e27d6f7                                      // fadd v23.4s, v23.4s, v7.4s
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left, four elements at a time into two chains.
loop4:
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V0.S4]
	WORD   $0x4e20d610                 // fadd v16.4s, v16.4s, v0.4s
	SUB    $4, N
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V1.S4]
	WORD   $0x4e21d631                 // fadd v17.4s, v17.4s, v1.4s
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

	// Scalar tail, 0..3 elements.
	CBZ N, done

tail:
	FMOVS.P 4(X_PTR), F1
	FADDS   F1, F0, F0   // F0 += x[i]
	SUBS    $1, N
	BNE     tail

done:
	FMOVS F0, ret+24(FP)
	RET
