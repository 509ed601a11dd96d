//go:build !purego && !noasm

#include "textflag.h"

// MaxAVX512 requires AVX-512F.
//
// VMAXPS returns its second source when either operand is NaN, so a NaN
// met early is lost at the next step; NaNs are therefore tracked apart,
// in K-register flags. (VRANGEPS would not help: it treats a quiet NaN
// as missing data, like IEEE 754-2008 maxNum.)
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define NEGINF Z30 // -Inf in all lanes

// func MaxAVX512(x []float32) float32
TEXT ·MaxAVX512(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), X_PTR
	MOVQ x_len+8(FP), N

	// Four maximum accumulators Z0..Z3 at -Inf (VMAXPS has latency 2),
	// and four "no NaN yet" flags K4..K7, all ones.
	MOVL         $0xff800000, TMP
	VPBROADCASTD TMP, NEGINF
	VMOVAPS      NEGINF, Z0
	VMOVAPS      NEGINF, Z1
	VMOVAPS      NEGINF, Z2
	VMOVAPS      NEGINF, Z3
	KXNORW       K4, K4, K4
	KXNORW       K5, K5, K5
	KXNORW       K6, K6, K6
	KXNORW       K7, K7, K7

	CMPQ N, $128
	JB   max32

	// Main loop: 128 elements (8 vectors) per iteration. VMAXPS drops a
	// NaN at a later step, so each pair of vectors is also compared
	// ordered (false where either is NaN) into a flag, under that flag
	// as write mask: Kf = Kf & ord(a, b) in one instruction.
max128:
	VMOVUPS 0(X_PTR), Z8
	VMOVUPS 64(X_PTR), Z9
	VMOVUPS 128(X_PTR), Z10
	VMOVUPS 192(X_PTR), Z11
	VMOVUPS 256(X_PTR), Z12
	VMOVUPS 320(X_PTR), Z13
	VMOVUPS 384(X_PTR), Z14
	VMOVUPS 448(X_PTR), Z15
	VMAXPS  Z8, Z0, Z0
	VMAXPS  Z9, Z1, Z1
	VMAXPS  Z10, Z2, Z2
	VMAXPS  Z11, Z3, Z3
	VCMPPS  $7, Z9, Z8, K4, K4        // K4 &= ord(Z8, Z9)
	VCMPPS  $7, Z11, Z10, K5, K5
	VMAXPS  Z12, Z0, Z0
	VMAXPS  Z13, Z1, Z1
	VMAXPS  Z14, Z2, Z2
	VMAXPS  Z15, Z3, Z3
	VCMPPS  $7, Z13, Z12, K6, K6
	VCMPPS  $7, Z15, Z14, K7, K7
	ADDQ    $512, X_PTR
	SUBQ    $128, N
	CMPQ    N, $128
	JAE     max128

	// 32 elements (a pair of vectors) at a time.
max32:
	CMPQ    N, $32
	JB      max16
	VMOVUPS 0(X_PTR), Z8
	VMOVUPS 64(X_PTR), Z9
	VMAXPS  Z8, Z0, Z0
	VMAXPS  Z9, Z1, Z1
	VCMPPS  $7, Z9, Z8, K4, K4
	ADDQ    $128, X_PTR
	SUBQ    $32, N
	JMP     max32

	// One more full vector if 16..31 are left (compared with itself).
max16:
	CMPQ    N, $16
	JB      maxmask
	VMOVUPS (X_PTR), Z8
	VMAXPS  Z8, Z2, Z2
	VCMPPS  $7, Z8, Z8, K5, K5
	ADDQ    $64, X_PTR
	SUBQ    $16, N

	// The last 0..15 elements under K1 = (1<<N)-1, merged into a vector
	// of -Inf: masked-off lanes are not read, cannot win and are ordered.
maxmask:
	TESTQ   N, N
	JZ      maxflags
	MOVL    $1, TMP
	SHLL    CX, TMP                   // N is CX, the shift count register
	DECL    TMP
	KMOVW   TMP, K1
	VMOVAPS NEGINF, Z8
	VMOVUPS (X_PTR), K1, Z8           // merge-masked: off lanes keep -Inf
	VMAXPS  Z8, Z3, Z3
	VCMPPS  $7, Z8, Z8, K6, K6

	// AND the flags: CF=1 from KORTESTW iff all 16 bits are ones, that is
	// no NaN anywhere.
maxflags:
	KANDW    K5, K4, K4
	KANDW    K7, K6, K6
	KANDW    K6, K4, K4
	KORTESTW K4, K4
	JCC      nan

	// Reduce the four accumulators, then the 16 lanes.
	VMAXPS        Z2, Z0, Z0
	VMAXPS        Z3, Z1, Z1
	VMAXPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1          // upper 8 lanes
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1          // upper 4 lanes
	VMAXPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1          // lanes 2,3 down to 0,1
	VMAXPS        X1, X0, X0
	VMOVSHDUP     X0, X1              // lane 1 down to 0
	VMAXSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+24(FP)
	RET

nan:
	VZEROUPPER
	MOVL $0x7fc00000, ret+24(FP)      // the quiet NaN
	RET
