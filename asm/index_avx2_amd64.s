//go:build !purego && !noasm

#include "textflag.h"

// IndexAVX2 requires AVX2 (VBROADCASTSS from memory to a ymm register).
//
// The first i with x[i] == v (ordered, so +0 == -0), or, if v is NaN,
// with x[i] unordered; -1 if there is none. No tail reads past the end
// of x. kernel.Argmax is MaxAVX2 followed by this search.
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define IDX    BX  // index of the first element of the current block
#define BITS   DX  // compare mask bits
#define KEY    Y6  // v in all lanes, or 0 for the NaN search
#define KEY_X  X6

// SCAN4(pred) compares the 32 elements at X_PTR with KEY under predicate
// pred, ORs the four results and leaves the OR's sign bits in BITS: zero
// if no element matched.
#define SCAN4(pred) \
	VCMPPS    $pred, 0(X_PTR), KEY, Y8   \
	VCMPPS    $pred, 32(X_PTR), KEY, Y9  \
	VCMPPS    $pred, 64(X_PTR), KEY, Y10 \
	VCMPPS    $pred, 96(X_PTR), KEY, Y11 \
	VORPS     Y9, Y8, Y12                \
	VORPS     Y11, Y10, Y13              \
	VORPS     Y13, Y12, Y12              \
	VMOVMSKPS Y12, BITS

// FIND4 turns the four compare results of SCAN4 into the 32 match bits in
// element order: BITS = mask(Y11)<<24 | mask(Y10)<<16 | mask(Y9)<<8 | mask(Y8).
#define FIND4 \
	VMOVMSKPS Y11, BITS  \
	SHLQ      $8, BITS   \
	VMOVMSKPS Y10, TMP   \
	ORQ       TMP, BITS  \
	SHLQ      $8, BITS   \
	VMOVMSKPS Y9, TMP    \
	ORQ       TMP, BITS  \
	SHLQ      $8, BITS   \
	VMOVMSKPS Y8, TMP    \
	ORQ       TMP, BITS

// func IndexAVX2(x []float32, v float32) int
TEXT ·IndexAVX2(SB), NOSPLIT, $0-40
	MOVQ         x_base+0(FP), X_PTR
	MOVQ         x_len+8(FP), N
	XORQ         IDX, IDX
	VBROADCASTSS v+24(FP), KEY
	VUCOMISS     KEY_X, KEY_X         // PF=1 iff v is NaN
	JPS          nanscan

	// ---- The first element equal to v. ----
eq32:
	CMPQ  N, $32
	JB    eq8
	SCAN4(0)
	TESTQ BITS, BITS
	JNZ   found4
	ADDQ  $128, X_PTR
	ADDQ  $32, IDX
	SUBQ  $32, N
	JMP   eq32

eq8:
	CMPQ      N, $8
	JB        eqtail
	VCMPPS    $0, (X_PTR), KEY, Y8
	VMOVMSKPS Y8, BITS
	TESTQ     BITS, BITS
	JNZ       found
	ADDQ      $32, X_PTR
	ADDQ      $8, IDX
	SUBQ      $8, N
	JMP       eq8

	// Last 1..7. With 8 or more elements in all, compare the last 8,
	// x[n-8:n]: the ones seen already did not match, so the first match
	// is a new one. Shorter slices go one element at a time.
eqtail:
	CMPQ      x_len+8(FP), $8
	JB        eqscalar
	LEAQ      -32(X_PTR)(N*4), X_PTR  // &x[n-8]
	LEAQ      -8(IDX)(N*1), IDX       // n-8
	VCMPPS    $0, (X_PTR), KEY, Y8
	VMOVMSKPS Y8, BITS
	JMP       found

eqscalar:
	TESTQ    N, N
	JZ       none
	VMOVSS   (X_PTR), X8
	VUCOMISS X8, KEY_X                // ZF=1 and PF=0 iff equal
	JPS      2(PC)
	JEQ      foundscalar
	ADDQ     $4, X_PTR
	INCQ     IDX
	DECQ     N
	JMP      eqscalar

	// ---- v is NaN: the first unordered element. ----
nanscan:
	VXORPS KEY, KEY, KEY

nan32:
	CMPQ  N, $32
	JB    nan8
	SCAN4(3)
	TESTQ BITS, BITS
	JNZ   found4
	ADDQ  $128, X_PTR
	ADDQ  $32, IDX
	SUBQ  $32, N
	JMP   nan32

nan8:
	CMPQ      N, $8
	JB        nantail
	VCMPPS    $3, (X_PTR), KEY, Y8
	VMOVMSKPS Y8, BITS
	TESTQ     BITS, BITS
	JNZ       found
	ADDQ      $32, X_PTR
	ADDQ      $8, IDX
	SUBQ      $8, N
	JMP       nan8

	// Last 1..7, as for the equality search.
nantail:
	CMPQ      x_len+8(FP), $8
	JB        nanscalar
	LEAQ      -32(X_PTR)(N*4), X_PTR  // &x[n-8]
	LEAQ      -8(IDX)(N*1), IDX       // n-8
	VCMPPS    $3, (X_PTR), KEY, Y8
	VMOVMSKPS Y8, BITS
	JMP       found

nanscalar:
	TESTQ    N, N
	JZ       none
	VMOVSS   (X_PTR), X8
	VUCOMISS X8, X8                   // PF=1 iff unordered: NaN
	JPS      foundscalar
	ADDQ     $4, X_PTR
	INCQ     IDX
	DECQ     N
	JMP      nanscalar

	// The element at IDX itself.
foundscalar:
	VZEROUPPER
	MOVQ IDX, ret+32(FP)
	RET

	// A match among the 32 elements of the last SCAN4.
found4:
	FIND4

	// The lowest set bit of BITS is the answer's offset from IDX; no bit
	// set (after the last 8) means no element matched.
found:
	VZEROUPPER
	TESTQ BITS, BITS
	JZ    none
	BSFQ  BITS, BITS
	ADDQ  IDX, BITS
	MOVQ  BITS, ret+32(FP)
	RET

none:
	VZEROUPPER
	MOVQ $-1, ret+32(FP)
	RET
