//go:build !purego && !noasm

#include "textflag.h"

// GemvNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Registers:
#define DST    R0  // &dst[i]
#define A      R1  // start of the current block of rows of a
#define STRIDE R2  // row stride in bytes
#define X      R3  // &x[0]
#define N      R4  // columns: len(x)
#define M      R5  // rows left
#define ACC    R6  // accumulate flag
#define ROW0   R7  // &a[i+0, j]
#define ROW1   R8  // &a[i+1, j]
#define ROW2   R9  // &a[i+2, j]
#define ROW3   R10 // &a[i+3, j]
#define XP     R11 // &x[j]
#define J      R13 // columns left

// func GemvNEON(dst, a []float32, stride int, x []float32, accumulate bool)
TEXT ·GemvNEON(SB), NOSPLIT, $0-81
	MOVD  dst_base+0(FP), DST
	MOVD  dst_len+8(FP), M
	MOVD  a_base+24(FP), A
	MOVD  stride+48(FP), STRIDE
	MOVD  x_base+56(FP), X
	MOVD  x_len+64(FP), N
	MOVBU accumulate+80(FP), ACC
	LSL   $2, STRIDE

	CMP $4, M
	BLT rows1

	// Four rows at a time: each load of x feeds four rows. Row k has four
	// accumulators V(16+4k)..V(19+4k), sixteen FMLA chains in all.
rows4:
	MOVD A, ROW0
	ADD  STRIDE, ROW0, ROW1
	ADD  STRIDE, ROW1, ROW2
	ADD  STRIDE, ROW2, ROW3
	MOVD X, XP
	MOVD N, J
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
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	VEOR V12.B16, V12.B16, V12.B16 // F12..F15: the rows' scalar-tail sums
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16

	// Sixteen columns per iteration (one load of x, one of each row, 16
	// FMLAs); J is kept 16 below the true count.
	SUBS $16, J
	BLT  cols4

cols16:
	VLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(ROW0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(ROW1), [V8.S4, V9.S4, V10.S4, V11.S4]
	// row 0 += a[i, j:j+16] * x[j:j+16]
	VFMLA  V0.S4, V4.S4, V16.S4
	VFMLA  V1.S4, V5.S4, V17.S4
	VFMLA  V2.S4, V6.S4, V18.S4
	VFMLA  V3.S4, V7.S4, V19.S4
	// row 1
	VFMLA  V0.S4, V8.S4, V20.S4
	VFMLA  V1.S4, V9.S4, V21.S4
	VFMLA  V2.S4, V10.S4, V22.S4
	VFMLA  V3.S4, V11.S4, V23.S4
	VLD1.P 64(ROW2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(ROW3), [V8.S4, V9.S4, V10.S4, V11.S4]
	// row 2
	VFMLA  V0.S4, V4.S4, V24.S4
	VFMLA  V1.S4, V5.S4, V25.S4
	VFMLA  V2.S4, V6.S4, V26.S4
	VFMLA  V3.S4, V7.S4, V27.S4
	// row 3
	VFMLA  V0.S4, V8.S4, V28.S4
	VFMLA  V1.S4, V9.S4, V29.S4
	VFMLA  V2.S4, V10.S4, V30.S4
	VFMLA  V3.S4, V11.S4, V31.S4
	SUBS   $16, J
	BGE    cols16

cols4:
	ADD $16, J

	// Whole vectors left, four columns at a time.
cols4loop:
	CMP    $4, J
	BLT    cols1
	VLD1.P 16(XP), [V0.S4]
	VLD1.P 16(ROW0), [V4.S4]
	VLD1.P 16(ROW1), [V5.S4]
	VLD1.P 16(ROW2), [V6.S4]
	VLD1.P 16(ROW3), [V7.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	VFMLA  V0.S4, V5.S4, V20.S4
	VFMLA  V0.S4, V6.S4, V24.S4
	VFMLA  V0.S4, V7.S4, V28.S4
	SUB    $4, J
	B      cols4loop

	// Scalar columns, 0..3, never reading past a row's end.
cols1:
	CBZ J, reduce4

cols1loop:
	FMOVS.P 4(XP), F0
	FMOVS.P 4(ROW0), F4
	FMOVS.P 4(ROW1), F5
	FMOVS.P 4(ROW2), F6
	FMOVS.P 4(ROW3), F7
	FMADDS  F0, F12, F4, F12 // F12 += a[i+0, j] * x[j]
	FMADDS  F0, F13, F5, F13
	FMADDS  F0, F14, F6, F14
	FMADDS  F0, F15, F7, F15
	SUBS    $1, J
	BNE     cols1loop

	// Reduce: each row's four accumulators to one, then pairwise adds
	// to one vector of four row sums, plus the scalar tails.
reduce4:
	WORD $0x4e31d610 // fadd v16.4s, v16.4s, v17.4s
	WORD $0x4e33d652 // fadd v18.4s, v18.4s, v19.4s
	WORD $0x4e32d610 // fadd v16.4s, v16.4s, v18.4s
	WORD $0x4e35d694 // fadd v20.4s, v20.4s, v21.4s
	WORD $0x4e37d6d6 // fadd v22.4s, v22.4s, v23.4s
	WORD $0x4e36d694 // fadd v20.4s, v20.4s, v22.4s
	WORD $0x4e39d718 // fadd v24.4s, v24.4s, v25.4s
	WORD $0x4e3bd75a // fadd v26.4s, v26.4s, v27.4s
	WORD $0x4e3ad718 // fadd v24.4s, v24.4s, v26.4s
	WORD $0x4e3dd79c // fadd v28.4s, v28.4s, v29.4s
	WORD $0x4e3fd7de // fadd v30.4s, v30.4s, v31.4s
	WORD $0x4e3ed79c // fadd v28.4s, v28.4s, v30.4s
	WORD $0x6e34d610                 // faddp v16.4s, v16.4s, v20.4s
	WORD $0x6e3cd718                 // faddp v24.4s, v24.4s, v28.4s
	WORD $0x6e38d610                 // faddp v16.4s, v16.4s, v24.4s
	VMOV V13.S[0], V12.S[1] // V12 = [t0, t1, t2, t3]
	VMOV V14.S[0], V12.S[2]
	VMOV V15.S[0], V12.S[3]
	WORD $0x4e2cd610                 // fadd v16.4s, v16.4s, v12.4s
	CBZ  ACC, store4
	VLD1 (DST), [V0.S4]
	WORD $0x4e20d610                 // fadd v16.4s, v16.4s, v0.4s

store4:
	VST1.P [V16.S4], 16(DST)
	ADD    STRIDE<<2, A, A   // next four rows
	SUB    $4, M
	CMP    $4, M
	BGE    rows4

	// Rows left over, 0..3, one at a time with four accumulators.
rows1:
	CBZ M, done

row1loop:
	MOVD A, ROW0
	MOVD X, XP
	MOVD N, J
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V12.B16, V12.B16, V12.B16
	SUBS $16, J
	BLT  r1cols4

r1cols16:
	VLD1.P 64(XP), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(ROW0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	VFMLA  V1.S4, V5.S4, V17.S4
	VFMLA  V2.S4, V6.S4, V18.S4
	VFMLA  V3.S4, V7.S4, V19.S4
	SUBS   $16, J
	BGE    r1cols16

r1cols4:
	ADD $16, J

r1cols4loop:
	CMP    $4, J
	BLT    r1cols1
	VLD1.P 16(XP), [V0.S4]
	VLD1.P 16(ROW0), [V4.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	SUB    $4, J
	B      r1cols4loop

r1cols1:
	CBZ J, r1reduce

r1cols1loop:
	FMOVS.P 4(XP), F0
	FMOVS.P 4(ROW0), F4
	FMADDS  F0, F12, F4, F12
	SUBS    $1, J
	BNE     r1cols1loop

r1reduce:
	WORD  $0x4e31d610          // fadd v16.4s, v16.4s, v17.4s
	WORD  $0x4e33d652          // fadd v18.4s, v18.4s, v19.4s
	WORD  $0x4e32d610          // fadd v16.4s, v16.4s, v18.4s
	WORD  $0x6e30d610          // faddp v16.4s, v16.4s, v16.4s
	WORD  $0x7e30da10          // faddp s16, v16.2s
	FADDS F12, F16, F16
	CBZ   ACC, r1store
	FMOVS (DST), F0
	FADDS F0, F16, F16

r1store:
	FMOVS.P F16, 4(DST)
	ADD     STRIDE, A
	SUBS    $1, M
	BNE     row1loop

done:
	RET
