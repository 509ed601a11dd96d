//go:build !purego && !noasm

#include "textflag.h"

// ExpShiftSumAVX2 requires AVX2 and FMA3.
//
// Pass 2 of kernel.Softmax: dst[i] = e^(src[i] − m) by ExpAVX2's
// algorithm, and the sum of the results. Since src[i] − m ≤ 0, n is in
// [−150, 0], and 2^n is applied as 2^(n+24)·2^-24: the shifter carries the
// bias 127+24, so its bits shifted left by 23 are 2^(n+24), always normal;
// the first product is exact and the multiply by 2^-24 rounds once, the
// same single rounding as ExpAVX2's two-step scaling, without a branch.

#define SPLAT(name, bits) \
	DATA name+0(SB)/4, $bits;  \
	DATA name+4(SB)/4, $bits;  \
	DATA name+8(SB)/4, $bits;  \
	DATA name+12(SB)/4, $bits; \
	DATA name+16(SB)/4, $bits; \
	DATA name+20(SB)/4, $bits; \
	DATA name+24(SB)/4, $bits; \
	DATA name+28(SB)/4, $bits; \
	GLOBL name(SB), RODATA|NOPTR, $32

SPLAT(smLog2e<>, 0x3fb8aa3b)
SPLAT(smShift<>, 0x4b400097)   // 1.5·2^23 + 151
SPLAT(smNln2hi<>, 0xbf317218)
SPLAT(smNln2lo<>, 0x3102e308)
SPLAT(smC6<>, 0x3ab7f92a)
SPLAT(smC5<>, 0x3c092be9)
SPLAT(smC4<>, 0x3d2aa97f)
SPLAT(smC3<>, 0x3e2aaa33)
SPLAT(smC2<>, 0x3f000000)
SPLAT(smOne<>, 0x3f800000)
SPLAT(smXmin<>, 0xc2d00000)    // −104
SPLAT(smTwoM24<>, 0x33800000)  // 2^-24
SPLAT(smNegInf<>, 0xff800000)  // pads the tail buffer: e^−Inf = 0 adds nothing

#define DST    DI
#define SRC    SI
#define N      CX
#define TMP    AX
#define ACC    Y12 // partial sums
#define M      Y13 // m in all lanes
#define ONE    Y14
#define SHIFT  Y15
#define XMIN   smXmin<>(SB) // memory operands: the clamp need not pass NaN here
#define LOG2E  smLog2e<>(SB)
#define TWOM24 smTwoM24<>(SB)

// SM_EXP: P = e^(x − m) for x in X; X and ZB are scratch.
#define SM_EXP(X, ZB, P) \
	VSUBPS      M, X, X;                \ // x − m ≤ 0
	VMAXPS      XMIN, X, X;             \ // clamp at −104 (no NaN reaches here)
	VMOVAPS     SHIFT, ZB;              \
	VFMADD231PS LOG2E, X, ZB;           \ // x·log2e + shifter
	VSUBPS      SHIFT, ZB, P;           \ // n
	VFMADD231PS smNln2hi<>(SB), P, X;   \
	VFMADD231PS smNln2lo<>(SB), P, X;   \ // r
	VMOVUPS     smC6<>(SB), P;          \
	VFMADD213PS smC5<>(SB), X, P;       \ // Horner
	VFMADD213PS smC4<>(SB), X, P;       \
	VFMADD213PS smC3<>(SB), X, P;       \
	VFMADD213PS smC2<>(SB), X, P;       \
	VFMADD213PS ONE, X, P;              \
	VFMADD213PS ONE, X, P;              \ // e^r
	VPSLLD      $23, ZB, ZB;            \ // 2^(n+24)
	VMULPS      ZB, P, P;               \ // exact
	VMULPS      TWOM24, P, P              // ·2^-24, rounded once

// func ExpShiftSumAVX2(dst, src []float32, m float32) float32
TEXT ·ExpShiftSumAVX2(SB), NOSPLIT, $32-60
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	VBROADCASTSS m+48(FP), M
	VMOVUPS      smOne<>(SB), ONE
	VMOVUPS      smShift<>(SB), SHIFT
	VXORPS       ACC, ACC, ACC

	// Main loop: 32 elements (four vectors) per iteration, interleaved.
loop32:
	CMPQ    N, $32
	JB      loop8
	VMOVUPS 0(SRC), Y0
	VMOVUPS 32(SRC), Y3
	VMOVUPS 64(SRC), Y6
	VMOVUPS 96(SRC), Y9
	SM_EXP(Y0, Y1, Y2)
	SM_EXP(Y3, Y4, Y5)
	SM_EXP(Y6, Y7, Y8)
	SM_EXP(Y9, Y10, Y11)
	VMOVUPS Y2, 0(DST)
	VMOVUPS Y5, 32(DST)
	VMOVUPS Y8, 64(DST)
	VMOVUPS Y11, 96(DST)
	VADDPS  Y5, Y2, Y2
	VADDPS  Y11, Y8, Y8
	VADDPS  Y8, Y2, Y2
	VADDPS  Y2, ACC, ACC
	ADDQ    $128, SRC
	ADDQ    $128, DST
	SUBQ    $32, N
	JMP     loop32

	// One vector at a time while 8 or more are left.
loop8:
	CMPQ    N, $8
	JB      tail
	VMOVUPS (SRC), Y0
	SM_EXP(Y0, Y1, Y2)
	VMOVUPS Y2, (DST)
	VADDPS  Y2, ACC, ACC
	ADDQ    $32, SRC
	ADDQ    $32, DST
	SUBQ    $8, N
	JMP     loop8

	// The last 1..7 elements through a stack buffer padded with −Inf
	// (whose exponentials add exactly 0), copied in and out one element
	// at a time so no memory past the slices is touched.
tail:
	TESTQ   N, N
	JZ      reduce
	VMOVUPS smNegInf<>(SB), Y0
	VMOVUPS Y0, buf-32(SP)
	XORQ    TMP, TMP
copyin:
	MOVL    (SRC)(TMP*4), DX
	MOVL    DX, buf-32(SP)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyin
	VMOVUPS buf-32(SP), Y0
	SM_EXP(Y0, Y1, Y2)
	VADDPS  Y2, ACC, ACC
	VMOVUPS Y2, buf-32(SP)
	XORQ    TMP, TMP
copyout:
	MOVL    buf-32(SP)(TMP*4), DX
	MOVL    DX, (DST)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyout

	// The sum of the 8 partial sums.
reduce:
	VMOVAPS      ACC, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, ret+56(FP)
	VZEROUPPER
	RET
