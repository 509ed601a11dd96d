//go:build !purego && !noasm

#include "textflag.h"
#include "expscaledsummax_amd64.h"

// ExpScaledSumMaxAVX2 requires AVX2 and FMA3.
//
// ExpScaledSumMaxAVX512 (expscaledsummax_avx512_amd64.s) for AVX2:
// y[i] = e^max(src[i], lo)·2^k, written to dst unless dst is empty, their
// sum and the maximum of src, stopping before the first block (32
// elements in the main loop, 8 after it and in the tail) that holds an
// element above hi or a NaN, so that src[done:] is untouched. The exponentials are
// ExpAVX2's range reduction and polynomial; 2^(n+k) is built in the
// exponent field from the shifter, which carries k.

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

SPLAT(xsLog2e<>, 0x3fb8aa3b)
SPLAT(xsNln2hi<>, 0xbf317218)
SPLAT(xsNln2lo<>, 0x3102e308)
SPLAT(xsC6<>, 0x3ab7f92a)
SPLAT(xsC5<>, 0x3c092be9)
SPLAT(xsC4<>, 0x3d2aa97f)
SPLAT(xsC3<>, 0x3e2aaa33)
SPLAT(xsC2<>, 0x3f000000)
SPLAT(xsOne<>, 0x3f800000)
SPLAT(xsNegInf<>, 0xff800000) // pads the tail buffer: never above hi, clamped to lo

// The scalars of the scaling (flags&1) and the log (flags&4); hi's 46.
SOFTMAX2_CONSTANTS
DATA xsP46<>+0(SB)/4, $0x42380000
GLOBL xsP46<>(SB), RODATA|NOPTR, $4

#define DST   DI  // &dst[i]
#define SRC   SI  // &src[i]
#define STORE BX  // len(dst): nonzero if dst is written
#define N     CX  // elements left
#define TMP   AX
#define ACC   Y12 // partial sums
#define SHIFT Y13 // 1.5·2^23 + k: rounds to an integer, n+k in the low bits
#define LO    Y14 // lo in all lanes
#define MX    Y15 // lane maxima of the elements seen
#define HI    hiv-64(SP) // hi in all lanes: out of registers
#define FLAGS R8  // flags: 1 compute the scaling, 2 normalize, 4 log-softmax

// XS_SHIFTER broadcasts 1.5·2^23 + k into SHIFT: k is added to the
// mantissa of 1.5·2^23's bits, 0x4b400000.
#define XS_SHIFTER(k) \
	MOVL         k, TMP;           \
	ADDL         $0x4b400000, TMP; \
	MOVL         TMP, X13;         \
	VPBROADCASTD X13, SHIFT

// XS_REDUCE clamps x (in X) below at lo (a NaN never gets here: it stops
// the kernel) and reduces it: ZB = x·log2e + shifter (n+k in its low
// bits), NF = n, X = r.
#define XS_REDUCE(X, ZB, NF) \
	VMAXPS      X, LO, X;             \
	VMOVAPS     SHIFT, ZB;            \
	VFMADD231PS xsLog2e<>(SB), X, ZB; \ // rounded to an integer
	VSUBPS      SHIFT, ZB, NF;        \ // n
	VFMADD231PS xsNln2hi<>(SB), NF, X; \ // x − n·ln2hi, exact
	VFMADD231PS xsNln2lo<>(SB), NF, X   // r

// XS_POLY sets P = e^r ≈ 1 + r·p(r) for r in X (Horner).
#define XS_POLY(X, P) \
	VMOVUPS     xsC6<>(SB), P;     \
	VFMADD213PS xsC5<>(SB), X, P;  \
	VFMADD213PS xsC4<>(SB), X, P;  \
	VFMADD213PS xsC3<>(SB), X, P;  \
	VFMADD213PS xsC2<>(SB), X, P;  \
	VFMADD213PS xsOne<>(SB), X, P; \
	VFMADD213PS xsOne<>(SB), X, P

// XS_EXP is the three steps for one vector.
#define XS_EXP(X, ZB, P) \
	XS_REDUCE(X, ZB, P); \
	XS_POLY(X, P);       \
	XS_SCALE(ZB, P)

// func ExpScaledSumMaxAVX2(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)
TEXT ·ExpScaledSumMaxAVX2(SB), NOSPLIT, $128-88
	MOVQ         dst_base+0(FP), DST
	MOVQ         dst_len+8(FP), STORE
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	MOVL         flags+60(FP), FLAGS
	TESTL        $4, FLAGS
	JZ           2(PC)
	XORQ         STORE, STORE         // flags&4: pass 1 stores nothing
	MOVL         $0, c+76(FP)
	TESTL        $1, FLAGS
	JNZ          auto
	XS_SHIFTER(k+48(FP))
	VBROADCASTSS lo+52(FP), LO
	VBROADCASTSS hi+56(FP), Y0
	VMOVUPS      Y0, HI
	JMP          constants

	// flags&1: the scaling from the first min(n, 16) elements, as
	// kernel.scalingFor computes it: c = their maximum, j = ⌊c·log2e⌋,
	// shifter 1.5·2^23 + 26 − j, lo = j·ln2 − 104 and hi = j·ln2 + 46
	// (each rounded once). done = −1 if c is not within ±2^15 (or n is 0).
	// Fewer than 16 go through a buffer padded with −Inf, copied in one
	// element at a time.
auto:
	CMPQ         N, $16
	JB           fewer
	VMOVUPS      0(SRC), Y0
	VMAXPS       32(SRC), Y0, Y0
	JMP          prefix

fewer:
	TESTQ        N, N
	JZ           unusable
	VMOVUPS      xsNegInf<>(SB), Y0
	VMOVUPS      Y0, pre-128(SP)
	VMOVUPS      Y0, pre-96(SP)
	XORQ         TMP, TMP

precopy:
	MOVL         (SRC)(TMP*4), DX
	MOVL         DX, pre-128(SP)(TMP*4)
	INCQ         TMP
	CMPQ         TMP, N
	JB           precopy
	VMOVUPS      pre-128(SP), Y0
	VMAXPS       pre-96(SP), Y0, Y0

prefix:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1           // lanes 2, 3 to 0, 1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1               // lane 1 to 0
	VMAXPS       X1, X0, X0           // c
	VMOVSS       X0, c+76(FP)
	SCALING_FOR
	VMOVSS       xsP46<>(SB), X5
	VFMADD231SS  lgLn2hi<>(SB), X2, X5 // hi = j·ln2 + 46
	VBROADCASTSS X3, SHIFT
	VBROADCASTSS X4, LO
	VBROADCASTSS X5, Y0
	VMOVUPS      Y0, HI

constants:
	VMOVUPS      xsNegInf<>(SB), MX
	VXORPS       ACC, ACC, ACC

	// Main loop: 32 elements (four vectors) per iteration, the steps of
	// the four interleaved.
loop32:
	CMPQ      N, $32
	JB        loop8
	VMOVUPS   0(SRC), Y0
	VMOVUPS   32(SRC), Y1
	VMOVUPS   64(SRC), Y2
	VMOVUPS   96(SRC), Y3
	VMAXPS    Y1, Y0, Y4              // the block's maximum, lane by lane (a NaN may be lost)
	VMAXPS    Y3, Y2, Y5
	VMAXPS    Y5, Y4, Y4
	VCMPPS    $0x16, HI, Y4, Y5       // NLE_UQ: lanes above hi (or NaN)
	VCMPPS    $3, Y1, Y0, Y6          // UNORD_Q: a NaN in Y0 or Y1
	VCMPPS    $3, Y3, Y2, Y7
	VORPS     Y6, Y5, Y5
	VORPS     Y7, Y5, Y5
	VMOVMSKPS Y5, TMP
	TESTL     TMP, TMP
	JNZ       stop
	VMAXPS    Y4, MX, MX
	XS_REDUCE(Y0, Y4, Y8)
	XS_REDUCE(Y1, Y5, Y9)
	XS_REDUCE(Y2, Y6, Y10)
	XS_REDUCE(Y3, Y7, Y11)
	XS_POLY(Y0, Y8)
	XS_POLY(Y1, Y9)
	XS_POLY(Y2, Y10)
	XS_POLY(Y3, Y11)
	XS_SCALE(Y4, Y8)
	XS_SCALE(Y5, Y9)
	XS_SCALE(Y6, Y10)
	XS_SCALE(Y7, Y11)
	VADDPS    Y9, Y8, Y0
	VADDPS    Y11, Y10, Y1
	VADDPS    Y1, Y0, Y0
	VADDPS    Y0, ACC, ACC
	ADDQ      $128, SRC
	SUBQ      $32, N
	TESTQ     STORE, STORE
	JZ        loop32
	VMOVUPS   Y8, 0(DST)
	VMOVUPS   Y9, 32(DST)
	VMOVUPS   Y10, 64(DST)
	VMOVUPS   Y11, 96(DST)
	ADDQ      $128, DST
	JMP       loop32

	// One vector at a time while 8 or more are left.
loop8:
	CMPQ      N, $8
	JB        tail
	VMOVUPS   (SRC), Y0
	VCMPPS    $0x16, HI, Y0, Y4       // NLE_UQ: above hi, or NaN
	VMOVMSKPS Y4, TMP
	TESTL     TMP, TMP
	JNZ       stop
	VMAXPS    Y0, MX, MX
	XS_EXP(Y0, Y1, Y2)
	VADDPS    Y2, ACC, ACC
	ADDQ      $32, SRC
	SUBQ      $8, N
	TESTQ     STORE, STORE
	JZ        loop8
	VMOVUPS   Y2, (DST)
	ADDQ      $32, DST
	JMP       loop8

	// The last 1..7 elements through a stack buffer padded with −Inf,
	// copied in and out one element at a time so no memory past the
	// slices is touched. A padding lane adds e^lo·2^k < 2^-126, nothing
	// next to a sum of at least 2^24 (kernel/softmax.go).
tail:
	TESTQ     N, N
	JZ        stop
	VMOVUPS   xsNegInf<>(SB), Y0
	VMOVUPS   Y0, buf-32(SP)
	XORQ      TMP, TMP
copyin:
	MOVL      (SRC)(TMP*4), DX
	MOVL      DX, buf-32(SP)(TMP*4)
	INCQ      TMP
	CMPQ      TMP, N
	JB        copyin
	VMOVUPS   buf-32(SP), Y0
	VCMPPS    $0x16, HI, Y0, Y4       // NLE_UQ: above hi, or NaN
	VMOVMSKPS Y4, TMP
	TESTL     TMP, TMP
	JNZ       stop
	VMAXPS    Y0, MX, MX
	XS_EXP(Y0, Y1, Y2)
	VADDPS    Y2, ACC, ACC
	TESTQ     STORE, STORE
	JZ        tailed
	VMOVUPS   Y2, buf-32(SP)
	XORQ      TMP, TMP
copyout:
	MOVL      buf-32(SP)(TMP*4), DX
	MOVL      DX, (DST)(TMP*4)
	INCQ      TMP
	CMPQ      TMP, N
	JB        copyout
tailed:
	XORQ      N, N

	// done = len(src) − N; the sum of the 8 partial sums; the maximum of
	// the 8 lane maxima.
stop:
	MOVQ         src_len+32(FP), TMP
	SUBQ         N, TMP
	MOVQ         TMP, done+80(FP)
	VMOVAPS      ACC, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, sum+64(FP)
	VMOVAPS      X0, X10              // the sum, kept
	VEXTRACTF128 $1, MX, X1
	VMAXPS       X1, X15, X0          // X15 is MX's low half
	VMOVHLPS     X0, X0, X1           // lanes 2, 3 to 0, 1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1               // lane 1 to 0
	VMAXPS       X1, X0, X0
	VMOVSS       X0, max+68(FP)
	VMOVAPS      X0, X11              // the maximum, kept

	// Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as
	// computed for an element equal to max; with stores, 0.
	MOVL         $0, ymax+72(FP)
	TESTQ        STORE, STORE
	JNZ          normalize
	VBROADCASTSS X0, Y0
	XS_EXP(Y0, Y1, Y2)
	VMOVSS       X2, ymax+72(FP)
	TESTL        $4, FLAGS
	JZ           done
	TESTQ        N, N
	JNZ          done

	// flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),
	// step for step as kernel.logRatio computes it in float32.
	LOG_RATIO(X10, X2, X3, X1, X4)
	VBROADCASTSS X11, Y13             // max
	VBROADCASTSS X3, Y14              // ls
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N

lsm32:
	CMPQ         N, $32
	JB           lsm1
	VMOVUPS      0(SRC), Y0
	VMOVUPS      32(SRC), Y1
	VMOVUPS      64(SRC), Y2
	VMOVUPS      96(SRC), Y3
	VSUBPS       Y13, Y0, Y0          // x − max
	VSUBPS       Y13, Y1, Y1
	VSUBPS       Y13, Y2, Y2
	VSUBPS       Y13, Y3, Y3
	VSUBPS       Y14, Y0, Y0          // (x − max) − ls
	VSUBPS       Y14, Y1, Y1
	VSUBPS       Y14, Y2, Y2
	VSUBPS       Y14, Y3, Y3
	VMOVUPS      Y0, 0(DST)
	VMOVUPS      Y1, 32(DST)
	VMOVUPS      Y2, 64(DST)
	VMOVUPS      Y3, 96(DST)
	ADDQ         $128, SRC
	ADDQ         $128, DST
	SUBQ         $32, N
	JMP          lsm32

	// The rest one element at a time.
lsm1:
	TESTQ        N, N
	JZ           done
	VMOVSS       (SRC), X0
	VSUBSS       X13, X0, X0
	VSUBSS       X14, X0, X0
	VMOVSS       X0, (DST)
	ADDQ         $4, SRC
	ADDQ         $4, DST
	DECQ         N
	JMP          lsm1

	// flags&2, with stores, and no stop: dst ·= 1/sum, as kernel.Scale.
normalize:
	TESTL        $2, FLAGS
	JZ           done
	TESTQ        N, N
	JNZ          done
	VMOVSS       xsOne<>(SB), X1
	VDIVSS       X10, X1, X1          // 1/sum, rounded once
	VBROADCASTSS X1, Y15
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_len+32(FP), N

scale32:
	CMPQ         N, $32
	JB           scale1
	VMULPS       0(DST), Y15, Y0
	VMULPS       32(DST), Y15, Y1
	VMULPS       64(DST), Y15, Y2
	VMULPS       96(DST), Y15, Y3
	VMOVUPS      Y0, 0(DST)
	VMOVUPS      Y1, 32(DST)
	VMOVUPS      Y2, 64(DST)
	VMOVUPS      Y3, 96(DST)
	ADDQ         $128, DST
	SUBQ         $32, N
	JMP          scale32

scale1:
	TESTQ        N, N
	JZ           done
	VMULSS       (DST), X15, X0
	VMOVSS       X0, (DST)
	ADDQ         $4, DST
	DECQ         N
	JMP          scale1

done:
	VZEROUPPER
	RET

	// flags&1 and the first elements give no scaling: done = −1.
unusable:
	MOVQ         $-1, done+80(FP)
	MOVL         $0, sum+64(FP)
	MOVL         $0, max+68(FP)
	MOVL         $0, ymax+72(FP)
	VZEROUPPER
	RET
