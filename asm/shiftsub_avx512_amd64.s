//go:build !purego && !noasm

#include "textflag.h"

// ShiftSubAVX512 requires AVX-512F.
//
// Pass 3 of kernel.LogSoftmax: dst[i] = (src[i] − m) − ls, two roundings
// as in the generic loop, so the levels agree to the bit.

#define DST DI
#define SRC SI
#define N   CX
#define TMP AX
#define M   Z30 // m in all lanes
#define LS  Z31 // log Σ e^(x−m) in all lanes

// func ShiftSubAVX512(dst, src []float32, m, ls float32)
TEXT ·ShiftSubAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DST
	MOVQ         src_base+24(FP), SRC
	MOVQ         src_len+32(FP), N
	VBROADCASTSS m+48(FP), M
	VBROADCASTSS ls+52(FP), LS

	// Main loop: 64 elements per iteration.
loop64:
	CMPQ    N, $64
	JB      loop16
	VMOVUPS 0(SRC), Z0
	VMOVUPS 64(SRC), Z1
	VMOVUPS 128(SRC), Z2
	VMOVUPS 192(SRC), Z3
	VSUBPS  M, Z0, Z0                // x − m
	VSUBPS  M, Z1, Z1
	VSUBPS  M, Z2, Z2
	VSUBPS  M, Z3, Z3
	VSUBPS  LS, Z0, Z0               // (x − m) − ls
	VSUBPS  LS, Z1, Z1
	VSUBPS  LS, Z2, Z2
	VSUBPS  LS, Z3, Z3
	VMOVUPS Z0, 0(DST)
	VMOVUPS Z1, 64(DST)
	VMOVUPS Z2, 128(DST)
	VMOVUPS Z3, 192(DST)
	ADDQ    $256, SRC
	ADDQ    $256, DST
	SUBQ    $64, N
	JMP     loop64

	// One vector at a time, then the last 1..15 under K1.
loop16:
	CMPQ    N, $16
	JB      tail
	VMOVUPS (SRC), Z0
	VSUBPS  M, Z0, Z0
	VSUBPS  LS, Z0, Z0
	VMOVUPS Z0, (DST)
	ADDQ    $64, SRC
	ADDQ    $64, DST
	SUBQ    $16, N
	JMP     loop16

tail:
	TESTQ     N, N
	JZ        done
	MOVL      $1, TMP
	SHLL      CX, TMP
	DECL      TMP
	KMOVW     TMP, K1
	VMOVUPS.Z (SRC), K1, Z0
	VSUBPS    M, Z0, Z0
	VSUBPS    LS, Z0, Z0
	VMOVUPS   Z0, K1, (DST)

done:
	VZEROUPPER
	RET
