//go:build !purego && !noasm

#include "textflag.h"

// TanhAVX2 requires AVX2 and FMA3.
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): with a = |x| and e = e^(−2a) = 2^n·(1+w),
//
//	tanh(a) = ((1−2^n) − 2^n·w) / ((1+2^n) + 2^n·w)
//
// −2a is clamped at −40 and reduced as in Exp, w = expm1(r) = r + r²·q(r)
// (q of degree 5, Horner), and the quotient is compensated: q0 = num/den
// (VDIVPS), y = VRCPPS(den) (12 bits suffice for the correction),
//
//	ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w   (the exact num − q0·den)
//	t = q0 + ρ·y
//
// Inputs with |x| < 2^-13 are returned as they are, and t takes the sign
// of x (so tanh is odd to the bit).

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

SPLAT(tanhLog2e<>, 0x3fb8aa3b)
SPLAT(tanhShift<>, 0x4b40007f)  // 1.5·2^23 + 127
SPLAT(tanhNln2hi<>, 0xbf317218)
SPLAT(tanhNln2lo<>, 0x3102e308)
SPLAT(tanhM7<>, 0x394e3300)     // q(r) coefficients, r^5 down to r^0
SPLAT(tanhM6<>, 0x3ab6a607)
SPLAT(tanhM5<>, 0x3c0889d6)
SPLAT(tanhM4<>, 0x3d2aaa75)
SPLAT(tanhM3<>, 0x3e2aaaaa)
SPLAT(tanhM2<>, 0x3f000000)
SPLAT(tanhOne<>, 0x3f800000)
SPLAT(tanhClamp<>, 0xc2200000)  // −40
SPLAT(tanhNtiny<>, 0xb9000000)  // −2^-13
SPLAT(tanhSign<>, 0x80000000)

// Registers: two vectors' temporaries, A in Y0..Y6 and B in Y7..Y13,
// interleaved step by step so that each vector's long dependency chain
// overlaps the other's; the constants ONE and SIGN in Y14 and Y15, the
// rest as memory operands.
#define DST  DI  // &dst[i]
#define SRC  SI  // &src[i]
#define N    CX  // elements left
#define TMP  AX
#define ONE  Y14
#define SIGN Y15

// TANH_REDUCE: from x in X, R = r, ZB = the shifter sum (n+127 in its low
// bits), NF = n. A NaN lane is clamped like any other and comes out
// finite; TANH_FINISH puts the NaN back.
#define TANH_REDUCE(X, R, ZB, NF) \
	VORPS       SIGN, X, R;                  \ // −|x|
	VADDPS      R, R, R;                     \ // −2|x|, exact
	VMAXPS      tanhClamp<>(SB), R, R;       \ // clamp at −40
	VMOVUPS     tanhShift<>(SB), ZB;         \
	VFMADD231PS tanhLog2e<>(SB), R, ZB;      \ // −2a·log2e + shifter
	VSUBPS      tanhShift<>(SB), ZB, NF;     \ // n
	VFMADD231PS tanhNln2hi<>(SB), NF, R;     \ // −2a − n·ln2hi, exact
	VFMADD231PS tanhNln2lo<>(SB), NF, R        // r

// TANH_POLY: W = expm1(r) = r + r²·q(r) (W may be NF); R2 = r².
#define TANH_POLY(R, W, R2) \
	VMOVUPS     tanhM7<>(SB), W;         \
	VFMADD213PS tanhM6<>(SB), R, W;      \ // Horner for q(r)
	VFMADD213PS tanhM5<>(SB), R, W;      \
	VFMADD213PS tanhM4<>(SB), R, W;      \
	VFMADD213PS tanhM3<>(SB), R, W;      \
	VFMADD213PS tanhM2<>(SB), R, W;      \
	VMULPS      R, R, R2;                \ // r²
	VFMADD213PS R, R2, W                   // w = r²·q + r

// TANH_DIV: S = 2^n (from ZB), OMS = 1−s, OPS = 1+s, Q0 = num/den,
// Y = 1/den to 2^-11.
#define TANH_DIV(ZB, W, OMS, OPS, Q0, Y) \
	VPSLLD       $23, ZB, ZB;   \ // s = 2^n, n in [−58, 0]
	VSUBPS       ZB, ONE, OMS;  \ // 1 − s, exact
	VADDPS       ONE, ZB, OPS;  \ // 1 + s
	VMOVAPS      W, Q0;         \
	VFNMADD213PS OMS, ZB, Q0;   \ // num = (1−s) − s·w
	VMOVAPS      W, Y;          \
	VFMADD213PS  OPS, ZB, Y;    \ // den = (1+s) + s·w
	VDIVPS       Y, Q0, Q0;     \ // q0 = num/den
	VRCPPS       Y, Y             // y ≈ 1/den

// TANH_COMP: Q0 = q0 + ρ·y, ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w
// accumulated in OMS.
#define TANH_COMP(S, W, OMS, OPS, Q0, Y) \
	VFNMADD231PS OPS, Q0, OMS; \ // ρ = (1−s) − q0·(1+s)
	VFNMADD231PS W, S, OMS;    \ // ρ −= s·w
	VMULPS       Q0, S, S;     \ // q0·s, exact
	VFNMADD231PS W, S, OMS;    \ // ρ −= (q0·s)·w
	VFMADD231PS  OMS, Y, Q0      // t = q0 + ρ·y

// TANH_FINISH: T gets the sign of x, and is x itself where |x| < 2^-13 or
// x is NaN. T1 and T2 are scratch.
#define TANH_FINISH(X, T, T1, T2) \
	VANDPS    SIGN, X, T1;                  \
	VORPS     T1, T, T;                     \ // sign of x
	VORPS     SIGN, X, T2;                  \ // −|x|
	VCMPPS    $0x06, tanhNtiny<>(SB), T2, T2; \ // !(−|x| ≤ −2^-13): tiny, or NaN
	VBLENDVPS T2, X, T, T

// TANH16: Y5 = tanh(Y0) and Y12 = tanh(Y7), interleaved.
#define TANH16 \
	TANH_REDUCE(Y0, Y1, Y2, Y3);          \
	TANH_REDUCE(Y7, Y8, Y9, Y10);         \
	TANH_POLY(Y1, Y3, Y4);                \
	TANH_POLY(Y8, Y10, Y11);              \
	TANH_DIV(Y2, Y3, Y1, Y4, Y5, Y6);     \
	TANH_DIV(Y9, Y10, Y8, Y11, Y12, Y13); \
	TANH_COMP(Y2, Y3, Y1, Y4, Y5, Y6);    \
	TANH_COMP(Y9, Y10, Y8, Y11, Y12, Y13); \
	TANH_FINISH(Y0, Y5, Y1, Y2);          \
	TANH_FINISH(Y7, Y12, Y8, Y9)

// func TanhAVX2(dst, src []float32)
TEXT ·TanhAVX2(SB), NOSPLIT, $64-48
	MOVQ    dst_base+0(FP), DST
	MOVQ    src_base+24(FP), SRC
	MOVQ    src_len+32(FP), N
	VMOVUPS tanhOne<>(SB), ONE
	VMOVUPS tanhSign<>(SB), SIGN

	// Main loop: 32 elements (four vectors) per iteration, two at a time.
loop32:
	CMPQ    N, $32
	JB      loop16
	VMOVUPS 0(SRC), Y0
	VMOVUPS 32(SRC), Y7
	TANH16
	VMOVUPS Y5, 0(DST)
	VMOVUPS Y12, 32(DST)
	VMOVUPS 64(SRC), Y0
	VMOVUPS 96(SRC), Y7
	TANH16
	VMOVUPS Y5, 64(DST)
	VMOVUPS Y12, 96(DST)
	ADDQ    $128, SRC
	ADDQ    $128, DST
	SUBQ    $32, N
	JMP     loop32

	// Two vectors if 16 or more are left.
loop16:
	CMPQ    N, $16
	JB      tail
	VMOVUPS 0(SRC), Y0
	VMOVUPS 32(SRC), Y7
	TANH16
	VMOVUPS Y5, 0(DST)
	VMOVUPS Y12, 32(DST)
	ADDQ    $64, SRC
	ADDQ    $64, DST
	SUBQ    $16, N

	// The last 1..15 elements go through a sixteen-element buffer on the
	// stack, copied in and out one element at a time, so no memory past
	// the slices is touched. (VMASKMOVPS would do on hardware, but qemu
	// faults on its masked-off lanes.)
tail:
	TESTQ   N, N
	JZ      done
	VXORPS  Y0, Y0, Y0
	VMOVUPS Y0, buf-64(SP)
	VMOVUPS Y0, buf-32(SP)
	XORQ    TMP, TMP
copyin:
	MOVL    (SRC)(TMP*4), DX
	MOVL    DX, buf-64(SP)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyin
	VMOVUPS buf-64(SP), Y0
	VMOVUPS buf-32(SP), Y7
	TANH16
	VMOVUPS Y5, buf-64(SP)
	VMOVUPS Y12, buf-32(SP)
	XORQ    TMP, TMP
copyout:
	MOVL    buf-64(SP)(TMP*4), DX
	MOVL    DX, (DST)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyout

done:
	VZEROUPPER
	RET
