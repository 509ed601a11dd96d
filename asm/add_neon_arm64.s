//go:build !purego && !noasm

#include "textflag.h"

// AddNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define DST_PTR R0 // &dst[i]
#define A_PTR   R1 // &a[i]
#define B_PTR   R2 // &b[i]
#define N       R3 // elements left

// func AddNEON(dst, a, b []float32)
TEXT ·AddNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), DST_PTR
	MOVD a_base+24(FP), A_PTR
	MOVD b_base+48(FP), B_PTR
	MOVD dst_len+8(FP), N

	// Main loop: 32 elements per iteration. Every load of a block comes
	// before its stores, so dst may be a or b.
	SUBS $32, N
	BLT  rest

loop32:
	VLD1.P 64(A_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(A_PTR), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(B_PTR), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(B_PTR), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD   $0x4e30d400                                          // fadd v0.4s, v0.4s, v16.4s
	WORD   $0x4e31d421                                          // fadd v1.4s, v1.4s, v17.4s
	WORD   $0x4e32d442                                          // fadd v2.4s, v2.4s, v18.4s
	WORD   $0x4e33d463                                          // fadd v3.4s, v3.4s, v19.4s
	WORD   $0x4e34d484                                          // fadd v4.4s, v4.4s, v20.4s
	WORD   $0x4e35d4a5                                          // fadd v5.4s, v5.4s, v21.4s
	WORD   $0x4e36d4c6                                          // fadd v6.4s, v6.4s, v22.4s
	WORD   $0x4e37d4e7                                          // fadd v7.4s, v7.4s, v23.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DST_PTR)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(DST_PTR)
	SUBS   $32, N
	BGE    loop32

rest:
	ADD $32, N // back to the true count, 0..31

	// Whole vectors left, four elements at a time.
loop4:
	CMP    $4, N
	BLT    tail
	VLD1.P 16(A_PTR), [V0.S4]
	VLD1.P 16(B_PTR), [V16.S4]
	WORD   $0x4e30d400                  // fadd v0.4s, v0.4s, v16.4s
	VST1.P [V0.S4], 16(DST_PTR)
	SUB    $4, N
	B      loop4

	// Scalar tail, 0..3 elements.
tail:
	CBZ N, done

tail1:
	FMOVS.P 4(A_PTR), F0
	FMOVS.P 4(B_PTR), F1
	FADDS   F1, F0, F0      // dst[i] = a[i] + b[i]
	FMOVS.P F0, 4(DST_PTR)
	SUBS    $1, N
	BNE     tail1

done:
	RET
