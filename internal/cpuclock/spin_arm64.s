//go:build !purego && !noasm

#include "textflag.h"

// func Spin(n int) int
// Requires: nothing beyond arm64. A clock probe, not a kernel.
TEXT ·Spin(SB), NOSPLIT, $0-16
	MOVD n+0(FP), R1
	MOVD $0, R0
	CMP  $0, R1
	BLE  done

loop:
	// Eight adds in one dependency chain: 8 cycles per iteration.
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	ADD  $1, R0
	SUBS $1, R1
	BNE  loop

done:
	MOVD R0, ret+8(FP)
	RET
