//go:build !purego && !noasm

#include "textflag.h"

// IndexAVX512 requires AVX-512F and BW (KUNPCKWD/KUNPCKDQ, KMOVQ).
//
// The first i with x[i] == v (ordered, so +0 == -0), or, if v is NaN,
// with x[i] unordered; -1 if there is none. kernel.Argmax is MaxAVX512
// followed by this search: two passes over L1/L2-resident data cost less
// than carrying indices through the first.
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define IDX    BX  // index of the first element of the current block
#define BITS   DX  // compare mask bits
#define KEY    Z29 // what the search compares against: v, or 0 for the NaN search

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

// func IndexAVX512(x []float32, v float32) int
TEXT ·IndexAVX512(SB), NOSPLIT, $0-40
	MOVQ         x_base+0(FP), X_PTR
	MOVQ         x_len+8(FP), N
	XORQ         IDX, IDX
	VBROADCASTSS v+24(FP), KEY
	VUCOMISS     X29, X29             // X29 is KEY's low lane: PF=1 iff v is NaN
	JPS          nanstart

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

	// ---- v is NaN: the same search with "unordered with 0", true only
	// for NaN. ----
nanstart:
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

	// The lowest set bit of BITS is the answer's offset from IDX; no bit
	// set (after the masked tail) means no element matched.
found:
	VZEROUPPER
	TESTQ BITS, BITS
	JZ    none
	BSFQ  BITS, BITS
	ADDQ  IDX, BITS
	MOVQ  BITS, ret+32(FP)
	RET

none:
	MOVQ $-1, ret+32(FP)
	RET
