//go:build !purego && !noasm

#include "textflag.h"

// ExpAVX512 requires AVX-512F.
//
// Algorithm (kernel/activation.go documents it; kernel/activation_generic.go
// is the same in Go): clamp x to [-104, 89] (NaN passes), n = round(x·log2e)
// by the shifter 1.5·2^23+127, r = x − n·ln2hi − n·ln2lo (two FMAs),
// p = 1 + r·(1 + r·(1/2 + r·(c3 + r·(c4 + r·(c5 + r·c6))))) (Horner, six
// FMAs), and e^x = VSCALEFPS(p, n) = p·2^n rounded once, which gives
// gradual underflow and overflow to +Inf exactly as float32 does.

// Registers.
#define DST    DI  // &dst[i]
#define SRC    SI  // &src[i]
#define N      CX  // elements left
#define TMP    AX
#define LOG2E  Z16 // log2(e)
#define SHIFT  Z17 // 0x1.8000fep23 = 1.5·2^23 + 127: rounds to an integer
#define NLN2HI Z18 // −ln2, high part
#define NLN2LO Z19 // −ln2, low part (ln2 − ln2hi, negated)
#define C6     Z20 // the polynomial's coefficients, c6 down to c2 ...
#define C5     Z21
#define C4     Z22
#define C3     Z23
#define C2     Z24
#define ONE    Z25 // ... and c1 = c0 = 1
#define XMIN   Z26 // −104: e^x is +0 below −103.97
#define XMAX   Z27 // 89: e^x is +Inf above 88.72

// BCAST sets all 16 lanes of Z to the float32 with the given bits.
#define BCAST(bits, Z) MOVL $bits, TMP; VPBROADCASTD TMP, Z

// EXP_REDUCE clamps x (in X) and reduces it: N = n as a float, X = r.
// VMAXPS/VMINPS return their second source (Go's first operand, X) when
// either is NaN, so NaN survives the clamp and every step after it.
#define EXP_REDUCE(X, NF) \
	VMAXPS      X, XMIN, X;   \
	VMINPS      X, XMAX, X;   \
	VMOVAPS     SHIFT, NF;    \
	VFMADD231PS LOG2E, X, NF; \ // NF = x·log2e + shifter, rounded to an integer
	VSUBPS      SHIFT, NF, NF; \ // n
	VFMADD231PS NLN2HI, NF, X; \ // x − n·ln2hi, exact
	VFMADD231PS NLN2LO, NF, X   // r = x − n·ln2hi − n·ln2lo

// EXP_POLY sets P = e^r ≈ 1 + r·p(r) for r in X, by Horner's rule.
#define EXP_POLY(X, P) \
	VMOVAPS     C6, P;     \
	VFMADD213PS C5, X, P;  \ // P = P·r + c5
	VFMADD213PS C4, X, P;  \
	VFMADD213PS C3, X, P;  \
	VFMADD213PS C2, X, P;  \
	VFMADD213PS ONE, X, P; \
	VFMADD213PS ONE, X, P

// func ExpAVX512(dst, src []float32)
TEXT ·ExpAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DST
	MOVQ src_base+24(FP), SRC
	MOVQ src_len+32(FP), N

	// Constants, broadcast to all lanes.
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
	BCAST(0x42b20000, XMAX)

	// Main loop: 64 elements (four vectors) per iteration, the steps of
	// the four interleaved so their FMA chains overlap.
loop64:
	CMPQ      N, $64
	JB        loop16
	VMOVUPS   0(SRC), Z0
	VMOVUPS   64(SRC), Z1
	VMOVUPS   128(SRC), Z2
	VMOVUPS   192(SRC), Z3
	EXP_REDUCE(Z0, Z4)
	EXP_REDUCE(Z1, Z5)
	EXP_REDUCE(Z2, Z6)
	EXP_REDUCE(Z3, Z7)
	EXP_POLY(Z0, Z8)
	EXP_POLY(Z1, Z9)
	EXP_POLY(Z2, Z10)
	EXP_POLY(Z3, Z11)
	VSCALEFPS Z4, Z8, Z8           // p·2^n, rounded once
	VSCALEFPS Z5, Z9, Z9
	VSCALEFPS Z6, Z10, Z10
	VSCALEFPS Z7, Z11, Z11
	VMOVUPS   Z8, 0(DST)
	VMOVUPS   Z9, 64(DST)
	VMOVUPS   Z10, 128(DST)
	VMOVUPS   Z11, 192(DST)
	ADDQ      $256, SRC
	ADDQ      $256, DST
	SUBQ      $64, N
	JMP       loop64

	// One vector at a time while 16 or more are left.
loop16:
	CMPQ      N, $16
	JB        tail
	VMOVUPS   (SRC), Z0
	EXP_REDUCE(Z0, Z4)
	EXP_POLY(Z0, Z8)
	VSCALEFPS Z4, Z8, Z8
	VMOVUPS   Z8, (DST)
	ADDQ      $64, SRC
	ADDQ      $64, DST
	SUBQ      $16, N
	JMP       loop16

	// The last 1..15 elements under K1 = (1<<N)−1: masked-off lanes are
	// neither read (they load as 0) nor written.
tail:
	TESTQ     N, N
	JZ        done
	MOVL      $1, TMP
	SHLL      CX, TMP                 // N is CX, the shift count register
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (SRC), K1, Z0
	EXP_REDUCE(Z0, Z4)
	EXP_POLY(Z0, Z8)
	VSCALEFPS Z4, Z8, Z8
	VMOVUPS   Z8, K1, (DST)

done:
	VZEROUPPER
	RET
