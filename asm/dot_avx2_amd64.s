//go:build !purego && !noasm

#include "textflag.h"

// DotAVX2 requires AVX2 and FMA3.
//
// Registers:
#define X_PTR SI  // &x[i]
#define Y_PTR DI  // &y[i]
#define N     CX  // elements left
#define TMP   AX
#define MASK  Y15 // tail lane mask

// func DotAVX2(x, y []float32) float32
TEXT ·DotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), X_PTR
	MOVQ y_base+24(FP), Y_PTR
	MOVQ x_len+8(FP), N

	// Eight independent accumulators Y0..Y7 (two FMA pipes × latency 4).
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

	// Main loop: 64 elements (8 ymm of x) per iteration; y comes in
	// through the FMA's memory operand, so two loads feed each FMA.
loop64:
	VMOVUPS     0(X_PTR), Y8
	VMOVUPS     32(X_PTR), Y9
	VMOVUPS     64(X_PTR), Y10
	VMOVUPS     96(X_PTR), Y11
	VMOVUPS     128(X_PTR), Y12
	VMOVUPS     160(X_PTR), Y13
	VMOVUPS     192(X_PTR), Y14
	VMOVUPS     224(X_PTR), Y15
	VFMADD231PS 0(Y_PTR), Y8, Y0     // Y0 += x[i:i+8] * y[i:i+8]
	VFMADD231PS 32(Y_PTR), Y9, Y1
	VFMADD231PS 64(Y_PTR), Y10, Y2
	VFMADD231PS 96(Y_PTR), Y11, Y3
	VFMADD231PS 128(Y_PTR), Y12, Y4
	VFMADD231PS 160(Y_PTR), Y13, Y5
	VFMADD231PS 192(Y_PTR), Y14, Y6
	VFMADD231PS 224(Y_PTR), Y15, Y7
	ADDQ        $256, X_PTR
	ADDQ        $256, Y_PTR
	SUBQ        $64, N
	CMPQ        N, $64
	JAE         loop64

	// 16 elements at a time into two chains.
loop16:
	CMPQ        N, $16
	JB          tail8
	VMOVUPS     0(X_PTR), Y8
	VMOVUPS     32(X_PTR), Y9
	VFMADD231PS 0(Y_PTR), Y8, Y0
	VFMADD231PS 32(Y_PTR), Y9, Y1
	ADDQ        $64, X_PTR
	ADDQ        $64, Y_PTR
	SUBQ        $16, N
	JMP         loop16

	// One more full vector if 8..15 are left.
tail8:
	CMPQ        N, $8
	JB          tail
	VMOVUPS     (X_PTR), Y8
	VFMADD231PS (Y_PTR), Y8, Y2
	ADDQ        $32, X_PTR
	ADDQ        $32, Y_PTR
	SUBQ        $8, N

	// The last 0..7 elements, without reading past the end of x or y
	// (VMASKMOVPS would do, but qemu-user faults on its masked-off lanes).
	// With 8 or more elements in all, reload the last 8, x[n-8:n], and
	// keep only the N not yet counted: AND both with the lane mask
	// dotTail<>[N:N+8], whose last N lanes are ones, so the others add
	// 0·0. Shorter slices take a scalar loop.
tail:
	TESTQ       N, N
	JZ          reduce
	CMPQ        x_len+8(FP), $8
	JB          scalar
	LEAQ        -32(X_PTR)(N*4), X_PTR  // &x[n-8]
	LEAQ        -32(Y_PTR)(N*4), Y_PTR  // &y[n-8]
	LEAQ        dotTail<>(SB), TMP
	VMOVUPS     (TMP)(N*4), MASK        // dotTail[N:N+8]
	VANDPS      (X_PTR), MASK, Y8
	VANDPS      (Y_PTR), MASK, Y9
	VFMADD231PS Y9, Y8, Y3
	JMP         reduce

	// Fewer than 8 elements in all: one at a time into X8 (the VEX
	// scalar FMA zeroes Y8's upper half, which is then added as zeros).
scalar:
	VXORPS      Y8, Y8, Y8

scalarloop:
	VMOVSS      (X_PTR), X9             // separate loads: qemu's VFMADD231SS m32
	VMOVSS      (Y_PTR), X10            // reads 16 bytes
	VFMADD231SS X10, X9, X8
	ADDQ        $4, X_PTR
	ADDQ        $4, Y_PTR
	DECQ        N
	JNZ         scalarloop
	VADDPS      Y8, Y0, Y0

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
	MOVSS        X0, ret+48(FP)
	RET

// dotTail: 8 lanes of zeros, then 8 of all ones; dotTail[N:N+8] has
// ones in its last N lanes.
DATA dotTail<>+0(SB)/8, $0
DATA dotTail<>+8(SB)/8, $0
DATA dotTail<>+16(SB)/8, $0
DATA dotTail<>+24(SB)/8, $0
DATA dotTail<>+32(SB)/8, $0xffffffffffffffff
DATA dotTail<>+40(SB)/8, $0xffffffffffffffff
DATA dotTail<>+48(SB)/8, $0xffffffffffffffff
DATA dotTail<>+56(SB)/8, $0xffffffffffffffff
GLOBL dotTail<>(SB), RODATA|NOPTR, $64
