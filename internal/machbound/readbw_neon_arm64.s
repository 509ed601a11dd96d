//go:build !purego && !noasm

#include "textflag.h"

// Written by hand: asm/_asm/neon writes package asm's kernels on its
// kernel skeletons, and this probe is neither. Go's assembler has every
// instruction used, go vet checks the frame, and the package's tests run
// it under qemu-aarch64.

// func readBWNEON(buf []byte, reps int)
// reps sweeps over buf, 256 bytes per iteration as eight 32-byte load
// pairs (LDP q) at fixed offsets from one pointer, into registers whose
// values nothing reads. Bytes past the last whole 256-byte block are not
// read (the caller's sizes are multiples of 512, as for amd64).
TEXT ·readBWNEON(SB), NOSPLIT, $0-32
	MOVD buf_base+0(FP), R1
	MOVD buf_len+8(FP), R2
	MOVD reps+24(FP), R3
	LSR  $8, R2, R2 // blocks per sweep
	CMP  $0, R3
	BLE  readdone
	CBZ  R2, readdone

sweep:
	MOVD R1, R4
	MOVD R2, R5

readloop:
	FLDPQ 0(R4), (F0, F1)
	FLDPQ 32(R4), (F2, F3)
	FLDPQ 64(R4), (F4, F5)
	FLDPQ 96(R4), (F6, F7)
	FLDPQ 128(R4), (F8, F9)
	FLDPQ 160(R4), (F10, F11)
	FLDPQ 192(R4), (F12, F13)
	FLDPQ 224(R4), (F14, F15)
	ADD  $256, R4, R4
	SUBS $1, R5
	BNE  readloop
	SUBS $1, R3
	BNE  sweep

readdone:
	RET
