//go:build !purego && !noasm

#include "textflag.h"
#include "expscaledsummax_amd64.h"

// ExpScaledSumMaxAVX512 requires AVX-512F.
//
// Pass 1 of kernel.Softmax's, LogSoftmax's and LogSumExp's two-pass
// algorithm: y[i] = e^max(src[i], lo)·2^k, their sum and the maximum of
// src, stopping before the first block that holds a NaN or an element
// whose n+k would exceed 93 (kernel/softmax.go chooses k and lo, or
// flags&1 has them computed here; hi is for the other levels, whose test
// is x > hi: here an x up to about hi + 0.4 may pass). y is written to
// dst unless dst is empty or flags has 4. With flags 2 or 4, a complete
// pass goes on with Softmax's or LogSoftmax's second pass in the same
// call (asm/softmax_amd64.go gives the reference loop), which saves a row
// the calls and the dependent scalar steps between them. e^x is
// ExpAVX512's: n = round(x·log2e) by a shifter, r = x − n·ln2hi −
// n·ln2lo, p = e^r by the degree-6 polynomial. The shifter carries k, so
// its low bits are n+k, which is added to p's exponent field: exact, since
// p·2^(n+k) stays normal (n+k in [−124, 93]).
//
// Blocks are the 128 elements of the main loop and the 16 of the one-vector
// loop and the tail. A block is tested before anything of it is stored, so
// when the kernel stops, src[done:] has not been touched (not even when
// dst is src). The test is on the shifter sums 1.5·2^23 + n + k after the
// range reduction, compared as unsigned integers with the bits of
// 1.5·2^23 + 93: a NaN's bits are above any number's, so one unsigned
// maximum per vector and one compare per block catch both (the integer
// exponent add would not keep a NaN NaN).

#define DST    DI  // &dst[i]
#define SRC    SI  // &src[i]
#define STORE  BX  // len(dst): nonzero if dst is written
#define N      CX  // elements left
#define TMP    AX
#define FLAGS  R8  // flags: 1 compute the scaling, 2 normalize, 4 log-softmax
#define LO     Z24 // lo in all lanes
#define ZBMAX  Z25 // 0x4b40005d in all lanes: the bits of 1.5·2^23 + 93, the largest shifter sum allowed
#define SHIFT  Z26 // 1.5·2^23 + k: rounds to an integer, n+k in the low bits
#define LOG2E  Z27
#define ONE    Z28
#define ACC0   Z29 // two vectors of partial sums
#define ACC1   Z30
#define MX     Z31 // lane maxima of the elements seen

// The other constants are broadcast from memory as they are used
// (registers Z0–Z23 hold eight vectors in flight).
DATA xsNln2hi<>+0(SB)/4, $0xbf317218
GLOBL xsNln2hi<>(SB), RODATA|NOPTR, $4
DATA xsNln2lo<>+0(SB)/4, $0x3102e308
GLOBL xsNln2lo<>(SB), RODATA|NOPTR, $4
DATA xsC6<>+0(SB)/4, $0x3ab7f92a
GLOBL xsC6<>(SB), RODATA|NOPTR, $4
DATA xsC5<>+0(SB)/4, $0x3c092be9
GLOBL xsC5<>(SB), RODATA|NOPTR, $4
DATA xsC4<>+0(SB)/4, $0x3d2aa97f
GLOBL xsC4<>(SB), RODATA|NOPTR, $4
DATA xsC3<>+0(SB)/4, $0x3e2aaa33
GLOBL xsC3<>(SB), RODATA|NOPTR, $4
DATA xsC2<>+0(SB)/4, $0x3f000000
GLOBL xsC2<>(SB), RODATA|NOPTR, $4
DATA xsOne1<>+0(SB)/4, $0x3f800000
GLOBL xsOne1<>(SB), RODATA|NOPTR, $4

SOFTMAX2_CONSTANTS

// Scalars for the scaling (flags&1).

#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// XS_REDUCE clamps x (in X) below at lo (a NaN never gets here: it stops
// the kernel) and reduces it: ZB = x·log2e + shifter, NF = n, X = r.
#define XS_REDUCE(X, ZB, NF) \
	VMAXPS           X, LO, X;                \
	VMOVAPS          SHIFT, ZB;               \
	VFMADD231PS      LOG2E, X, ZB;            \ // rounded to an integer
	VSUBPS           SHIFT, ZB, NF;           \ // n
	VFMADD231PS.BCST xsNln2hi<>(SB), NF, X;   \ // x − n·ln2hi, exact
	VFMADD231PS.BCST xsNln2lo<>(SB), NF, X      // r

// XS_POLY sets P = e^r ≈ 1 + r·p(r) for r in X (Horner).
#define XS_POLY(X, P) \
	VBROADCASTSS     xsC6<>(SB), P;     \
	VFMADD213PS.BCST xsC5<>(SB), X, P;  \
	VFMADD213PS.BCST xsC4<>(SB), X, P;  \
	VFMADD213PS.BCST xsC3<>(SB), X, P;  \
	VFMADD213PS.BCST xsC2<>(SB), X, P;  \
	VFMADD213PS      ONE, X, P;         \
	VFMADD213PS      ONE, X, P

// func ExpScaledSumMaxAVX512(dst, src []float32, k int32, lo, hi float32, flags int32) (sum, max, ymax, c float32, done int)
TEXT ·ExpScaledSumMaxAVX512(SB), NOSPLIT, $0-88
	MOVQ         dst_base+0(FP), DST
	MOVQ         dst_len+8(FP), STORE
	MOVL         flags+60(FP), FLAGS
	TESTL        $4, FLAGS
	JZ           2(PC)
	XORQ         STORE, STORE         // flags&4: pass 1 stores nothing
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	MOVL         $0, c+76(FP)
	TESTL        $1, FLAGS
	JNZ          auto
	MOVL         k+48(FP), TMP
	ADDL         $0x4b400000, TMP     // the bits of 1.5·2^23, plus k in the mantissa
	VPBROADCASTD TMP, SHIFT
	VBROADCASTSS lo+52(FP), LO
	JMP          constants

	// flags&1: the scaling from the first min(n, 16) elements, as
	// kernel.scalingFor computes it: c = their maximum, j = ⌊c·log2e⌋,
	// shifter 1.5·2^23 + 26 − j, lo = j·ln2 − 104 (rounded once); hi is
	// not needed here. done = −1 if c is not within ±2^15 (or n is 0).
auto:
	MOVQ          $16, TMP
	CMPQ          N, TMP
	CMOVQLT       N, TMP              // min(n, 16)
	MOVQ          N, R10              // N is CX, the shift count register
	MOVQ          TMP, CX
	MOVL          $1, R9
	SHLL          CX, R9
	DECL          R9                  // (1 << min(n, 16)) − 1
	KMOVW         R9, K1
	MOVQ          R10, N
	BCAST(0xff800000, Z0)             // −Inf in the lanes past n
	VMOVUPS       (SRC), K1, Z0       // merge-masked: the rest is not read
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1          // lanes 2, 3 to 0, 1
	VMAXPS        X1, X0, X0
	VMOVSHDUP     X0, X1              // lane 1 to 0
	VMAXPS        X1, X0, X0          // c
	VMOVSS        X0, c+76(FP)
	SCALING_FOR
	VBROADCASTSS  X3, SHIFT
	VBROADCASTSS  X4, LO

constants:
	BCAST(0x4b40005d, ZBMAX)
	BCAST(0x3fb8aa3b, LOG2E)
	BCAST(0x3f800000, ONE)
	BCAST(0xff800000, MX)             // −Inf
	VPXORD       ACC0, ACC0, ACC0
	VPXORD       ACC1, ACC1, ACC1

	// Main loop: 128 elements per iteration, the eight vectors' steps
	// interleaved so their FMA chains overlap.
loop128:
	CMPQ     N, $128
	JB       loop16
	VMOVUPS  0(SRC), Z0
	VMOVUPS  64(SRC), Z1
	VMOVUPS  128(SRC), Z2
	VMOVUPS  192(SRC), Z3
	VMOVUPS  256(SRC), Z4
	VMOVUPS  320(SRC), Z5
	VMOVUPS  384(SRC), Z6
	VMOVUPS  448(SRC), Z7
	XS_REDUCE(Z0, Z8, Z16)
	XS_REDUCE(Z1, Z9, Z17)
	XS_REDUCE(Z2, Z10, Z18)
	XS_REDUCE(Z3, Z11, Z19)
	XS_REDUCE(Z4, Z12, Z20)
	XS_REDUCE(Z5, Z13, Z21)
	XS_REDUCE(Z6, Z14, Z22)
	XS_REDUCE(Z7, Z15, Z23)
	VPMAXUD  Z9, Z8, Z16              // the largest shifter sum, as unsigned bits
	VPMAXUD  Z11, Z10, Z17
	VPMAXUD  Z13, Z12, Z18
	VPMAXUD  Z15, Z14, Z19
	VPMAXUD  Z17, Z16, Z16
	VPMAXUD  Z19, Z18, Z18
	VPMAXUD  Z18, Z16, Z16
	VPCMPUD  $6, ZBMAX, Z16, K1       // NLE: n+k above 93, or NaN
	KORTESTW K1, K1
	JNZ      stop
	TESTQ    STORE, STORE
	JNZ      poly128
	VMOVUPS  0(SRC), Z16              // without stores: the block's maximum, lane
	VMAXPS   64(SRC), Z16, Z16        // by lane, from memory (the registers now
	VMOVUPS  128(SRC), Z17            // hold r), into MX
	VMAXPS   192(SRC), Z17, Z17
	VMOVUPS  256(SRC), Z18
	VMAXPS   320(SRC), Z18, Z18
	VMOVUPS  384(SRC), Z19
	VMAXPS   448(SRC), Z19, Z19
	VMAXPS   Z17, Z16, Z16
	VMAXPS   Z19, Z18, Z18
	VMAXPS   Z18, Z16, Z16
	VMAXPS   Z16, MX, MX

poly128:
	XS_POLY(Z0, Z16)
	XS_POLY(Z1, Z17)
	XS_POLY(Z2, Z18)
	XS_POLY(Z3, Z19)
	XS_POLY(Z4, Z20)
	XS_POLY(Z5, Z21)
	XS_POLY(Z6, Z22)
	XS_POLY(Z7, Z23)
	XS_SCALE(Z8, Z16)
	XS_SCALE(Z9, Z17)
	XS_SCALE(Z10, Z18)
	XS_SCALE(Z11, Z19)
	XS_SCALE(Z12, Z20)
	XS_SCALE(Z13, Z21)
	XS_SCALE(Z14, Z22)
	XS_SCALE(Z15, Z23)
	VADDPS   Z16, ACC0, ACC0
	VADDPS   Z17, ACC1, ACC1
	VADDPS   Z18, ACC0, ACC0
	VADDPS   Z19, ACC1, ACC1
	VADDPS   Z20, ACC0, ACC0
	VADDPS   Z21, ACC1, ACC1
	VADDPS   Z22, ACC0, ACC0
	VADDPS   Z23, ACC1, ACC1
	ADDQ     $512, SRC
	SUBQ     $128, N
	TESTQ    STORE, STORE
	JZ       loop128
	VMOVUPS  Z16, 0(DST)
	VMOVUPS  Z17, 64(DST)
	VMOVUPS  Z18, 128(DST)
	VMOVUPS  Z19, 192(DST)
	VMOVUPS  Z20, 256(DST)
	VMOVUPS  Z21, 320(DST)
	VMOVUPS  Z22, 384(DST)
	VMOVUPS  Z23, 448(DST)
	ADDQ     $512, DST
	JMP      loop128

	// One vector at a time while 16 or more are left.
loop16:
	CMPQ     N, $16
	JB       tail
	VMOVUPS  (SRC), Z0
	VMAXPS   Z0, MX, Z17              // MX once the vector passes
	XS_REDUCE(Z0, Z8, Z16)
	VPCMPUD  $6, ZBMAX, Z8, K1        // n+k above 93, or NaN
	KORTESTW K1, K1
	JNZ      stop
	VMOVAPS  Z17, MX
	XS_POLY(Z0, Z16)
	XS_SCALE(Z8, Z16)
	VADDPS   Z16, ACC0, ACC0
	ADDQ     $64, SRC
	SUBQ     $16, N
	TESTQ    STORE, STORE
	JZ       loop16
	VMOVUPS  Z16, (DST)
	ADDQ     $64, DST
	JMP      loop16

	// The last 1..15 elements under K1 = (1<<N)−1: masked-off lanes are
	// not read (they load as 0), tested, written or added.
tail:
	TESTQ     N, N
	JZ        stop
	MOVL      $1, TMP
	SHLL      CX, TMP                 // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (SRC), K1, Z0
	VMOVAPS   MX, Z17
	VMAXPS    Z0, MX, K1, Z17         // merge-masked: other lanes keep MX
	XS_REDUCE(Z0, Z8, Z16)
	VPCMPUD   $6, ZBMAX, Z8, K1, K2   // K2 = K1 & (n+k above 93, or NaN)
	KORTESTW  K2, K2
	JNZ       stop
	VMOVAPS   Z17, MX
	XS_POLY(Z0, Z16)
	XS_SCALE(Z8, Z16)
	VADDPS    Z16, ACC1, K1, ACC1
	XORQ      N, N
	TESTQ     STORE, STORE
	JZ        stop
	VMOVUPS   Z16, K1, (DST)

	// done = len(src) − N; the sum of the 64 partial sums; the maximum of
	// the 16 lane maxima.
stop:
	MOVQ          src_len+32(FP), TMP
	SUBQ          N, TMP
	MOVQ          TMP, done+80(FP)
	VADDPS        ACC1, ACC0, ACC0
	VEXTRACTF64X4 $1, ACC0, Y1
	VADDPS        Y1, Y29, Y0         // Y29 is ACC0's low half
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	VMOVSS        X0, sum+64(FP)
	VMOVAPS       X0, X20             // the sum, kept
	VEXTRACTF64X4 $1, MX, Y1
	VMAXPS        Y1, Y31, Y0         // Y31 is MX's low half
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1          // lanes 2, 3 to 0, 1
	VMAXPS        X1, X0, X0
	VMOVSHDUP     X0, X1              // lane 1 to 0
	VMAXPS        X1, X0, X0
	VMOVSS        X0, max+68(FP)
	VMOVAPS       X0, X23             // the maximum, kept

	// Without stores (LogSoftmax, LogSumExp), ymax = e^max·2^k as
	// computed for an element equal to max; with stores, 0.
	MOVL          $0, ymax+72(FP)
	TESTQ         STORE, STORE
	JNZ           normalize
	VBROADCASTSS  X0, Z0
	XS_REDUCE(Z0, Z8, Z16)
	XS_POLY(Z0, Z16)
	XS_SCALE(Z8, Z16)
	VMOVSS        X16, ymax+72(FP)
	TESTL         $4, FLAGS
	JZ            done
	TESTQ         N, N
	JNZ           done

	// flags&4, no stop: dst = (src − max) − ls with ls = log(sum/ymax),
	// step for step as kernel.logRatio computes it in float32.
	LOG_RATIO(X20, X16, X27, X21, X22)
	VBROADCASTSS  X23, Z30            // max
	VBROADCASTSS  X27, Z31            // ls
	MOVQ          dst_base+0(FP), DST
	MOVQ          src_base+24(FP), SRC
	MOVQ          src_len+32(FP), N

lsm64:
	CMPQ          N, $64
	JB            lsm16
	VMOVUPS       0(SRC), Z0
	VMOVUPS       64(SRC), Z1
	VMOVUPS       128(SRC), Z2
	VMOVUPS       192(SRC), Z3
	VSUBPS        Z30, Z0, Z0         // x − max
	VSUBPS        Z30, Z1, Z1
	VSUBPS        Z30, Z2, Z2
	VSUBPS        Z30, Z3, Z3
	VSUBPS        Z31, Z0, Z0         // (x − max) − ls
	VSUBPS        Z31, Z1, Z1
	VSUBPS        Z31, Z2, Z2
	VSUBPS        Z31, Z3, Z3
	VMOVUPS       Z0, 0(DST)
	VMOVUPS       Z1, 64(DST)
	VMOVUPS       Z2, 128(DST)
	VMOVUPS       Z3, 192(DST)
	ADDQ          $256, SRC
	ADDQ          $256, DST
	SUBQ          $64, N
	JMP           lsm64

lsm16:
	CMPQ          N, $16
	JB            lsmtail
	VMOVUPS       (SRC), Z0
	VSUBPS        Z30, Z0, Z0
	VSUBPS        Z31, Z0, Z0
	VMOVUPS       Z0, (DST)
	ADDQ          $64, SRC
	ADDQ          $64, DST
	SUBQ          $16, N
	JMP           lsm16

lsmtail:
	TESTQ         N, N
	JZ            done
	MOVL          $1, TMP
	SHLL          CX, TMP             // N is CX
	DECL          TMP
	KMOVW         TMP, K1
	VMOVUPS.Z     (SRC), K1, Z0
	VSUBPS        Z30, Z0, Z0
	VSUBPS        Z31, Z0, Z0
	VMOVUPS       Z0, K1, (DST)
	JMP           done

	// flags&2, with stores, and no stop: dst ·= 1/sum, as kernel.Scale.
normalize:
	TESTL         $2, FLAGS
	JZ            done
	TESTQ         N, N
	JNZ           done
	VMOVSS        xsOne1<>(SB), X1
	VDIVSS        X20, X1, X1         // 1/sum, rounded once
	VBROADCASTSS  X1, Z30
	MOVQ          dst_base+0(FP), DST
	MOVQ          src_len+32(FP), N

scale64:
	CMPQ          N, $64
	JB            scale16
	VMULPS        0(DST), Z30, Z0
	VMULPS        64(DST), Z30, Z1
	VMULPS        128(DST), Z30, Z2
	VMULPS        192(DST), Z30, Z3
	VMOVUPS       Z0, 0(DST)
	VMOVUPS       Z1, 64(DST)
	VMOVUPS       Z2, 128(DST)
	VMOVUPS       Z3, 192(DST)
	ADDQ          $256, DST
	SUBQ          $64, N
	JMP           scale64

scale16:
	CMPQ          N, $16
	JB            scaletail
	VMULPS        (DST), Z30, Z0
	VMOVUPS       Z0, (DST)
	ADDQ          $64, DST
	SUBQ          $16, N
	JMP           scale16

scaletail:
	TESTQ         N, N
	JZ            done
	MOVL          $1, TMP
	SHLL          CX, TMP             // N is CX
	DECL          TMP
	KMOVW         TMP, K1
	VMOVUPS.Z     (DST), K1, Z0
	VMULPS        Z0, Z30, Z0
	VMOVUPS       Z0, K1, (DST)

done:
	VZEROUPPER
	RET

	// flags&1 and the first elements give no scaling: done = −1.
unusable:
	MOVQ          $-1, done+80(FP)
	MOVL          $0, sum+64(FP)
	MOVL          $0, max+68(FP)
	MOVL          $0, ymax+72(FP)
	VZEROUPPER
	RET
