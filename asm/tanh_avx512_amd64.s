//go:build !purego && !noasm

#include "textflag.h"

// TanhAVX512 requires AVX-512F and AVX-512DQ (VANDPS/VORPS on zmm).
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): with a = |x| and e = e^(−2a) = 2^n·(1+w),
//
//	tanh(a) = ((1−2^n) − 2^n·w) / ((1+2^n) + 2^n·w)
//
// −2a is clamped at −40 and reduced as in Exp (n = round(−2a·log2e),
// r = −2a − n·ln2hi − n·ln2lo), w = expm1(r) = r + r²·q(r) with q of
// degree 5 (Horner), and the quotient is compensated: q0 = num·y with
// y = VRCP14PS(den) (14 bits), then
//
//	ρ = ((1−s) − q0·(1+s)) − s·w − (q0·s)·w   (the exact num − q0·den)
//	t = q0 + ρ·y
//
// Inputs with |x| < 2^-13 are returned as they are, and t takes the sign
// of x (so tanh is odd to the bit).

// Registers: constants in Z17..Z31, two vectors' temporaries in Z0..Z15.
#define DST    DI  // &dst[i]
#define SRC    SI  // &src[i]
#define N      CX  // elements left
#define TMP    AX
#define LOG2E  Z17
#define SHIFT  Z18 // 1.5·2^23 + 127
#define NLN2HI Z19
#define NLN2LO Z20
#define M7     Z21 // q(r) coefficients, r^5 down to r^0
#define M6     Z22
#define M5     Z23
#define M4     Z24
#define M3     Z25
#define M2     Z26
#define ONE    Z27
#define CLAMP  Z28 // −40: −2|x| is clamped here
#define NTINY  Z29 // −2^-13: |x| < 2^-13 ⇔ −|x| > −2^-13
#define SIGN   Z30 // 0x80000000

#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// TANH_REDUCE: from x in X, R = r, ZB = the shifter sum (its bits hold
// n+127 low), NF = n, and K = the lanes with |x| < 2^-13.
#define TANH_REDUCE(X, R, ZB, NF, K) \
	VORPS       SIGN, X, R;     \ // −|x|
	VCMPPS      $14, NTINY, R, K; \ // K = (−|x| > −2^-13), false for NaN
	VADDPS      R, R, R;        \ // −2|x|, exact
	VMAXPS      R, CLAMP, R;    \ // clamp at −40; NaN passes (second source)
	VMOVAPS     SHIFT, ZB;      \
	VFMADD231PS LOG2E, R, ZB;   \ // −2a·log2e + shifter, rounded to an integer
	VSUBPS      SHIFT, ZB, NF;  \ // n
	VFMADD231PS NLN2HI, NF, R;  \ // −2a − n·ln2hi, exact
	VFMADD231PS NLN2LO, NF, R     // r

// TANH_POLY: W = expm1(r) = r + r²·q(r), using R2 for r²; NF is free and
// becomes W.
#define TANH_POLY(R, W, R2) \
	VMOVAPS     M7, W;     \
	VFMADD213PS M6, R, W;  \ // W = W·r + m6
	VFMADD213PS M5, R, W;  \
	VFMADD213PS M4, R, W;  \
	VFMADD213PS M3, R, W;  \
	VFMADD213PS M2, R, W;  \
	VMULPS      R, R, R2;  \
	VFMADD213PS R, R2, W     // W = r²·q + r

// TANH_QUOT: the compensated quotient. In: ZB (shifter sum), W; out: Q0
// = t = |tanh x|. S, OMS, OPS, NUM, Y are scratch (Y may be R, Q0 may be
// R2).
#define TANH_QUOT(ZB, W, OMS, OPS, NUM, Y, Q0) \
	VPSLLD       $23, ZB, ZB;   \ // s = 2^n (n in [−58, 0]): the biased exponent shifted into place
	VSUBPS       ZB, ONE, OMS;  \ // 1 − s, exact
	VADDPS       ZB, ONE, OPS;  \ // 1 + s (exact for n ≥ −23)
	VMOVAPS      W, NUM;        \
	VFNMADD213PS OMS, ZB, NUM;  \ // num = (1−s) − s·w
	VMOVAPS      W, Q0;         \
	VFMADD213PS  OPS, ZB, Q0;   \ // den = (1+s) + s·w
	VRCP14PS     Q0, Y;         \ // y ≈ 1/den to 2^-14
	VMULPS       Y, NUM, Q0;    \ // q0 = num·y
	VFNMADD231PS OPS, Q0, OMS;  \ // ρ = (1−s) − q0·(1+s)
	VFNMADD231PS W, ZB, OMS;    \ // ρ −= s·w
	VMULPS       Q0, ZB, ZB;    \ // q0·s, exact
	VFNMADD231PS W, ZB, OMS;    \ // ρ −= (q0·s)·w
	VFMADD231PS  OMS, Y, Q0       // t = q0 + ρ·y

// TANH_FINISH: T |= sign(x) (VPTERNLOGD 0xf8: T | (X & SIGN)), then x
// itself where K (tiny).
#define TANH_FINISH(X, T, K) \
	VPTERNLOGD $0xf8, SIGN, X, T; \
	VMOVAPS    X, K, T

// TANH2 computes two vectors, X0 → T0 and X1 → T1, interleaved.
#define TANH2(X0, X1) \
	TANH_REDUCE(X0, Z2, Z3, Z4, K2); \
	TANH_REDUCE(X1, Z10, Z11, Z12, K3); \
	TANH_POLY(Z2, Z4, Z5);              \
	TANH_POLY(Z10, Z12, Z13);           \
	TANH_QUOT(Z3, Z4, Z6, Z7, Z1, Z2, Z5);    \
	TANH_QUOT(Z11, Z12, Z14, Z15, Z9, Z10, Z13); \
	TANH_FINISH(X0, Z5, K2);            \
	TANH_FINISH(X1, Z13, K3)

// func TanhAVX512(dst, src []float32)
TEXT ·TanhAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DST
	MOVQ src_base+24(FP), SRC
	MOVQ src_len+32(FP), N

	BCAST(0x3fb8aa3b, LOG2E)
	BCAST(0x4b40007f, SHIFT)
	BCAST(0xbf317218, NLN2HI)
	BCAST(0x3102e308, NLN2LO)
	BCAST(0x394e3300, M7)
	BCAST(0x3ab6a607, M6)
	BCAST(0x3c0889d6, M5)
	BCAST(0x3d2aaa75, M4)
	BCAST(0x3e2aaaaa, M3)
	BCAST(0x3f000000, M2)
	BCAST(0x3f800000, ONE)
	BCAST(0xc2200000, CLAMP)
	BCAST(0xb9000000, NTINY)
	BCAST(0x80000000, SIGN)

	// Main loop: 64 elements per iteration, as two interleaved pairs of
	// vectors (each pair uses all sixteen scratch registers).
loop64:
	CMPQ    N, $64
	JB      loop32
	VMOVUPS 0(SRC), Z0
	VMOVUPS 64(SRC), Z8
	TANH2(Z0, Z8)
	VMOVUPS Z5, 0(DST)
	VMOVUPS Z13, 64(DST)
	VMOVUPS 128(SRC), Z0
	VMOVUPS 192(SRC), Z8
	TANH2(Z0, Z8)
	VMOVUPS Z5, 128(DST)
	VMOVUPS Z13, 192(DST)
	ADDQ    $256, SRC
	ADDQ    $256, DST
	SUBQ    $64, N
	JMP     loop64

	// Two vectors while 32 or more are left.
loop32:
	CMPQ    N, $32
	JB      tail
	VMOVUPS 0(SRC), Z0
	VMOVUPS 64(SRC), Z8
	TANH2(Z0, Z8)
	VMOVUPS Z5, 0(DST)
	VMOVUPS Z13, 64(DST)
	ADDQ    $128, SRC
	ADDQ    $128, DST
	SUBQ    $32, N

	// The last 1..31 elements: the first vector under K1, the second
	// under K4 (each (1<<count)−1, possibly empty); masked-off lanes are
	// neither read nor written.
tail:
	TESTQ     N, N
	JZ        done
	MOVQ      $1, TMP
	SHLQ      CX, TMP             // N is CX, the shift count register
	DECQ      TMP                 // 1..31 low bits set
	KMOVD     TMP, K1             // K1 = low 16 bits: the first vector
	SHRQ      $16, TMP
	KMOVD     TMP, K4             // K4 = the rest: the second vector
	VMOVUPS.Z 0(SRC), K1, Z0
	VMOVUPS.Z 64(SRC), K4, Z8
	TANH2(Z0, Z8)
	VMOVUPS   Z5, K1, 0(DST)
	VMOVUPS   Z13, K4, 64(DST)

done:
	VZEROUPPER
	RET
