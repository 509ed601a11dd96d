//go:build !purego && !noasm

#include "textflag.h"

// ExpAVX2 requires AVX2 and FMA3.
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): clamp x to [-104, 89] (NaN passes), n = round(x·log2e)
// by the shifter 1.5·2^23+127, r = x − n·ln2hi − n·ln2lo (two FMAs),
// p = 1 + r·(1 + r·(1/2 + r·(c3 + r·(c4 + r·(c5 + r·c6))))) (Horner, six
// FMAs), and e^x = p·2^n rounded once. 2^n is built in the exponent bits:
// when every |x| of the four vectors is ≤ 87.5, n is in [−126, 126] and
// one multiply by 2^n does; otherwise (and always for the last vectors)
// p·2^n = (p·2^a)·2^b with a+b = n and both factors normal, exact then
// rounded once, which gives gradual underflow and overflow to +Inf
// exactly as float32 does.

// SPLAT defines a 32-byte constant: eight copies of a float32's bits.
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

SPLAT(expLog2e<>, 0x3fb8aa3b)
SPLAT(expShift<>, 0x4b40007f)  // 1.5·2^23 + 127
SPLAT(expNln2hi<>, 0xbf317218)
SPLAT(expNln2lo<>, 0x3102e308)
SPLAT(expC6<>, 0x3ab7f92a)
SPLAT(expC5<>, 0x3c092be9)
SPLAT(expC4<>, 0x3d2aa97f)
SPLAT(expC3<>, 0x3e2aaa33)
SPLAT(expC2<>, 0x3f000000)
SPLAT(expOne<>, 0x3f800000)
SPLAT(expXmin<>, 0xc2d00000)   // −104
SPLAT(expXmax<>, 0x42b20000)   // 89
SPLAT(expAbs<>, 0x7fffffff)
SPLAT(expFast<>, 0x42af0000)   // 87.5: |x| ≤ this keeps 2^n normal
SPLAT(expMagic<>, 0x4b400000)  // the shifter's bits without the bias
SPLAT(exp64<>, 0x00000040)     // 64 and 63: biases of the two factors
SPLAT(exp63<>, 0x0000003f)

// Registers.
#define DST   DI  // &dst[i]
#define SRC   SI  // &src[i]
#define N     CX  // elements left
#define FLAG  BX  // nonzero: some lane needs the two-step scaling
#define TMP   AX
#define ONE   Y12
#define SHIFT Y13
#define XMIN  Y14
#define XMAX  Y15

// EXP_REDUCE: clamp x in X (NaN passes: VMAXPS/VMINPS return their second
// source, Go's first operand, when either is NaN), then ZB = x·log2e +
// shifter (n+127 in its low bits), NF = n, X = r.
#define EXP_REDUCE(X, ZB, NF) \
	VMAXPS      X, XMIN, X;                \
	VMINPS      X, XMAX, X;                \
	VMOVAPS     SHIFT, ZB;                 \
	VFMADD231PS expLog2e<>(SB), X, ZB;     \
	VSUBPS      SHIFT, ZB, NF;             \ // n
	VFMADD231PS expNln2hi<>(SB), NF, X;    \ // x − n·ln2hi, exact
	VFMADD231PS expNln2lo<>(SB), NF, X       // r

// EXP_POLY: P = e^r ≈ 1 + r·p(r), Horner.
#define EXP_POLY(X, P) \
	VMOVAPS     expC6<>(SB), P;    \
	VFMADD213PS expC5<>(SB), X, P; \ // P = P·r + c5
	VFMADD213PS expC4<>(SB), X, P; \
	VFMADD213PS expC3<>(SB), X, P; \
	VFMADD213PS expC2<>(SB), X, P; \
	VFMADD213PS ONE, X, P;         \
	VFMADD213PS ONE, X, P

// EXP_SCALE1: P ·= 2^n, for n in [−126, 127]: the biased exponent n+127
// sits in ZB's low bits; shifting left by 23 drops the shifter's bits.
#define EXP_SCALE1(ZB, P) \
	VPSLLD $23, ZB, ZB; \
	VMULPS ZB, P, P

// EXP_SCALE2: P ·= 2^n for any n in [−150, 128], as (P·2^(a−63))·2^(b−64)
// where m = n+127, a = m>>1, b = m−a: both factors normal, the first
// product exact, the second rounded once. T is scratch.
#define EXP_SCALE2(ZB, P, T) \
	VPSUBD expMagic<>(SB), ZB, ZB; \ // m = n + 127
	VPSRAD $1, ZB, T;              \ // a
	VPSUBD T, ZB, ZB;              \ // b = m − a
	VPADDD exp64<>(SB), T, T;      \ // biased exponent of 2^(a−63)
	VPADDD exp63<>(SB), ZB, ZB;    \ // biased exponent of 2^(b−64)
	VPSLLD $23, T, T;              \
	VPSLLD $23, ZB, ZB;            \
	VMULPS T, P, P;                \ // exact
	VMULPS ZB, P, P                  // rounded once

// func ExpAVX2(dst, src []float32)
TEXT ·ExpAVX2(SB), NOSPLIT, $32-48
	MOVQ    dst_base+0(FP), DST
	MOVQ    src_base+24(FP), SRC
	MOVQ    src_len+32(FP), N
	VMOVUPS expOne<>(SB), ONE
	VMOVUPS expShift<>(SB), SHIFT
	VMOVUPS expXmin<>(SB), XMIN
	VMOVUPS expXmax<>(SB), XMAX

	// Main loop: 32 elements (four vectors) per iteration, the steps of
	// the four interleaved.
loop32:
	CMPQ      N, $32
	JB        loop8
	VMOVUPS   0(SRC), Y0
	VMOVUPS   32(SRC), Y1
	VMOVUPS   64(SRC), Y2
	VMOVUPS   96(SRC), Y3

	// FLAG = lanes where max(|x|) over the four vectors is above 87.5 (or
	// NaN), in integer arithmetic on the bits: a float maximum would let
	// a NaN in one vector hide a large |x| in another.
	VPAND     expAbs<>(SB), Y0, Y8
	VPAND     expAbs<>(SB), Y1, Y9
	VPMAXSD   Y9, Y8, Y8
	VPAND     expAbs<>(SB), Y2, Y9
	VPMAXSD   Y9, Y8, Y8
	VPAND     expAbs<>(SB), Y3, Y9
	VPMAXSD   Y9, Y8, Y8
	VPCMPGTD  expFast<>(SB), Y8, Y8   // |x| bits > bits of 87.5
	VMOVMSKPS Y8, FLAG

	EXP_REDUCE(Y0, Y4, Y8)
	EXP_REDUCE(Y1, Y5, Y9)
	EXP_REDUCE(Y2, Y6, Y10)
	EXP_REDUCE(Y3, Y7, Y11)
	EXP_POLY(Y0, Y8)
	EXP_POLY(Y1, Y9)
	EXP_POLY(Y2, Y10)
	EXP_POLY(Y3, Y11)
	TESTL     FLAG, FLAG
	JNZ       wide32
	EXP_SCALE1(Y4, Y8)
	EXP_SCALE1(Y5, Y9)
	EXP_SCALE1(Y6, Y10)
	EXP_SCALE1(Y7, Y11)

store32:
	VMOVUPS   Y8, 0(DST)
	VMOVUPS   Y9, 32(DST)
	VMOVUPS   Y10, 64(DST)
	VMOVUPS   Y11, 96(DST)
	ADDQ      $128, SRC
	ADDQ      $128, DST
	SUBQ      $32, N
	JMP       loop32

	// Some lane may under- or overflow 2^n: scale all four in two steps.
wide32:
	EXP_SCALE2(Y4, Y8, Y0)
	EXP_SCALE2(Y5, Y9, Y1)
	EXP_SCALE2(Y6, Y10, Y2)
	EXP_SCALE2(Y7, Y11, Y3)
	JMP       store32

	// One vector at a time while 8 or more are left (two-step scaling).
loop8:
	CMPQ      N, $8
	JB        tail
	VMOVUPS   (SRC), Y0
	EXP_REDUCE(Y0, Y4, Y8)
	EXP_POLY(Y0, Y8)
	EXP_SCALE2(Y4, Y8, Y0)
	VMOVUPS   Y8, (DST)
	ADDQ      $32, SRC
	ADDQ      $32, DST
	SUBQ      $8, N
	JMP       loop8

	// The last 1..7 elements go through an eight-element buffer on the
	// stack, copied in and out one element at a time, so no memory past
	// the slices is touched. (VMASKMOVPS would do on hardware, but qemu
	// faults on its masked-off lanes.)
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
	EXP_REDUCE(Y0, Y4, Y8)
	EXP_POLY(Y0, Y8)
	EXP_SCALE2(Y4, Y8, Y0)
	VMOVUPS Y8, buf-32(SP)
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
