//go:build !purego && !noasm

#include "textflag.h"

// SumAVX2 requires AVX (called at the AVX2 level).
//
// Registers:
#define X_PTR SI  // &x[i]
#define N     CX  // elements left
#define TMP   AX
#define MASK  Y15 // tail lane mask

// func SumAVX2(x []float32) float32
TEXT ·SumAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), X_PTR
	MOVQ x_len+8(FP), N

	// Eight independent accumulators Y0..Y7.
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

	CMPQ N, $64
	JB   loop16

	// Main loop: 64 elements per iteration, added straight from memory.
loop64:
	VADDPS 0(X_PTR), Y0, Y0
	VADDPS 32(X_PTR), Y1, Y1
	VADDPS 64(X_PTR), Y2, Y2
	VADDPS 96(X_PTR), Y3, Y3
	VADDPS 128(X_PTR), Y4, Y4
	VADDPS 160(X_PTR), Y5, Y5
	VADDPS 192(X_PTR), Y6, Y6
	VADDPS 224(X_PTR), Y7, Y7
	ADDQ   $256, X_PTR
	SUBQ   $64, N
	CMPQ   N, $64
	JAE    loop64

	// 16 elements at a time into two chains.
loop16:
	CMPQ   N, $16
	JB     tail8
	VADDPS 0(X_PTR), Y0, Y0
	VADDPS 32(X_PTR), Y1, Y1
	ADDQ   $64, X_PTR
	SUBQ   $16, N
	JMP    loop16

	// One more full vector if 8..15 are left.
tail8:
	CMPQ   N, $8
	JB     tail
	VADDPS (X_PTR), Y2, Y2
	ADDQ   $32, X_PTR
	SUBQ   $8, N

	// The last 0..7 elements, without reading past the end of x
	// (VMASKMOVPS would do, but qemu-user faults on its masked-off lanes).
	// With 8 or more elements in all, reload the last 8, x[n-8:n], and
	// keep only the N not yet counted: AND with the lane mask
	// sumTail<>[N:N+8], whose last N lanes are ones. Shorter slices take
	// a scalar loop.
tail:
	TESTQ   N, N
	JZ      reduce
	CMPQ    x_len+8(FP), $8
	JB      scalar
	LEAQ    -32(X_PTR)(N*4), X_PTR   // &x[n-8]
	LEAQ    sumTail<>(SB), TMP
	VMOVUPS (TMP)(N*4), MASK         // sumTail[N:N+8]
	VANDPS  (X_PTR), MASK, Y8
	VADDPS  Y8, Y3, Y3
	JMP     reduce

	// Fewer than 8 elements in all: one at a time into X8 (the VEX
	// scalar add zeroes Y8's upper half, which is then added as zeros).
scalar:
	VXORPS Y8, Y8, Y8

scalarloop:
	VMOVSS (X_PTR), X9
	VADDSS X9, X8, X8
	ADDQ   $4, X_PTR
	DECQ   N
	JNZ    scalarloop
	VADDPS Y8, Y0, Y0

	// Sum the eight accumulators as a tree, then the 8 lanes.
reduce:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1          // upper 4 lanes
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1          // lanes 2,3 down to 0,1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1              // lane 1 down to 0
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// sumTail: 8 lanes of zeros, then 8 of all ones; sumTail[N:N+8] has
// ones in its last N lanes.
DATA sumTail<>+0(SB)/8, $0
DATA sumTail<>+8(SB)/8, $0
DATA sumTail<>+16(SB)/8, $0
DATA sumTail<>+24(SB)/8, $0
DATA sumTail<>+32(SB)/8, $0xffffffffffffffff
DATA sumTail<>+40(SB)/8, $0xffffffffffffffff
DATA sumTail<>+48(SB)/8, $0xffffffffffffffff
DATA sumTail<>+56(SB)/8, $0xffffffffffffffff
GLOBL sumTail<>(SB), RODATA|NOPTR, $64
