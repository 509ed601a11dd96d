//go:build !purego && !noasm

#include "textflag.h"

// GemvTNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define DST    R0  // &dst[0]
#define A      R1  // start of the current block of rows of a
#define STRIDE R2  // row stride in bytes
#define X      R3  // &x[i]
#define N      R4  // columns: len(dst)
#define M      R5  // rows left
#define ROW0   R7  // &a[i+0, j]
#define ROW1   R8  // &a[i+1, j]
#define ROW2   R9  // &a[i+2, j]
#define ROW3   R10 // &a[i+3, j]
#define XP     R11 // &dst[j] for loads
#define DSTP   R12 // &dst[j] for stores
#define J      R13 // columns left

// func GemvTNEON(dst, a []float32, stride int, x []float32)
TEXT ·GemvTNEON(SB), NOSPLIT, $0-80
	MOVD dst_base+0(FP), DST
	MOVD dst_len+8(FP), N
	MOVD a_base+24(FP), A
	MOVD stride+48(FP), STRIDE
	MOVD x_base+56(FP), X
	MOVD x_len+64(FP), M
	LSL  $2, STRIDE

	CMP $4, M
	BLT trows1

	// Four rows per pass over dst: dst is loaded and stored once per four
	// rows, and each of its vectors takes four by-element FMLAs, one per
	// row, with x[i+k] as lane k of V31 (and as scalar F24+k for the tail).
trows4:
	MOVD   A, ROW0
	ADD    STRIDE, ROW0, ROW1
	ADD    STRIDE, ROW1, ROW2
	ADD    STRIDE, ROW2, ROW3
	VLD1   (X), [V31.S4]
	FMOVS  0(X), F24
	FMOVS  4(X), F25
	FMOVS  8(X), F26
	FMOVS  12(X), F27
	ADD    $16, X
	MOVD   DST, XP
	MOVD   DST, DSTP
	MOVD   N, J

	// Sixteen columns per iteration; J is kept 16 below the true count.
	SUBS $16, J
	BLT  tcols4

tcols16:
	VLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(ROW0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(ROW1), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1.P 64(ROW2), [V12.S4, V13.S4, V14.S4, V15.S4]
	VLD1.P 64(ROW3), [V16.S4, V17.S4, V18.S4, V19.S4]
	WORD   $0x4f9f1080                                          // fmla v0.4s, v4.4s, v31.s[0]
	WORD   $0x4f9f10a1                                          // fmla v1.4s, v5.4s, v31.s[0]
	WORD   $0x4f9f10c2                                          // fmla v2.4s, v6.4s, v31.s[0]
	WORD   $0x4f9f10e3                                          // fmla v3.4s, v7.4s, v31.s[0]
	WORD   $0x4fbf1100                                          // fmla v0.4s, v8.4s, v31.s[1]
	WORD   $0x4fbf1121                                          // fmla v1.4s, v9.4s, v31.s[1]
	WORD   $0x4fbf1142                                          // fmla v2.4s, v10.4s, v31.s[1]
	WORD   $0x4fbf1163                                          // fmla v3.4s, v11.4s, v31.s[1]
	WORD   $0x4f9f1980                                          // fmla v0.4s, v12.4s, v31.s[2]
	WORD   $0x4f9f19a1                                          // fmla v1.4s, v13.4s, v31.s[2]
	WORD   $0x4f9f19c2                                          // fmla v2.4s, v14.4s, v31.s[2]
	WORD   $0x4f9f19e3                                          // fmla v3.4s, v15.4s, v31.s[2]
	WORD   $0x4fbf1a00                                          // fmla v0.4s, v16.4s, v31.s[3]
	WORD   $0x4fbf1a21                                          // fmla v1.4s, v17.4s, v31.s[3]
	WORD   $0x4fbf1a42                                          // fmla v2.4s, v18.4s, v31.s[3]
	WORD   $0x4fbf1a63                                          // fmla v3.4s, v19.4s, v31.s[3]
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DSTP)
	SUBS   $16, J
	BGE    tcols16

tcols4:
	ADD $16, J

	// Whole vectors left, four columns at a time.
tcols4loop:
	CMP    $4, J
	BLT    tcols1
	VLD1.P 16(XP), [V0.S4]
	VLD1.P 16(ROW0), [V4.S4]
	VLD1.P 16(ROW1), [V8.S4]
	VLD1.P 16(ROW2), [V12.S4]
	VLD1.P 16(ROW3), [V16.S4]
	WORD   $0x4f9f1080                  // fmla v0.4s, v4.4s, v31.s[0]
	WORD   $0x4fbf1100                  // fmla v0.4s, v8.4s, v31.s[1]
	WORD   $0x4f9f1980                  // fmla v0.4s, v12.4s, v31.s[2]
	WORD   $0x4fbf1a00                  // fmla v0.4s, v16.4s, v31.s[3]
	VST1.P [V0.S4], 16(DSTP)
	SUB    $4, J
	B      tcols4loop

	// Scalar columns, 0..3, in the same order as the lanes above.
tcols1:
	CBZ J, tnext4

tcols1loop:
	FMOVS.P 4(XP), F0
	FMOVS.P 4(ROW0), F4
	FMOVS.P 4(ROW1), F8
	FMOVS.P 4(ROW2), F12
	FMOVS.P 4(ROW3), F16
	FMADDS  F24, F0, F4, F0  // dst[j] += a[i+0, j] * x[i+0]
	FMADDS  F25, F0, F8, F0
	FMADDS  F26, F0, F12, F0
	FMADDS  F27, F0, F16, F0
	FMOVS.P F0, 4(DSTP)
	SUBS    $1, J
	BNE     tcols1loop

tnext4:
	ADD STRIDE<<2, A, A // next four rows
	SUB $4, M
	CMP $4, M
	BGE trows4

	// Rows left over, 0..3: dst += a[i, :] * x[i], one row at a time.
trows1:
	CBZ M, tdone

trow1loop:
	MOVD    A, ROW0
	FMOVS.P 4(X), F24
	VDUP    V24.S[0], V31.S4 // x[i] in every lane
	MOVD    DST, XP
	MOVD    DST, DSTP
	MOVD    N, J
	SUBS    $16, J
	BLT     t1cols4

t1cols16:
	VLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(ROW0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V31.S4, V4.S4, V0.S4
	VFMLA  V31.S4, V5.S4, V1.S4
	VFMLA  V31.S4, V6.S4, V2.S4
	VFMLA  V31.S4, V7.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DSTP)
	SUBS   $16, J
	BGE    t1cols16

t1cols4:
	ADD $16, J

t1cols4loop:
	CMP    $4, J
	BLT    t1cols1
	VLD1.P 16(XP), [V0.S4]
	VLD1.P 16(ROW0), [V4.S4]
	VFMLA  V31.S4, V4.S4, V0.S4
	VST1.P [V0.S4], 16(DSTP)
	SUB    $4, J
	B      t1cols4loop

t1cols1:
	CBZ J, t1next

t1cols1loop:
	FMOVS.P 4(XP), F0
	FMOVS.P 4(ROW0), F4
	FMADDS  F24, F0, F4, F0
	FMOVS.P F0, 4(DSTP)
	SUBS    $1, J
	BNE     t1cols1loop

t1next:
	ADD  STRIDE, A
	SUBS $1, M
	BNE  trow1loop

tdone:
	RET
