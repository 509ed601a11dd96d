//go:build !purego && !noasm

#include "textflag.h"

// ShiftSubAVX2 requires AVX.
//
// Pass 3 of kernel.LogSoftmax: dst[i] = (src[i] − m) − ls, two roundings
// as in the generic loop, so the levels agree to the bit.

#define DST  DI
#define SRC  SI
#define N    CX
#define M    Y14 // m in all lanes
#define LS   Y15 // log Σ e^(x−m) in all lanes
#define M_X  X14
#define LS_X X15

// func ShiftSubAVX2(dst, src []float32, m, ls float32)
TEXT ·ShiftSubAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	VBROADCASTSS m+48(FP), M
	VBROADCASTSS ls+52(FP), LS

	// Main loop: 32 elements per iteration.
loop32:
	CMPQ    N, $32
	JB      loop8
	VMOVUPS 0(SRC), Y0
	VMOVUPS 32(SRC), Y1
	VMOVUPS 64(SRC), Y2
	VMOVUPS 96(SRC), Y3
	VSUBPS  M, Y0, Y0               // x − m
	VSUBPS  M, Y1, Y1
	VSUBPS  M, Y2, Y2
	VSUBPS  M, Y3, Y3
	VSUBPS  LS, Y0, Y0              // (x − m) − ls
	VSUBPS  LS, Y1, Y1
	VSUBPS  LS, Y2, Y2
	VSUBPS  LS, Y3, Y3
	VMOVUPS Y0, 0(DST)
	VMOVUPS Y1, 32(DST)
	VMOVUPS Y2, 64(DST)
	VMOVUPS Y3, 96(DST)
	ADDQ    $128, SRC
	ADDQ    $128, DST
	SUBQ    $32, N
	JMP     loop32

	// One vector at a time while 8 or more are left.
loop8:
	CMPQ    N, $8
	JB      tail
	VMOVUPS (SRC), Y0
	VSUBPS  M, Y0, Y0
	VSUBPS  LS, Y0, Y0
	VMOVUPS Y0, (DST)
	ADDQ    $32, SRC
	ADDQ    $32, DST
	SUBQ    $8, N
	JMP     loop8

	// The last 1..7 elements one at a time.
tail:
	TESTQ  N, N
	JZ     done
	VMOVSS (SRC), X0
	VSUBSS M_X, X0, X0
	VSUBSS LS_X, X0, X0
	VMOVSS X0, (DST)
	ADDQ   $4, SRC
	ADDQ   $4, DST
	DECQ   N
	JMP    tail

done:
	VZEROUPPER
	RET
