//go:build !purego && !noasm

#include "textflag.h"

// ArgmaxNEON requires ARMv8-A Advanced SIMD only (every arm64 CPU).
//
// Method. The vector loop takes 16 elements per iteration as four
// vectors k = 0..3, and each of the 16 lanes keeps its own running
// maximum bv (V16..V19) and the iteration it was first reached in, bi
// (V20..V23): lane j of vector k at iteration t is element 16t+4k+j.
// A lane's bi changes only when a value is strictly greater (FCMGT), so it
// remembers the first occurrence of its maximum. The maxima themselves
// are updated with FMAX, which turns a lane to NaN for good once it sees
// a NaN; at the end one NaN test says whether x held one, and if so a
// scalar scan from the start finds the first (Argmax's NaN rule).
// Otherwise the answer is the smallest index among the lanes whose
// maximum equals the overall maximum, and then the scalar tail continues
// with strict comparisons. +0 and -0 compare equal throughout.
//
// Registers:
#define X_PTR R0 // &x[i]
#define N     R1 // elements left
#define BASE  R2 // &x[0]
#define BEST  R3 // index of the best element so far
#define I     R4 // index of the element X_PTR points at
#define TMP   R5

// Indices 0..15 of the lanes of the four vectors of one iteration.
DATA argmaxLanes<>+0(SB)/4, $0
DATA argmaxLanes<>+4(SB)/4, $1
DATA argmaxLanes<>+8(SB)/4, $2
DATA argmaxLanes<>+12(SB)/4, $3
DATA argmaxLanes<>+16(SB)/4, $4
DATA argmaxLanes<>+20(SB)/4, $5
DATA argmaxLanes<>+24(SB)/4, $6
DATA argmaxLanes<>+28(SB)/4, $7
DATA argmaxLanes<>+32(SB)/4, $8
DATA argmaxLanes<>+36(SB)/4, $9
DATA argmaxLanes<>+40(SB)/4, $10
DATA argmaxLanes<>+44(SB)/4, $11
DATA argmaxLanes<>+48(SB)/4, $12
DATA argmaxLanes<>+52(SB)/4, $13
DATA argmaxLanes<>+56(SB)/4, $14
DATA argmaxLanes<>+60(SB)/4, $15
GLOBL argmaxLanes<>(SB), RODATA|NOPTR, $64

// func ArgmaxNEON(x []float32) int
TEXT ·ArgmaxNEON(SB), NOSPLIT, $0-32
	MOVD x_base+0(FP), X_PTR
	MOVD x_len+8(FP), N
	MOVD X_PTR, BASE
	MOVD ZR, I

	// Empty: -1.
	MOVD $-1, BEST
	CBZ  N, done

	// The scalar scan starts from best = 0 with value -Inf: element 0
	// then either is NaN (returned), or ≥ -Inf (kept as best by the
	// strict comparison only if greater, and it stays index 0 otherwise).
	MOVD  ZR, BEST
	MOVW  $0xff800000, TMP // -Inf
	FMOVS TMP, F0          // F0: the best value so far
	CMP   $16, N
	BLT   tail

	// Vector part. bv = -Inf and bi = 0 in every lane: if a lane's values
	// are all -Inf, its first element (index 4k+j, iteration 0) is the
	// first occurrence of its maximum, which is what bi = 0 says.
	VDUP TMP, V16.S4
	VMOV V16.B16, V17.B16
	VMOV V16.B16, V18.B16
	VMOV V16.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16 // V24: the iteration number t in every lane
	MOVW $1, TMP
	VDUP TMP, V25.S4               // V25: 1 in every lane

	// N is kept 16 below the true count so SUBS sets the loop flag.
	SUB $16, N

loop16:
	VLD1.P 64(X_PTR), [V0.S4, V1.S4, V2.S4, V3.S4]
	WORD   $0x6eb0e404                                      // fcmgt v4.4s, v0.4s, v16.4s
	WORD   $0x6eb1e425                                      // fcmgt v5.4s, v1.4s, v17.4s
	WORD   $0x6eb2e446                                      // fcmgt v6.4s, v2.4s, v18.4s
	WORD   $0x6eb3e467                                      // fcmgt v7.4s, v3.4s, v19.4s
	WORD   $0x4e20f610                                      // fmax v16.4s, v16.4s, v0.4s
	WORD   $0x4e21f631                                      // fmax v17.4s, v17.4s, v1.4s
	WORD   $0x4e22f652                                      // fmax v18.4s, v18.4s, v2.4s
	WORD   $0x4e23f673                                      // fmax v19.4s, v19.4s, v3.4s
	WORD   $0x6ea41f14                                      // bit v20.16b, v24.16b, v4.16b
	WORD   $0x6ea51f15                                      // bit v21.16b, v24.16b, v5.16b
	WORD   $0x6ea61f16                                      // bit v22.16b, v24.16b, v6.16b
	WORD   $0x6ea71f17                                      // bit v23.16b, v24.16b, v7.16b
	VADD   V25.S4, V24.S4, V24.S4                  // t++
	SUBS   $16, N
	BGE    loop16

	ADD $16, N // back to the true count, 0..15

	// The overall maximum; NaN if x[:16t] held a NaN.
	WORD $0x4e31f61a       // fmax v26.4s, v16.4s, v17.4s
	WORD $0x4e33f65b       // fmax v27.4s, v18.4s, v19.4s
	WORD $0x4e3bf75a       // fmax v26.4s, v26.4s, v27.4s
	WORD $0x6e30fb40       // fmaxv s0, v26.4s
	FCMPS F0, F0
	BVS   nanscan

	// Turn iterations into indices, 16t + 4k + j, and keep them only in
	// lanes that hold the maximum; other lanes become 0xffffffff.
	VDUP   V0.S[0], V26.S4
	MOVD   $argmaxLanes<>(SB), TMP
	VLD1   (TMP), [V28.S4, V29.S4, V30.S4, V31.S4]
	WORD   $0x4f245694                                      // shl v20.4s, v20.4s, #4
	WORD   $0x4f2456b5                                      // shl v21.4s, v21.4s, #4
	WORD   $0x4f2456d6                                      // shl v22.4s, v22.4s, #4
	WORD   $0x4f2456f7                                      // shl v23.4s, v23.4s, #4
	VADD   V28.S4, V20.S4, V20.S4
	VADD   V29.S4, V21.S4, V21.S4
	VADD   V30.S4, V22.S4, V22.S4
	VADD   V31.S4, V23.S4, V23.S4
	WORD   $0x4e3ae604                                      // fcmeq v4.4s, v16.4s, v26.4s
	WORD   $0x4e3ae625                                      // fcmeq v5.4s, v17.4s, v26.4s
	WORD   $0x4e3ae646                                      // fcmeq v6.4s, v18.4s, v26.4s
	WORD   $0x4e3ae667                                      // fcmeq v7.4s, v19.4s, v26.4s
	WORD   $0x4ee41e94                                      // orn v20.16b, v20.16b, v4.16b
	WORD   $0x4ee51eb5                                      // orn v21.16b, v21.16b, v5.16b
	WORD   $0x4ee61ed6                                      // orn v22.16b, v22.16b, v6.16b
	WORD   $0x4ee71ef7                                      // orn v23.16b, v23.16b, v7.16b

	// The smallest such index is the first occurrence of the maximum.
	WORD  $0x6eb56e94     // umin v20.4s, v20.4s, v21.4s
	WORD  $0x6eb76ed6     // umin v22.4s, v22.4s, v23.4s
	WORD  $0x6eb66e94     // umin v20.4s, v20.4s, v22.4s
	WORD  $0x6eb1aa94     // uminv s20, v20.4s
	FMOVS F20, BEST // BEST = that index (a 32-bit move zero-extends)

	// I = elements the vector loop consumed.
	SUB  BASE, X_PTR, I
	LSR  $2, I
	CBZ  N, done

	// Scalar part: the rest of x with strict comparisons, so an equal
	// value later never replaces the best; a NaN is returned at once
	// (the vector part held none, so it is the first).
tail:
	FMOVS.P 4(X_PTR), F1
	FCMPS   F1, F1
	BVS     found          // x[i] is NaN
	FCMPS   F0, F1
	BLE     next           // not greater than the best
	FMOVS   F1, F0
	MOVD    I, BEST

next:
	ADD  $1, I
	SUBS $1, N
	BNE  tail
	B    done

found:
	MOVD I, BEST
	B    done

	// x[:16t] holds a NaN: find the first one from the start.
nanscan:
	MOVD BASE, X_PTR
	MOVD ZR, I

nanloop:
	FMOVS.P 4(X_PTR), F1
	FCMPS   F1, F1
	BVS     found
	ADD     $1, I
	B       nanloop

done:
	MOVD BEST, ret+24(FP)
	RET
