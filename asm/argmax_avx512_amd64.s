//go:build !purego && !noasm

#include "textflag.h"

// ArgmaxAVX512 requires AVX-512F and BW (KUNPCKWD/KUNPCKDQ, KMOVQ).
//
// Pass 1 finds the maximum m and whether any element is NaN, exactly as
// MaxAVX512 does. Pass 2 then looks for the first i with x[i] == m
// (ordered, so +0 == -0), or, if there was a NaN, with x[i] unordered;
// m is one of the elements, so it is found.
// Two passes over L1/L2-resident data cost less than carrying indices
// through the first.
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define IDX    BX  // index of the first element of the current block
#define BITS   DX  // compare mask bits
#define NEGINF Z30 // -Inf in all lanes
#define KEY    Z29 // what pass 2 compares against: m, or 0 for the NaN search

// SCAN4(pred) compares the 64 elements at X_PTR with KEY under predicate
// pred (one 16-bit mask per vector in K1..K4), then packs the masks into
// one 64-bit word in element order, BITS = K4:K3:K2:K1 (KUNPCKWD K1, K2,
// K5 makes K5 = K2:K1; KUNPCKDQ likewise for the halves).
#define SCAN4(pred) \
	VCMPPS   $pred, 0(X_PTR), KEY, K1   \
	VCMPPS   $pred, 64(X_PTR), KEY, K2  \
	VCMPPS   $pred, 128(X_PTR), KEY, K3 \
	VCMPPS   $pred, 192(X_PTR), KEY, K4 \
	KUNPCKWD K1, K2, K5                 \
	KUNPCKWD K3, K4, K6                 \
	KUNPCKDQ K5, K6, K7                 \
	KMOVQ    K7, BITS

// func ArgmaxAVX512(x []float32) int
TEXT ·ArgmaxAVX512(SB), NOSPLIT, $0-32
	MOVQ  x_base+0(FP), X_PTR
	MOVQ  x_len+8(FP), N
	TESTQ N, N
	JZ    empty

	// ---- Pass 1: the maximum and the NaN flags, as in MaxAVX512. ----
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
	JCC      nanstart

	// Reduce to m, with shuffles that keep the maximum in every lane, so
	// that KEY ends as m broadcast.
	VMAXPS     Z2, Z0, Z0
	VMAXPS     Z3, Z1, Z1
	VMAXPS     Z1, Z0, Z0
	VSHUFF32X4 $0x4e, Z0, Z0, Z1      // swap 256-bit halves
	VMAXPS     Z1, Z0, Z0
	VSHUFF32X4 $0xb1, Z0, Z0, Z1      // swap 128-bit lanes in each half
	VMAXPS     Z1, Z0, Z0
	VPERMILPS  $0x4e, Z0, Z1          // swap 64-bit pairs in each lane
	VMAXPS     Z1, Z0, Z0
	VPERMILPS  $0xb1, Z0, Z1          // swap neighbours
	VMAXPS     Z1, Z0, KEY

	// ---- Pass 2: the first element equal to m. ----
	MOVQ x_base+0(FP), X_PTR
	MOVQ x_len+8(FP), N
	XORQ IDX, IDX

	// Compare 64 elements at a time, equal-ordered (+0 == -0).
eq64:
	CMPQ  N, $64
	JB    eq16
	SCAN4(0)
	TESTQ BITS, BITS
	JNZ   found
	ADDQ  $256, X_PTR
	ADDQ  $64, IDX
	SUBQ  $64, N
	JMP   eq64

eq16:
	CMPQ   N, $16
	JB     eqmask
	VCMPPS $0, (X_PTR), KEY, K1
	KMOVW  K1, BITS
	TESTQ  BITS, BITS
	JNZ    found
	ADDQ   $64, X_PTR
	ADDQ   $16, IDX
	SUBQ   $16, N
	JMP    eq16

	// Last 1..15 elements: compare under K2 = (1<<N)-1 so off lanes
	// are neither read nor reported.
eqmask:
	MOVL   $1, TMP
	SHLL   CX, TMP
	DECL   TMP
	KMOVW  TMP, K2
	VCMPPS $0, (X_PTR), KEY, K2, K1
	KMOVW  K1, BITS
	JMP    found

	// ---- Pass 2 when there is a NaN: the same search with "unordered
	// with 0", true only for NaN. ----
nanstart:
	MOVQ   x_base+0(FP), X_PTR
	MOVQ   x_len+8(FP), N
	XORQ   IDX, IDX
	VPXORD KEY, KEY, KEY

nan64:
	CMPQ  N, $64
	JB    nan16
	SCAN4(3)
	TESTQ BITS, BITS
	JNZ   found
	ADDQ  $256, X_PTR
	ADDQ  $64, IDX
	SUBQ  $64, N
	JMP   nan64

nan16:
	CMPQ   N, $16
	JB     nanmask
	VCMPPS $3, (X_PTR), KEY, K1
	KMOVW  K1, BITS
	TESTQ  BITS, BITS
	JNZ    found
	ADDQ   $64, X_PTR
	ADDQ   $16, IDX
	SUBQ   $16, N
	JMP    nan16

nanmask:
	MOVL   $1, TMP
	SHLL   CX, TMP
	DECL   TMP
	KMOVW  TMP, K2
	VCMPPS $3, (X_PTR), KEY, K2, K1
	KMOVW  K1, BITS

	// The lowest set bit of BITS is the answer's offset from IDX. BITS
	// is never 0 here: m is one of the elements (VMAXPS returns one of
	// its operands, and the masked-off lanes' -Inf wins only if an
	// element is -Inf too), and a NaN flag means an element is NaN.
found:
	BSFQ BITS, BITS
	ADDQ IDX, BITS
	VZEROUPPER
	MOVQ BITS, ret+24(FP)
	RET

empty:
	MOVQ $-1, ret+24(FP)
	RET
