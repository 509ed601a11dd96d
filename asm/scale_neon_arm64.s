//go:build !purego && !noasm

#include "textflag.h"

// ScaleNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define X_LOAD R0 // &x[i], for loads
#define X_STOR R1 // &x[i], for stores
#define N      R2 // elements left

// func ScaleNEON(alpha float32, x []float32)
TEXT ·ScaleNEON(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F31
	MOVD  x_base+8(FP), X_LOAD
	MOVD  x_len+16(FP), N
	MOVD  X_LOAD, X_STOR
	VDUP  V31.S[0], V31.S4 // V31: alpha in every lane

	// Main loop: 32 elements per iteration.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(X_LOAD), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(X_LOAD), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD   $0x6e3fdc00                                       // fmul v0.4s, v0.4s, v31.4s
	WORD   $0x6e3fdc21                                       // fmul v1.4s, v1.4s, v31.4s
	WORD   $0x6e3fdc42                                       // fmul v2.4s, v2.4s, v31.4s
	WORD   $0x6e3fdc63                                       // fmul v3.4s, v3.4s, v31.4s
	WORD   $0x6e3fdc84                                       // fmul v4.4s, v4.4s, v31.4s
	WORD   $0x6e3fdca5                                       // fmul v5.4s, v5.4s, v31.4s
	WORD   $0x6e3fdcc6                                       // fmul v6.4s, v6.4s, v31.4s
	WORD   $0x6e3fdce7                                       // fmul v7.4s, v7.4s, v31.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(X_STOR)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(X_STOR)
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left, four elements at a time.
loop4:
	CMP    $4, N
	BLT    tail
	VLD1.P 16(X_LOAD), [V0.S4]
	WORD   $0x6e3fdc00                  // fmul v0.4s, v0.4s, v31.4s
	VST1.P [V0.S4], 16(X_STOR)
	SUB    $4, N
	B      loop4

	// Scalar tail, 0..3 elements.
tail:
	CBZ N, done

tail1:
	FMOVS.P 4(X_LOAD), F0
	FMULS   F31, F0, F0     // x[i] *= alpha
	FMOVS.P F0, 4(X_STOR)
	SUBS    $1, N
	BNE     tail1

done:
	RET
