//go:build !purego && !noasm

#include "textflag.h"

// GemmKernel8x12NEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// The 8×12 tile of c lives in 24 registers V5..V28 (row i, columns
// 4j..4j+3 in V(5+3i+j)); each step p loads 8 values of a (V0, V1) and
// 12 of b (V2..V4) and does 24 by-element FMLAs, c[i, :] += b[p, :] *
// a[p, i], so 20 bytes of loads feed 96 multiply-adds.
//
// Registers:
#define K     R0 // steps left
#define A_PTR R1 // &a[p*8]
#define B_PTR R2 // &b[p*12]
#define C_PTR R3 // &c[i*ldc]
#define LDC   R4 // ldc in bytes

// func GemmKernel8x12NEON(k int, a, b, c []float32, ldc int, alpha, beta float32)
TEXT ·GemmKernel8x12NEON(SB), NOSPLIT, $0-96
	MOVD k+0(FP), K
	MOVD a_base+8(FP), A_PTR
	MOVD b_base+32(FP), B_PTR
	MOVD c_base+56(FP), C_PTR
	MOVD ldc+80(FP), LDC
	LSL  $2, LDC

	// Zero the 24 accumulators.
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16

	CBZ K, epilogue

	// One step of k per iteration: an outer product of a[p, 0:8] and
	// b[p, 0:12] added to the tile.
loop:
	VLD1.P 32(A_PTR), [V0.S4, V1.S4]
	VLD1.P 48(B_PTR), [V2.S4, V3.S4, V4.S4]
	WORD   $0x4f801045 // fmla v5.4s, v2.4s, v0.s[0]
	WORD   $0x4f801066 // fmla v6.4s, v3.4s, v0.s[0]
	WORD   $0x4f801087 // fmla v7.4s, v4.4s, v0.s[0]
	WORD   $0x4fa01048 // fmla v8.4s, v2.4s, v0.s[1]
	WORD   $0x4fa01069 // fmla v9.4s, v3.4s, v0.s[1]
	WORD   $0x4fa0108a // fmla v10.4s, v4.4s, v0.s[1]
	WORD   $0x4f80184b // fmla v11.4s, v2.4s, v0.s[2]
	WORD   $0x4f80186c // fmla v12.4s, v3.4s, v0.s[2]
	WORD   $0x4f80188d // fmla v13.4s, v4.4s, v0.s[2]
	WORD   $0x4fa0184e // fmla v14.4s, v2.4s, v0.s[3]
	WORD   $0x4fa0186f // fmla v15.4s, v3.4s, v0.s[3]
	WORD   $0x4fa01890 // fmla v16.4s, v4.4s, v0.s[3]
	WORD   $0x4f811051 // fmla v17.4s, v2.4s, v1.s[0]
	WORD   $0x4f811072 // fmla v18.4s, v3.4s, v1.s[0]
	WORD   $0x4f811093 // fmla v19.4s, v4.4s, v1.s[0]
	WORD   $0x4fa11054 // fmla v20.4s, v2.4s, v1.s[1]
	WORD   $0x4fa11075 // fmla v21.4s, v3.4s, v1.s[1]
	WORD   $0x4fa11096 // fmla v22.4s, v4.4s, v1.s[1]
	WORD   $0x4f811857 // fmla v23.4s, v2.4s, v1.s[2]
	WORD   $0x4f811878 // fmla v24.4s, v3.4s, v1.s[2]
	WORD   $0x4f811899 // fmla v25.4s, v4.4s, v1.s[2]
	WORD   $0x4fa1185a // fmla v26.4s, v2.4s, v1.s[3]
	WORD   $0x4fa1187b // fmla v27.4s, v3.4s, v1.s[3]
	WORD   $0x4fa1189c // fmla v28.4s, v4.4s, v1.s[3]
	SUBS   $1, K
	BNE    loop

	// c = alpha·tile, or alpha·tile + beta·c; with beta = 0, c is not read
	// (it may hold anything, NaN included).
epilogue:
	FMOVS alpha+88(FP), F0
	FMOVS beta+92(FP), F1
	VMOV  V1.S[0], V0.S[1] // V0 = [alpha, beta, ...]
	WORD  $0x4f8090a5 // fmul v5.4s, v5.4s, v0.s[0]
	WORD  $0x4f8090c6 // fmul v6.4s, v6.4s, v0.s[0]
	WORD  $0x4f8090e7 // fmul v7.4s, v7.4s, v0.s[0]
	WORD  $0x4f809108 // fmul v8.4s, v8.4s, v0.s[0]
	WORD  $0x4f809129 // fmul v9.4s, v9.4s, v0.s[0]
	WORD  $0x4f80914a // fmul v10.4s, v10.4s, v0.s[0]
	WORD  $0x4f80916b // fmul v11.4s, v11.4s, v0.s[0]
	WORD  $0x4f80918c // fmul v12.4s, v12.4s, v0.s[0]
	WORD  $0x4f8091ad // fmul v13.4s, v13.4s, v0.s[0]
	WORD  $0x4f8091ce // fmul v14.4s, v14.4s, v0.s[0]
	WORD  $0x4f8091ef // fmul v15.4s, v15.4s, v0.s[0]
	WORD  $0x4f809210 // fmul v16.4s, v16.4s, v0.s[0]
	WORD  $0x4f809231 // fmul v17.4s, v17.4s, v0.s[0]
	WORD  $0x4f809252 // fmul v18.4s, v18.4s, v0.s[0]
	WORD  $0x4f809273 // fmul v19.4s, v19.4s, v0.s[0]
	WORD  $0x4f809294 // fmul v20.4s, v20.4s, v0.s[0]
	WORD  $0x4f8092b5 // fmul v21.4s, v21.4s, v0.s[0]
	WORD  $0x4f8092d6 // fmul v22.4s, v22.4s, v0.s[0]
	WORD  $0x4f8092f7 // fmul v23.4s, v23.4s, v0.s[0]
	WORD  $0x4f809318 // fmul v24.4s, v24.4s, v0.s[0]
	WORD  $0x4f809339 // fmul v25.4s, v25.4s, v0.s[0]
	WORD  $0x4f80935a // fmul v26.4s, v26.4s, v0.s[0]
	WORD  $0x4f80937b // fmul v27.4s, v27.4s, v0.s[0]
	WORD  $0x4f80939c // fmul v28.4s, v28.4s, v0.s[0]
	FCMPS $(0.0), F1
	BEQ   store

	// beta ≠ 0: add beta·c, row by row.
	MOVD C_PTR, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa01045 // fmla v5.4s, v2.4s, v0.s[1]
	WORD $0x4fa01066 // fmla v6.4s, v3.4s, v0.s[1]
	WORD $0x4fa01087 // fmla v7.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa01048 // fmla v8.4s, v2.4s, v0.s[1]
	WORD $0x4fa01069 // fmla v9.4s, v3.4s, v0.s[1]
	WORD $0x4fa0108a // fmla v10.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa0104b // fmla v11.4s, v2.4s, v0.s[1]
	WORD $0x4fa0106c // fmla v12.4s, v3.4s, v0.s[1]
	WORD $0x4fa0108d // fmla v13.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa0104e // fmla v14.4s, v2.4s, v0.s[1]
	WORD $0x4fa0106f // fmla v15.4s, v3.4s, v0.s[1]
	WORD $0x4fa01090 // fmla v16.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa01051 // fmla v17.4s, v2.4s, v0.s[1]
	WORD $0x4fa01072 // fmla v18.4s, v3.4s, v0.s[1]
	WORD $0x4fa01093 // fmla v19.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa01054 // fmla v20.4s, v2.4s, v0.s[1]
	WORD $0x4fa01075 // fmla v21.4s, v3.4s, v0.s[1]
	WORD $0x4fa01096 // fmla v22.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa01057 // fmla v23.4s, v2.4s, v0.s[1]
	WORD $0x4fa01078 // fmla v24.4s, v3.4s, v0.s[1]
	WORD $0x4fa01099 // fmla v25.4s, v4.4s, v0.s[1]
	ADD  LDC, R5
	VLD1 (R5), [V2.S4, V3.S4, V4.S4]
	WORD $0x4fa0105a // fmla v26.4s, v2.4s, v0.s[1]
	WORD $0x4fa0107b // fmla v27.4s, v3.4s, v0.s[1]
	WORD $0x4fa0109c // fmla v28.4s, v4.4s, v0.s[1]

	// Store the eight rows.
store:
	VST1 [V5.S4, V6.S4, V7.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V8.S4, V9.S4, V10.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V11.S4, V12.S4, V13.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V14.S4, V15.S4, V16.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V17.S4, V18.S4, V19.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V20.S4, V21.S4, V22.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V23.S4, V24.S4, V25.S4], (C_PTR)
	ADD  LDC, C_PTR
	VST1 [V26.S4, V27.S4, V28.S4], (C_PTR)
	RET
