//go:build !purego && !noasm

#include "textflag.h"

// MaxNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// FMAX (vector, across lanes and scalar) returns NaN when either operand
// is NaN, so a NaN anywhere in x reaches the result without a separate
// test: that is Max's NaN rule.
//
// Registers:
#define X_PTR R0 // &x[i]
#define N     R1 // elements left
#define TMP   R2

// func MaxNEON(x []float32) float32
TEXT ·MaxNEON(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), X_PTR
	MOVD x_len+8(FP), N

	// Eight running maxima V16..V23, all -Inf (the max of nothing).
	MOVW $0xff800000, TMP // -Inf
	VDUP TMP, V16.S4
	VMOV V16.B16, V17.B16
	VMOV V16.B16, V18.B16
	VMOV V16.B16, V19.B16
	VMOV V16.B16, V20.B16
	VMOV V16.B16, V21.B16
	VMOV V16.B16, V22.B16
	VMOV V16.B16, V23.B16

	// Main loop: 32 elements per iteration; N is kept 32 below the true
	// count so SUBS sets the loop flag.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(X_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD   $0x4e20f610                                      // fmax v16.4s, v16.4s, v0.4s
	WORD   $0x4e21f631                                      // fmax v17.4s, v17.4s, v1.4s
	WORD   $0x4e22f652                                      // fmax v18.4s, v18.4s, v2.4s
	WORD   $0x4e23f673                                      // fmax v19.4s, v19.4s, v3.4s
	WORD   $0x4e24f694                                      // fmax v20.4s, v20.4s, v4.4s
	WORD   $0x4e25f6b5                                      // fmax v21.4s, v21.4s, v5.4s
	WORD   $0x4e26f6d6                                      // fmax v22.4s, v22.4s, v6.4s
	WORD   $0x4e27f6f7                                      // fmax v23.4s, v23.4s, v7.4s
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left, four elements at a time.
loop4:
	CMP    $4, N
	BLT    reduce
	VLD1.P 16(X_PTR), [V0.S4]
	WORD   $0x4e20f610                 // fmax v16.4s, v16.4s, v0.4s
	SUB    $4, N
	B      loop4

	// Combine the eight maxima, then the four lanes.
reduce:
	WORD $0x4e31f610 // fmax v16.4s, v16.4s, v17.4s
	WORD $0x4e33f652 // fmax v18.4s, v18.4s, v19.4s
	WORD $0x4e35f694 // fmax v20.4s, v20.4s, v21.4s
	WORD $0x4e37f6d6 // fmax v22.4s, v22.4s, v23.4s
	WORD $0x4e32f610 // fmax v16.4s, v16.4s, v18.4s
	WORD $0x4e36f694 // fmax v20.4s, v20.4s, v22.4s
	WORD $0x4e34f610 // fmax v16.4s, v16.4s, v20.4s
	WORD $0x6e30fa00 // fmaxv s0, v16.4s

	// Scalar tail, 0..3 elements.
	CBZ N, done

tail:
	FMOVS.P 4(X_PTR), F1
	FMAXS   F1, F0, F0   // F0 = max(F0, x[i]), NaN if either is
	SUBS    $1, N
	BNE     tail

done:
	FMOVS F0, ret+24(FP)
	RET
