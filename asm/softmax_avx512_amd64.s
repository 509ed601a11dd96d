//go:build !purego && !noasm

#include "textflag.h"

// ExpShiftSumAVX512 requires AVX-512F.
//
// Pass 2 of kernel.Softmax: dst[i] = e^(src[i] − m) by ExpAVX512's
// algorithm (the upper clamp dropped, since src[i] − m ≤ 0), and the sum
// of the results in four vector accumulators (64 partial sums).

#define DST    DI  // &dst[i]
#define SRC    SI  // &src[i]
#define N      CX  // elements left
#define TMP    AX
#define M      Z15 // m in all lanes
#define LOG2E  Z16
#define SHIFT  Z17 // 1.5·2^23 + 127
#define NLN2HI Z18
#define NLN2LO Z19
#define C6     Z20
#define C5     Z21
#define C4     Z22
#define C3     Z23
#define C2     Z24
#define ONE    Z25
#define XMIN   Z26 // −104
#define ACC0   Z27 // the four partial-sum vectors
#define ACC1   Z28
#define ACC2   Z29
#define ACC3   Z30

#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// SM_EXP: P = e^(x − m) for x in X; X and NF are scratch.
#define SM_EXP(X, NF, P) \
	VSUBPS      M, X, X;       \ // x − m ≤ 0 (−Inf for masked entries)
	VMAXPS      X, XMIN, X;    \ // clamp at −104
	VMOVAPS     SHIFT, NF;     \
	VFMADD231PS LOG2E, X, NF;  \ // x·log2e + shifter, rounded to an integer
	VSUBPS      SHIFT, NF, NF; \ // n
	VFMADD231PS NLN2HI, NF, X; \
	VFMADD231PS NLN2LO, NF, X; \ // r
	VMOVAPS     C6, P;         \
	VFMADD213PS C5, X, P;      \ // Horner
	VFMADD213PS C4, X, P;      \
	VFMADD213PS C3, X, P;      \
	VFMADD213PS C2, X, P;      \
	VFMADD213PS ONE, X, P;     \
	VFMADD213PS ONE, X, P;     \
	VSCALEFPS   NF, P, P         // p·2^n, rounded once

// func ExpShiftSumAVX512(dst, src []float32, m float32) float32
TEXT ·ExpShiftSumAVX512(SB), NOSPLIT, $0-60
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	VBROADCASTSS m+48(FP), M
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
	VPXORD       ACC0, ACC0, ACC0
	VPXORD       ACC1, ACC1, ACC1
	VPXORD       ACC2, ACC2, ACC2
	VPXORD       ACC3, ACC3, ACC3

	// Main loop: 64 elements per iteration.
loop64:
	CMPQ    N, $64
	JB      loop16
	VMOVUPS 0(SRC), Z0
	VMOVUPS 64(SRC), Z1
	VMOVUPS 128(SRC), Z2
	VMOVUPS 192(SRC), Z3
	SM_EXP(Z0, Z4, Z8)
	SM_EXP(Z1, Z5, Z9)
	SM_EXP(Z2, Z6, Z10)
	SM_EXP(Z3, Z7, Z11)
	VMOVUPS Z8, 0(DST)
	VMOVUPS Z9, 64(DST)
	VMOVUPS Z10, 128(DST)
	VMOVUPS Z11, 192(DST)
	VADDPS  Z8, ACC0, ACC0
	VADDPS  Z9, ACC1, ACC1
	VADDPS  Z10, ACC2, ACC2
	VADDPS  Z11, ACC3, ACC3
	ADDQ    $256, SRC
	ADDQ    $256, DST
	SUBQ    $64, N
	JMP     loop64

	// One vector at a time while 16 or more are left.
loop16:
	CMPQ    N, $16
	JB      tail
	VMOVUPS (SRC), Z0
	SM_EXP(Z0, Z4, Z8)
	VMOVUPS Z8, (DST)
	VADDPS  Z8, ACC0, ACC0
	ADDQ    $64, SRC
	ADDQ    $64, DST
	SUBQ    $16, N
	JMP     loop16

	// The last 1..15 elements under K1: masked-off lanes are not read,
	// written or added.
tail:
	TESTQ     N, N
	JZ        reduce
	MOVL      $1, TMP
	SHLL      CX, TMP                 // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (SRC), K1, Z0
	SM_EXP(Z0, Z4, Z8)
	VMOVUPS   Z8, K1, (DST)
	VADDPS    Z8, ACC1, K1, ACC1      // merge-masked: other lanes keep ACC1

	// The sum of the 64 partial sums.
reduce:
	VADDPS        ACC1, ACC0, ACC0
	VADDPS        ACC3, ACC2, ACC2
	VADDPS        ACC2, ACC0, ACC0
	VEXTRACTF64X4 $1, ACC0, Y1
	VADDPS        Y1, Y27, Y0         // Y27 is ACC0's low half
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	VMOVSS        X0, ret+56(FP)
	VZEROUPPER
	RET
