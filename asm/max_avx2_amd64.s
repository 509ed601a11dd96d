//go:build !purego && !noasm

#include "textflag.h"

// MaxAVX2 requires AVX2 (VBROADCASTSS from a register).
//
// Registers:
#define X_PTR  SI  // &x[i]
#define N      CX  // elements left
#define TMP    AX
#define NAN0   Y4  // NaN flags: a lane is all ones once a NaN was seen
#define NAN1   Y5
#define NEGINF Y6  // -Inf in all lanes

// func MaxAVX2(x []float32) float32
TEXT ·MaxAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), X_PTR
	MOVQ x_len+8(FP), N

	// Four maximum accumulators Y0..Y3 at -Inf; two NaN flags at zero.
	VBROADCASTSS maxNegInf<>(SB), NEGINF
	VMOVAPS      NEGINF, Y0
	VMOVAPS      NEGINF, Y1
	VMOVAPS      NEGINF, Y2
	VMOVAPS      NEGINF, Y3
	VXORPS       NAN0, NAN0, NAN0
	VXORPS       NAN1, NAN1, NAN1

	// Main loop: 64 elements (8 vectors) per iteration. VMAXPS drops a
	// NaN in a later step, so each pair of vectors is also compared
	// unordered (true where either is NaN) and OR-ed into a flag.
loop64:
	CMPQ    N, $64
	JB      loop16
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
	JMP     loop64

	// 16 elements (a pair of vectors) at a time.
loop16:
	CMPQ    N, $16
	JB      tail8
	VMOVUPS 0(X_PTR), Y8
	VMOVUPS 32(X_PTR), Y9
	VMAXPS  Y8, Y0, Y0
	VMAXPS  Y9, Y1, Y1
	VCMPPS  $3, Y9, Y8, Y8
	VORPS   Y8, NAN0, NAN0
	ADDQ    $64, X_PTR
	SUBQ    $16, N
	JMP     loop16

	// One more full vector if 8..15 are left (compared with itself).
tail8:
	CMPQ    N, $8
	JB      tailmask
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
tailmask:
	TESTQ   N, N
	JZ      reduce
	CMPQ    x_len+8(FP), $8
	JB      scalar
	LEAQ    -32(X_PTR)(N*4), X_PTR    // &x[n-8]
	VMOVUPS (X_PTR), Y8
	VMAXPS  Y8, Y3, Y3
	VCMPPS  $3, Y8, Y8, Y8
	VORPS   Y8, NAN0, NAN0
	JMP     reduce

scalar:
	VMOVSS       (X_PTR), X8          // exactly 4 bytes
	VBROADCASTSS X8, Y8
	VMAXPS       Y8, Y3, Y3
	VCMPPS       $3, Y8, Y8, Y8
	VORPS        Y8, NAN0, NAN0
	ADDQ         $4, X_PTR
	DECQ         N
	JNZ          scalar

	// Any NaN seen: the answer is NaN.
reduce:
	VORPS     NAN1, NAN0, NAN0
	VMOVMSKPS NAN0, TMP
	TESTL     TMP, TMP
	JNZ       nan

	// Otherwise reduce the maxima as a tree, then the 8 lanes.
	VMAXPS       Y2, Y0, Y0
	VMAXPS       Y3, Y1, Y1
	VMAXPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1           // upper 4 lanes
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1           // lanes 2,3 down to 0,1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1               // lane 1 down to 0
	VMAXSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

nan:
	VZEROUPPER
	MOVL $0x7fc00000, ret+24(FP)      // the quiet NaN
	RET

DATA  maxNegInf<>+0(SB)/4, $0xff800000
GLOBL maxNegInf<>(SB), RODATA|NOPTR, $4
