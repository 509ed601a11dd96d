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

// Registers: three vectors in flight, A in Y0..Y4, B in Y5..Y9 and C in
// Y10..Y14, interleaved step by step so that each vector's long dependency
// chain (about 95 cycles) overlaps the others'; Y15 is scratch. Every
// constant is a memory operand, and x is read from src again at the end
// rather than kept, so that three vectors fit in the sixteen registers.
// The operations, and so the results, are those of the two-vector version
// this replaced, to the bit.
#define DST  DI  // &dst[i]
#define SRC  SI  // &src[i]
#define N    CX  // elements left
#define TMP  AX

// TANH_REDUCE: from x at M, R = r, ZB = the shifter sum (n+127 in its low
// bits), NF = n. A NaN lane is clamped like any other and comes out
// finite; TANH_FINISH puts the NaN back.
#define TANH_REDUCE(M, R, ZB, NF) \
	VMOVUPS     M, R;                        \
	VORPS       tanhSign<>(SB), R, R;        \ // −|x|
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

// TANH_DIV: S = 2^n (ZB shifted in place), OMS = 1−s, Q0 = num/den,
// Y = 1/den to 2^-11.
#define TANH_DIV(ZB, W, OMS, Q0, Y) \
	VPSLLD       $23, ZB, ZB;            \ // s = 2^n, n in [−58, 0]
	VMOVUPS      tanhOne<>(SB), OMS;     \
	VSUBPS       ZB, OMS, OMS;           \ // 1 − s, exact
	VMOVAPS      W, Q0;                  \
	VFNMADD213PS OMS, ZB, Q0;            \ // num = (1−s) − s·w
	VADDPS       tanhOne<>(SB), ZB, Y;   \ // 1 + s
	VFMADD231PS  W, ZB, Y;               \ // den = (1+s) + s·w
	VDIVPS       Y, Q0, Q0;              \ // q0 = num/den
	VRCPPS       Y, Y                      // y ≈ 1/den

// TANH_COMP: Q0 = q0 + ρ·y, ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w
// accumulated in OMS; Y15 holds 1+s for a moment.
#define TANH_COMP(S, W, OMS, Q0, Y) \
	VADDPS       tanhOne<>(SB), S, Y15; \ // 1 + s, again
	VFNMADD231PS Y15, Q0, OMS;          \ // ρ = (1−s) − q0·(1+s)
	VFNMADD231PS W, S, OMS;             \ // ρ −= s·w
	VMULPS       Q0, S, S;              \ // q0·s, exact
	VFNMADD231PS W, S, OMS;             \ // ρ −= (q0·s)·w
	VFMADD231PS  OMS, Y, Q0               // t = q0 + ρ·y

// TANH_FINISH: T gets the sign of x (read again from M), and is x itself
// where |x| < 2^-13 or x is NaN. X, T1 and T2 are scratch.
#define TANH_FINISH(M, T, X, T1, T2) \
	VMOVUPS   M, X;                           \
	VANDPS    tanhSign<>(SB), X, T1;          \
	VORPS     T1, T, T;                       \ // sign of x
	VORPS     tanhSign<>(SB), X, T2;          \ // −|x|
	VCMPPS    $0x06, tanhNtiny<>(SB), T2, T2; \ // !(−|x| ≤ −2^-13): tiny, or NaN
	VBLENDVPS T2, X, T, T

// TANH24: the tanh of the 24 elements at SRC, in Y3 (A), Y8 (B) and Y13
// (C), interleaved.
#define TANH24 \
	TANH_REDUCE(0(SRC), Y0, Y1, Y2);        \
	TANH_REDUCE(32(SRC), Y5, Y6, Y7);       \
	TANH_REDUCE(64(SRC), Y10, Y11, Y12);    \
	TANH_POLY(Y0, Y2, Y3);                  \
	TANH_POLY(Y5, Y7, Y8);                  \
	TANH_POLY(Y10, Y12, Y13);               \
	TANH_DIV(Y1, Y2, Y0, Y3, Y4);           \
	TANH_DIV(Y6, Y7, Y5, Y8, Y9);           \
	TANH_DIV(Y11, Y12, Y10, Y13, Y14);      \
	TANH_COMP(Y1, Y2, Y0, Y3, Y4);          \
	TANH_COMP(Y6, Y7, Y5, Y8, Y9);          \
	TANH_COMP(Y11, Y12, Y10, Y13, Y14);     \
	TANH_FINISH(0(SRC), Y3, Y1, Y2, Y0);    \
	TANH_FINISH(32(SRC), Y8, Y6, Y7, Y5);   \
	TANH_FINISH(64(SRC), Y13, Y11, Y12, Y10)

// func TanhAVX2(dst, src []float32)
TEXT ·TanhAVX2(SB), NOSPLIT, $96-48
	MOVQ    dst_base+0(FP), DST
	MOVQ    src_base+24(FP), SRC
	MOVQ    src_len+32(FP), N

	// Main loop: 24 elements (three vectors) per iteration.
loop24:
	CMPQ    N, $24
	JB      tail
	TANH24
	VMOVUPS Y3, 0(DST)
	VMOVUPS Y8, 32(DST)
	VMOVUPS Y13, 64(DST)
	ADDQ    $96, SRC
	ADDQ    $96, DST
	SUBQ    $24, N
	JMP     loop24

	// The last 1..23 elements go through a 24-element buffer on the
	// stack, copied in and out one element at a time, so no memory past
	// the slices is touched. (VMASKMOVPS would do on hardware, but qemu
	// faults on its masked-off lanes.)
tail:
	TESTQ   N, N
	JZ      done
	VXORPS  Y0, Y0, Y0
	VMOVUPS Y0, buf-96(SP)
	VMOVUPS Y0, buf-64(SP)
	VMOVUPS Y0, buf-32(SP)
	XORQ    TMP, TMP
copyin:
	MOVL    (SRC)(TMP*4), DX
	MOVL    DX, buf-96(SP)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyin
	LEAQ    buf-96(SP), SRC
	TANH24
	VMOVUPS Y3, buf-96(SP)
	VMOVUPS Y8, buf-64(SP)
	VMOVUPS Y13, buf-32(SP)
	XORQ    TMP, TMP
copyout:
	MOVL    buf-96(SP)(TMP*4), DX
	MOVL    DX, (DST)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyout

done:
	VZEROUPPER
	RET
