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

// Registers: the four input vectors Y0..Y3; one vector's temporaries
// Y4..Y8 (renamed by the out-of-order core, so vectors overlap);
// constants Y11..Y15.
#define DST   DI  // &dst[i]
#define SRC   SI  // &src[i]
#define N     CX  // elements left
#define FLAG  BX
#define TMP   AX
#define ONE   Y11
#define SHIFT Y12
#define SIGN  Y13
#define XMIN  Y14
#define LOG2E Y15

// SIG_E: Y8 = e^r and Y5 = the shifter sum (n+127 in its low bits) for
// −|x|, x in X. Y4 = r, Y6 = n.
#define SIG_E(X) \
	VORPS       SIGN, X, Y4;              \ // −|x|
	VMAXPS      Y4, XMIN, Y4;             \ // clamp at −104; NaN passes (second source)
	VMOVAPS     SHIFT, Y5;                \
	VFMADD231PS LOG2E, Y4, Y5;            \ // −|x|·log2e + shifter
	VSUBPS      SHIFT, Y5, Y6;            \ // n
	VFMADD231PS sigNln2hi<>(SB), Y6, Y4;  \
	VFMADD231PS sigNln2lo<>(SB), Y6, Y4;  \ // r
	VMOVAPS     sigC6<>(SB), Y8;          \
	VFMADD213PS sigC5<>(SB), Y4, Y8;      \ // Horner
	VFMADD213PS sigC4<>(SB), Y4, Y8;      \
	VFMADD213PS sigC3<>(SB), Y4, Y8;      \
	VFMADD213PS sigC2<>(SB), Y4, Y8;      \
	VFMADD213PS ONE, Y4, Y8;              \
	VFMADD213PS ONE, Y4, Y8                 // e^r

// SIG_SCALE1: Y8 = e = e^r·2^n for n in [−126, 0].
#define SIG_SCALE1 \
	VPSLLD $23, Y5, Y5; \
	VMULPS Y5, Y8, Y8

// SIG_SCALE2: Y8 = e^r·2^n for any n in [−150, 0], in two normal factors
// as in ExpAVX2 (the first product exact, the second rounded once).
#define SIG_SCALE2 \
	VPSUBD sigMagic<>(SB), Y5, Y5; \ // m = n + 127
	VPSRAD $1, Y5, Y6;             \ // a = m>>1
	VPSUBD Y6, Y5, Y5;             \ // b = m − a
	VPADDD sig64<>(SB), Y6, Y6;    \
	VPADDD sig63<>(SB), Y5, Y5;    \
	VPSLLD $23, Y6, Y6;            \ // 2^(a−63)
	VPSLLD $23, Y5, Y5;            \ // 2^(b−64)
	VMULPS Y6, Y8, Y8;             \
	VMULPS Y5, Y8, Y8

// SIG_QUOT: Y5 = σ from e in Y8 and x in X.
#define SIG_QUOT(X) \
	VADDPS       Y8, ONE, Y7;      \ // dh = 1 + e
	VSUBPS       Y7, ONE, Y6;      \ // 1 − dh, exact
	VADDPS       Y8, Y6, Y6;       \ // dl = (1 − dh) + e, exact
	VBLENDVPS    X, Y8, ONE, Y4;   \ // num = e where x's sign bit is set, else 1
	VDIVPS       Y7, Y4, Y5;       \ // q0 = num/dh
	VRCPPS       Y7, Y8;           \ // y ≈ 1/dh
	VFNMADD231PS Y7, Y5, Y4;       \ // ρ = num − q0·dh (exact)
	VFNMADD231PS Y6, Y5, Y4;       \ // ρ −= q0·dl
	VFMADD231PS  Y4, Y8, Y5          // σ = q0 + ρ·y

// func SigmoidAVX2(dst, src []float32)
TEXT ·SigmoidAVX2(SB), NOSPLIT, $32-48
	MOVQ    dst_base+0(FP), DST
	MOVQ    src_base+24(FP), SRC
	MOVQ    src_len+32(FP), N
	VMOVUPS sigOne<>(SB), ONE
	VMOVUPS sigShift<>(SB), SHIFT
	VMOVUPS sigSign<>(SB), SIGN
	VMOVUPS sigXmin<>(SB), XMIN
	VMOVUPS sigLog2e<>(SB), LOG2E

	// Main loop: 32 elements (four vectors) per iteration. If some |x|
	// exceeds 87.5 (or is NaN), compared on the bits, the iteration
	// takes the copy of the body that scales in two steps.
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
	SIG_E(Y0)
	SIG_SCALE1
	SIG_QUOT(Y0)
	VMOVUPS   Y5, 0(DST)
	SIG_E(Y1)
	SIG_SCALE1
	SIG_QUOT(Y1)
	VMOVUPS   Y5, 32(DST)
	SIG_E(Y2)
	SIG_SCALE1
	SIG_QUOT(Y2)
	VMOVUPS   Y5, 64(DST)
	SIG_E(Y3)
	SIG_SCALE1
	SIG_QUOT(Y3)
	VMOVUPS   Y5, 96(DST)

next32:
	ADDQ      $128, SRC
	ADDQ      $128, DST
	SUBQ      $32, N
	JMP       loop32

wide32:
	SIG_E(Y0)
	SIG_SCALE2
	SIG_QUOT(Y0)
	VMOVUPS   Y5, 0(DST)
	SIG_E(Y1)
	SIG_SCALE2
	SIG_QUOT(Y1)
	VMOVUPS   Y5, 32(DST)
	SIG_E(Y2)
	SIG_SCALE2
	SIG_QUOT(Y2)
	VMOVUPS   Y5, 64(DST)
	SIG_E(Y3)
	SIG_SCALE2
	SIG_QUOT(Y3)
	VMOVUPS   Y5, 96(DST)
	JMP       next32

	// One vector at a time while 8 or more are left (two-step scaling).
loop8:
	CMPQ      N, $8
	JB        tail
	VMOVUPS   (SRC), Y0
	SIG_E(Y0)
	SIG_SCALE2
	SIG_QUOT(Y0)
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
	SIG_E(Y0)
	SIG_SCALE2
	SIG_QUOT(Y0)
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
