//go:build !purego && !noasm

#include "textflag.h"

// func Spin(n int) int
// Requires: nothing beyond amd64. A clock probe, not a kernel.
TEXT ·Spin(SB), NOSPLIT, $0-16
	MOVQ n+0(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  done

loop:
	// Eight adds in one dependency chain: 8 cycles per iteration. The
	// loop counter is a separate chain, executed alongside.
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	ADDQ $1, AX
	DECQ CX
	JNZ  loop

done:
	MOVQ AX, ret+8(FP)
	RET
