//go:build !purego && !noasm

#include "textflag.h"

// SigmoidAVX2 requires AVX2 and FMA3.
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): e = e^(−|x|) exactly as ExpAVX2 computes it (clamp
// at −104, Cody–Waite reduction, degree-6 polynomial, 2^n in the exponent
// bits, in two factors where 2^n is subnormal so the results of
// x < −87.3 underflow gradually), then
//
//	σ = num/(1+e), num = 1 for x ≥ 0 and e for x < 0,
//
// as a compensated quotient: 1+e = dh + dl exactly (Fast2Sum), q0 = num/dh
// (VDIVPS), ρ = num − q0·dh − q0·dl (two FMAs), σ = q0 + ρ·y with
// y = VRCPPS(dh).

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

SPLAT(sigLog2e<>, 0x3fb8aa3b)
SPLAT(sigShift<>, 0x4b40007f)  // 1.5·2^23 + 127
SPLAT(sigNln2hi<>, 0xbf317218)
SPLAT(sigNln2lo<>, 0x3102e308)
SPLAT(sigC6<>, 0x3ab7f92a)
SPLAT(sigC5<>, 0x3c092be9)
SPLAT(sigC4<>, 0x3d2aa97f)
SPLAT(sigC3<>, 0x3e2aaa33)
SPLAT(sigC2<>, 0x3f000000)
SPLAT(sigOne<>, 0x3f800000)
SPLAT(sigXmin<>, 0xc2d00000)   // −104
SPLAT(sigAbs<>, 0x7fffffff)
SPLAT(sigFast<>, 0x42af0000)   // 87.5: |x| ≤ this keeps 2^n normal
SPLAT(sigSign<>, 0x80000000)
SPLAT(sigMagic<>, 0x4b400000)  // the shifter's bits without the bias
SPLAT(sig64<>, 0x00000040)     // 64 and 63: biases of the two factors
SPLAT(sig63<>, 0x0000003f)

// Registers: the four input vectors Y0..Y3; two vectors' temporaries,
// A in Y4..Y8 and B in Y9..Y13, so that each pair's long dependency
// chains interleave; the constants ONE and XMIN in Y14 and Y15, the rest
// as memory operands.
#define DST   DI  // &dst[i]
#define SRC   SI  // &src[i]
#define N     CX  // elements left
#define FLAG  BX
#define TMP   AX
#define ONE   Y14
#define XMIN  Y15

// SIG_E: P = e^r and ZB = the shifter sum (n+127 in its low bits) for
// −|x|, x in X; R = r and NF = n are scratch.
#define SIG_E(X, R, ZB, NF, P) \
	VORPS       sigSign<>(SB), X, R;      \ // −|x|
	VMAXPS      R, XMIN, R;               \ // clamp at −104; NaN passes (second source)
	VMOVUPS     sigShift<>(SB), ZB;       \
	VFMADD231PS sigLog2e<>(SB), R, ZB;    \ // −|x|·log2e + shifter
	VSUBPS      sigShift<>(SB), ZB, NF;   \ // n
	VFMADD231PS sigNln2hi<>(SB), NF, R;   \
	VFMADD231PS sigNln2lo<>(SB), NF, R;   \ // r
	VMOVUPS     sigC6<>(SB), P;           \
	VFMADD213PS sigC5<>(SB), R, P;        \ // Horner
	VFMADD213PS sigC4<>(SB), R, P;        \
	VFMADD213PS sigC3<>(SB), R, P;        \
	VFMADD213PS sigC2<>(SB), R, P;        \
	VFMADD213PS ONE, R, P;                \
	VFMADD213PS ONE, R, P                   // e^r

// SIG_SCALE1: P = e = e^r·2^n for n in [−126, 0].
#define SIG_SCALE1(ZB, P) \
	VPSLLD $23, ZB, ZB; \
	VMULPS ZB, P, P

// SIG_SCALE2: P = e^r·2^n for any n in [−150, 0], in two normal factors
// as in ExpAVX2 (the first product exact, the second rounded once); T is
// scratch.
#define SIG_SCALE2(ZB, P, T) \
	VPSUBD sigMagic<>(SB), ZB, ZB; \ // m = n + 127
	VPSRAD $1, ZB, T;              \ // a = m>>1
	VPSUBD T, ZB, ZB;              \ // b = m − a
	VPADDD sig64<>(SB), T, T;      \
	VPADDD sig63<>(SB), ZB, ZB;    \
	VPSLLD $23, T, T;              \ // 2^(a−63)
	VPSLLD $23, ZB, ZB;            \ // 2^(b−64)
	VMULPS T, P, P;                \
	VMULPS ZB, P, P

// SIG_QUOT: Q0 = σ from e in P and x in X; R, NF, DH are scratch, and P
// is reused for y.
#define SIG_QUOT(X, R, Q0, NF, P, DH) \
	VADDPS       P, ONE, DH;     \ // dh = 1 + e
	VSUBPS       DH, ONE, NF;    \ // 1 − dh, exact
	VADDPS       P, NF, NF;      \ // dl = (1 − dh) + e, exact
	VBLENDVPS    X, P, ONE, R;   \ // num = e where x's sign bit is set, else 1
	VDIVPS       DH, R, Q0;      \ // q0 = num/dh
	VRCPPS       DH, P;          \ // y ≈ 1/dh
	VFNMADD231PS DH, Q0, R;      \ // ρ = num − q0·dh (exact)
	VFNMADD231PS NF, Q0, R;      \ // ρ −= q0·dl
	VFMADD231PS  R, P, Q0          // σ = q0 + ρ·y

// SIG_PAIR computes σ of XA into Y5 and of XB into Y10, interleaved, with
// the given scaling (1: one step, 2: two).
#define SIG_PAIR1(XA, XB) \
	SIG_E(XA, Y4, Y5, Y6, Y7);              \
	SIG_E(XB, Y9, Y10, Y11, Y12);           \
	SIG_SCALE1(Y5, Y7);                     \
	SIG_SCALE1(Y10, Y12);                   \
	SIG_QUOT(XA, Y4, Y5, Y6, Y7, Y8);       \
	SIG_QUOT(XB, Y9, Y10, Y11, Y12, Y13)

#define SIG_PAIR2(XA, XB) \
	SIG_E(XA, Y4, Y5, Y6, Y7);              \
	SIG_E(XB, Y9, Y10, Y11, Y12);           \
	SIG_SCALE2(Y5, Y7, Y6);                 \
	SIG_SCALE2(Y10, Y12, Y11);              \
	SIG_QUOT(XA, Y4, Y5, Y6, Y7, Y8);       \
	SIG_QUOT(XB, Y9, Y10, Y11, Y12, Y13)

// func SigmoidAVX2(dst, src []float32)
TEXT ·SigmoidAVX2(SB), NOSPLIT, $32-48
	MOVQ    dst_base+0(FP), DST
	MOVQ    src_base+24(FP), SRC
	MOVQ    src_len+32(FP), N
	VMOVUPS sigOne<>(SB), ONE
	VMOVUPS sigXmin<>(SB), XMIN

	// Main loop: 32 elements (four vectors) per iteration, in two
	// interleaved pairs. If some |x| exceeds 87.5 (or is NaN), compared
	// on the bits, the iteration takes the copy of the body that scales
	// in two steps.
loop32:
	CMPQ      N, $32
	JB        loop8
	VMOVUPS   0(SRC), Y0
	VMOVUPS   32(SRC), Y1
	VMOVUPS   64(SRC), Y2
	VMOVUPS   96(SRC), Y3
	VPAND     sigAbs<>(SB), Y0, Y4
	VPAND     sigAbs<>(SB), Y1, Y5
	VPMAXSD   Y5, Y4, Y4
	VPAND     sigAbs<>(SB), Y2, Y5
	VPMAXSD   Y5, Y4, Y4
	VPAND     sigAbs<>(SB), Y3, Y5
	VPMAXSD   Y5, Y4, Y4
	VPCMPGTD  sigFast<>(SB), Y4, Y4
	VMOVMSKPS Y4, FLAG
	TESTL     FLAG, FLAG
	JNZ       wide32
	SIG_PAIR1(Y0, Y1)
	VMOVUPS   Y5, 0(DST)
	VMOVUPS   Y10, 32(DST)
	SIG_PAIR1(Y2, Y3)
	VMOVUPS   Y5, 64(DST)
	VMOVUPS   Y10, 96(DST)

next32:
	ADDQ      $128, SRC
	ADDQ      $128, DST
	SUBQ      $32, N
	JMP       loop32

wide32:
	SIG_PAIR2(Y0, Y1)
	VMOVUPS   Y5, 0(DST)
	VMOVUPS   Y10, 32(DST)
	SIG_PAIR2(Y2, Y3)
	VMOVUPS   Y5, 64(DST)
	VMOVUPS   Y10, 96(DST)
	JMP       next32

	// One vector at a time while 8 or more are left (two-step scaling).
loop8:
	CMPQ      N, $8
	JB        tail
	VMOVUPS   (SRC), Y0
	SIG_E(Y0, Y4, Y5, Y6, Y7)
	SIG_SCALE2(Y5, Y7, Y6)
	SIG_QUOT(Y0, Y4, Y5, Y6, Y7, Y8)
	VMOVUPS   Y5, (DST)
	ADDQ      $32, SRC
	ADDQ      $32, DST
	SUBQ      $8, N
	JMP       loop8

	// The last 1..7 elements go through an eight-element buffer on the
	// stack, copied in and out one element at a time, so no memory past
	// the slices is touched (qemu faults on VMASKMOVPS's masked-off lanes).
tail:
	TESTQ   N, N
	JZ      done
	VXORPS  Y0, Y0, Y0
	VMOVUPS Y0, buf-32(SP)
	XORQ    TMP, TMP
copyin:
	MOVL    (SRC)(TMP*4), DX
	MOVL    DX, buf-32(SP)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyin
	VMOVUPS buf-32(SP), Y0
	SIG_E(Y0, Y4, Y5, Y6, Y7)
	SIG_SCALE2(Y5, Y7, Y6)
	SIG_QUOT(Y0, Y4, Y5, Y6, Y7, Y8)
	VMOVUPS Y5, buf-32(SP)
	XORQ    TMP, TMP
copyout:
	MOVL    buf-32(SP)(TMP*4), DX
	MOVL    DX, (DST)(TMP*4)
	INCQ    TMP
	CMPQ    TMP, N
	JB      copyout

done:
	VZEROUPPER
	RET
