//go:build !purego && !noasm

#include "textflag.h"

// SigmoidAVX512 requires AVX-512F and AVX-512DQ (VORPS on zmm, VPMOVD2M).
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): e = e^(−|x|) exactly as ExpAVX512 computes it (clamp
// at −104, Cody–Waite reduction, degree-6 polynomial, VSCALEFPS, so the
// subnormal results of x < −87.3 underflow gradually), then
//
//	σ = num/(1+e), num = 1 for x ≥ 0 and e for x < 0,
//
// as a compensated quotient: 1+e = dh + dl exactly (Fast2Sum), q0 = num·y
// with y = VRCP14PS(dh), ρ = num − q0·dh − q0·dl (two FMAs), σ = q0 + ρ·y.

// Registers: constants in Z20..Z31, two vectors' temporaries in Z0..Z15.
#define DST    DI  // &dst[i]
#define SRC    SI  // &src[i]
#define N      CX  // elements left
#define TMP    AX
#define LOG2E  Z20
#define SHIFT  Z21 // 1.5·2^23 + 127
#define NLN2HI Z22
#define NLN2LO Z23
#define C6     Z24 // Exp's polynomial, c6 down to c2; c1 = c0 = 1
#define C5     Z25
#define C4     Z26
#define C3     Z27
#define C2     Z28
#define ONE    Z29
#define XMIN   Z30 // −104
#define SIGN   Z31 // 0x80000000

#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// SIG_EXP: E = e^(−|x|) for x in X; R and NF are scratch.
#define SIG_EXP(X, R, NF, E) \
	VORPS       SIGN, X, R;    \ // −|x|
	VMAXPS      R, XMIN, R;    \ // clamp at −104; NaN passes (second source)
	VMOVAPS     SHIFT, NF;     \
	VFMADD231PS LOG2E, R, NF;  \ // −|x|·log2e + shifter, rounded to an integer
	VSUBPS      SHIFT, NF, NF; \ // n
	VFMADD231PS NLN2HI, NF, R; \
	VFMADD231PS NLN2LO, NF, R; \ // r
	VMOVAPS     C6, E;         \
	VFMADD213PS C5, R, E;      \ // Horner: E = E·r + c5 ...
	VFMADD213PS C4, R, E;      \
	VFMADD213PS C3, R, E;      \
	VFMADD213PS C2, R, E;      \
	VFMADD213PS ONE, R, E;     \
	VFMADD213PS ONE, R, E;     \ // e^r
	VSCALEFPS   NF, E, E         // e = e^r·2^n, rounded once

// SIG_QUOT: T = num/(1+e), compensated. DL may be NF; NUM may be R.
#define SIG_QUOT(X, E, DH, DL, NUM, Y, T, K) \
	VADDPS       E, ONE, DH;     \ // dh = 1 + e, rounded
	VSUBPS       DH, ONE, DL;    \ // 1 − dh, exact
	VADDPS       E, DL, DL;      \ // dl = (1 − dh) + e, exact: 1+e = dh+dl
	VPMOVD2M     X, K;           \ // K = sign bits of x
	VBLENDMPS    E, ONE, K, NUM; \ // num = e where x < 0, else 1
	VRCP14PS     DH, Y;          \ // y ≈ 1/dh to 2^-14
	VMULPS       Y, NUM, T;      \ // q0 = num·y
	VFNMADD231PS DH, T, NUM;     \ // ρ = num − q0·dh (exact)
	VFNMADD231PS DL, T, NUM;     \ // ρ −= q0·dl
	VFMADD231PS  NUM, Y, T         // σ = q0 + ρ·y

// SIG2 computes two vectors, X0 → Z5 and X1 → Z13, interleaved.
#define SIG2(X0, X1) \
	SIG_EXP(X0, Z1, Z2, Z3);                     \
	SIG_EXP(X1, Z9, Z10, Z11);                   \
	SIG_QUOT(X0, Z3, Z4, Z2, Z1, Z6, Z5, K2);    \
	SIG_QUOT(X1, Z11, Z12, Z10, Z9, Z14, Z13, K3)

// func SigmoidAVX512(dst, src []float32)
TEXT ·SigmoidAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DST
	MOVQ src_base+24(FP), SRC
	MOVQ src_len+32(FP), N

	BCAST(0x3fb8aa3b, LOG2E)
	BCAST(0x4b40007f, SHIFT)
	BCAST(0xbf317218, NLN2HI)
	BCAST(0x3102e308, NLN2LO)
	BCAST(0x3ab7f92a, C6)
	BCAST(0x3c092be9, C5)
	BCAST(0x3d2aa97f, C4)
	BCAST(0x3e2aaa33, C3)
	BCAST(0x3f000000, C2)
	BCAST(0x3f800000, ONE)
	BCAST(0xc2d00000, XMIN)
	BCAST(0x80000000, SIGN)

	// Main loop: 64 elements per iteration, as two interleaved pairs of
	// vectors.
loop64:
	CMPQ    N, $64
	JB      loop32
	VMOVUPS 0(SRC), Z0
	VMOVUPS 64(SRC), Z8
	SIG2(Z0, Z8)
	VMOVUPS Z5, 0(DST)
	VMOVUPS Z13, 64(DST)
	VMOVUPS 128(SRC), Z0
	VMOVUPS 192(SRC), Z8
	SIG2(Z0, Z8)
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
	SIG2(Z0, Z8)
	VMOVUPS Z5, 0(DST)
	VMOVUPS Z13, 64(DST)
	ADDQ    $128, SRC
	ADDQ    $128, DST
	SUBQ    $32, N

	// The last 1..31 elements under K1 (first vector) and K4 (second).
tail:
	TESTQ     N, N
	JZ        done
	MOVQ      $1, TMP
	SHLQ      CX, TMP             // N is CX, the shift count register
	DECQ      TMP
	KMOVD     TMP, K1
	SHRQ      $16, TMP
	KMOVD     TMP, K4
	VMOVUPS.Z 0(SRC), K1, Z0
	VMOVUPS.Z 64(SRC), K4, Z8
	SIG2(Z0, Z8)
	VMOVUPS   Z5, K1, 0(DST)
	VMOVUPS   Z13, K4, 64(DST)

done:
	VZEROUPPER
	RET
