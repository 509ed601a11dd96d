//go:build !purego && !noasm

#include "textflag.h"

// func Spin(n int) int
// Requires: nothing beyond arm64. A clock probe, not a kernel.
TEXT ·Spin(SB), NOSPLIT, $0-16
	MOVD n+0(FP), R1
	MOVD $0, R0
	CMP  $0, R1
	BLE  done
	// R2 = 1, computed from n as on amd64 (spin_amd64.s): an add of a
	// register no stage of the core can know has to execute.
	LSR  $63, R1, R2
	EOR  $1, R2, R2

loop:
	// Eight register adds in one dependency chain: 8 cycles per iteration.
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	ADD  R2, R0
	SUBS $1, R1
	BNE  loop

done:
	MOVD R0, ret+8(FP)
	RET
