//go:build !purego && !noasm

#include "textflag.h"

// SumExpShiftAVX512 requires AVX-512F.
//
// Pass 2 of kernel.LogSumExp and kernel.LogSoftmax: Σ e^(x[i] − m) by
// ExpAVX512's algorithm (upper clamp dropped, x[i] − m ≤ 0), nothing
// stored, in four vector accumulators.

#define SRC    SI  // &x[i]
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
#define ACC0   Z27
#define ACC1   Z28
#define ACC2   Z29
#define ACC3   Z30

#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// LSE_EXP: P = e^(x − m) for x in X; X and NF are scratch.
#define LSE_EXP(X, NF, P) \
	VSUBPS      M, X, X;       \ // x − m ≤ 0
	VMAXPS      X, XMIN, X;    \ // clamp at −104
	VMOVAPS     SHIFT, NF;     \
	VFMADD231PS LOG2E, X, NF;  \
	VSUBPS      SHIFT, NF, NF; \ // n
	VFMADD231PS NLN2HI, NF, X; \
	VFMADD231PS NLN2LO, NF, X; \ // r
	VMOVAPS     C6, P;         \
	VFMADD213PS C5, X, P;      \
	VFMADD213PS C4, X, P;      \
	VFMADD213PS C3, X, P;      \
	VFMADD213PS C2, X, P;      \
	VFMADD213PS ONE, X, P;     \
	VFMADD213PS ONE, X, P;     \
	VSCALEFPS   NF, P, P

// func SumExpShiftAVX512(x []float32, m float32) float32
TEXT ·SumExpShiftAVX512(SB), NOSPLIT, $0-36
	MOVQ         x_base+0(FP), SRC
	MOVQ         x_len+8(FP), N
	VBROADCASTSS m+24(FP), M
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
	LSE_EXP(Z0, Z4, Z8)
	LSE_EXP(Z1, Z5, Z9)
	LSE_EXP(Z2, Z6, Z10)
	LSE_EXP(Z3, Z7, Z11)
	VADDPS  Z8, ACC0, ACC0
	VADDPS  Z9, ACC1, ACC1
	VADDPS  Z10, ACC2, ACC2
	VADDPS  Z11, ACC3, ACC3
	ADDQ    $256, SRC
	SUBQ    $64, N
	JMP     loop64

	// One vector at a time while 16 or more are left.
loop16:
	CMPQ    N, $16
	JB      tail
	VMOVUPS (SRC), Z0
	LSE_EXP(Z0, Z4, Z8)
	VADDPS  Z8, ACC0, ACC0
	ADDQ    $64, SRC
	SUBQ    $16, N
	JMP     loop16

	// The last 1..15 elements under K1, added merge-masked.
tail:
	TESTQ     N, N
	JZ        reduce
	MOVL      $1, TMP
	SHLL      CX, TMP                 // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (SRC), K1, Z0
	LSE_EXP(Z0, Z4, Z8)
	VADDPS    Z8, ACC1, K1, ACC1

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
	VMOVSS        X0, ret+32(FP)
	VZEROUPPER
	RET
