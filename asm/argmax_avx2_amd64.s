//go:build !purego && !noasm

#include "textflag.h"

// ArgmaxAVX2 requires AVX2 (VBROADCASTSS from a register).
//
// Pass 1 finds the maximum m and whether any element is NaN, exactly as
// MaxAVX2 does. Pass 2 looks for the first i with x[i] == m (ordered, so
// +0 == -0), or, if there was a NaN, with x[i] unordered; m is one of the
// elements, so it is found; no tail reads past the end of x. Two passes over L1/L2-resident data cost less
// than carrying indices through the first.
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define IDX    BX  // index of the first element of the current block
#define BITS   DX  // compare mask bits
#define NAN0   Y4  // NaN flags: a lane is all ones once a NaN was seen
#define NAN1   Y5
#define NEGINF Y6  // -Inf in all lanes
#define KEY    Y6  // pass 2: m in all lanes, or 0 for the NaN search
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

// func ArgmaxAVX2(x []float32) int
TEXT ·ArgmaxAVX2(SB), NOSPLIT, $0-32
	MOVQ  x_base+0(FP), X_PTR
	MOVQ  x_len+8(FP), N
	TESTQ N, N
	JZ    empty

	// ---- Pass 1: the maximum and a NaN flag, as in MaxAVX2. ----
	VBROADCASTSS argmaxNegInf<>(SB), NEGINF
	VMOVAPS      NEGINF, Y0
	VMOVAPS      NEGINF, Y1
	VMOVAPS      NEGINF, Y2
	VMOVAPS      NEGINF, Y3
	VXORPS       NAN0, NAN0, NAN0
	VXORPS       NAN1, NAN1, NAN1

max64:
	CMPQ    N, $64
	JB      max16
	VMOVUPS 0(X_PTR), Y8
	VMOVUPS 32(X_PTR), Y9
	VMOVUPS 64(X_PTR), Y10
	VMOVUPS 96(X_PTR), Y11
	VMOVUPS 128(X_PTR), Y12
	VMOVUPS 160(X_PTR), Y13
	VMOVUPS 192(X_PTR), Y14
	VMOVUPS 224(X_PTR), Y15
	VMAXPS  Y8, Y0, Y0
	VMAXPS  Y9, Y1, Y1
	VMAXPS  Y10, Y2, Y2
	VMAXPS  Y11, Y3, Y3
	VCMPPS  $3, Y9, Y8, Y8            // Y8 = unord(Y8, Y9): a NaN in either
	VCMPPS  $3, Y11, Y10, Y10
	VMAXPS  Y12, Y0, Y0
	VMAXPS  Y13, Y1, Y1
	VMAXPS  Y14, Y2, Y2
	VMAXPS  Y15, Y3, Y3
	VCMPPS  $3, Y13, Y12, Y12
	VCMPPS  $3, Y15, Y14, Y14
	VORPS   Y8, NAN0, NAN0
	VORPS   Y10, NAN1, NAN1
	VORPS   Y12, NAN0, NAN0
	VORPS   Y14, NAN1, NAN1
	ADDQ    $256, X_PTR
	SUBQ    $64, N
	JMP     max64

max16:
	CMPQ    N, $16
	JB      max8
	VMOVUPS 0(X_PTR), Y8
	VMOVUPS 32(X_PTR), Y9
	VMAXPS  Y8, Y0, Y0
	VMAXPS  Y9, Y1, Y1
	VCMPPS  $3, Y9, Y8, Y8
	VORPS   Y8, NAN0, NAN0
	ADDQ    $64, X_PTR
	SUBQ    $16, N
	JMP     max16

max8:
	CMPQ    N, $8
	JB      maxmask
	VMOVUPS (X_PTR), Y8
	VMAXPS  Y8, Y2, Y2
	VCMPPS  $3, Y8, Y8, Y8
	VORPS   Y8, NAN1, NAN1
	ADDQ    $32, X_PTR
	SUBQ    $8, N

	// The last 0..7 elements, without reading past the end of x
	// (VMASKMOVPS would do, but qemu-user faults on its masked-off lanes).
	// With 8 or more elements in all, take the last 8, x[n-8:n], again:
	// max and the NaN test do not mind seeing an element twice. Shorter
	// slices go one element at a time, broadcast to all lanes.
maxmask:
	TESTQ   N, N
	JZ      maxreduce
	CMPQ    x_len+8(FP), $8
	JB      maxscalar
	LEAQ    -32(X_PTR)(N*4), X_PTR    // &x[n-8]
	VMOVUPS (X_PTR), Y8
	VMAXPS  Y8, Y3, Y3
	VCMPPS  $3, Y8, Y8, Y8
	VORPS   Y8, NAN0, NAN0
	JMP     maxreduce

maxscalar:
	VMOVSS       (X_PTR), X8          // exactly 4 bytes
	VBROADCASTSS X8, Y8
	VMAXPS       Y8, Y3, Y3
	VCMPPS       $3, Y8, Y8, Y8
	VORPS        Y8, NAN0, NAN0
	ADDQ         $4, X_PTR
	DECQ         N
	JNZ          maxscalar

maxreduce:
	MOVQ      x_base+0(FP), X_PTR     // both searches start over at x[0]
	MOVQ      x_len+8(FP), N
	XORQ      IDX, IDX
	VORPS     NAN1, NAN0, NAN0
	VMOVMSKPS NAN0, TMP
	TESTL     TMP, TMP
	JNZ       nanscan

	// Reduce to m, with shuffles that keep the maximum in every lane, so
	// that KEY ends as m broadcast.
	VMAXPS     Y2, Y0, Y0
	VMAXPS     Y3, Y1, Y1
	VMAXPS     Y1, Y0, Y0
	VPERM2F128 $0x01, Y0, Y0, Y1      // swap 128-bit halves
	VMAXPS     Y1, Y0, Y0
	VPERMILPS  $0x4e, Y0, Y1          // swap 64-bit pairs in each half
	VMAXPS     Y1, Y0, Y0
	VPERMILPS  $0xb1, Y0, Y1          // swap neighbours
	VMAXPS     Y1, Y0, KEY

	// ---- Pass 2: the first element equal to m. ----
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
	VMOVSS   (X_PTR), X8
	VUCOMISS X8, KEY_X                // ZF=1 iff equal (no NaNs here)
	JEQ      foundscalar
	ADDQ     $4, X_PTR
	INCQ     IDX
	JMP      eqscalar

	// ---- Pass 2 when there is a NaN: the first unordered element. ----
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
	VMOVSS   (X_PTR), X8
	VUCOMISS X8, X8                   // PF=1 iff unordered: NaN
	JPS      foundscalar
	ADDQ     $4, X_PTR
	INCQ     IDX
	JMP      nanscalar

	// The element at IDX itself.
foundscalar:
	VZEROUPPER
	MOVQ IDX, ret+24(FP)
	RET

	// A match among the 32 elements of the last SCAN4.
found4:
	FIND4

	// The lowest set bit of BITS is the answer's offset from IDX. BITS
	// is never 0 here: m is one of the elements, and a NaN flag means an
	// element is NaN.
found:
	BSFQ BITS, BITS
	ADDQ IDX, BITS
	VZEROUPPER
	MOVQ BITS, ret+24(FP)
	RET

empty:
	MOVQ $-1, ret+24(FP)
	RET

DATA  argmaxNegInf<>+0(SB)/4, $0xff800000
GLOBL argmaxNegInf<>(SB), RODATA|NOPTR, $4
