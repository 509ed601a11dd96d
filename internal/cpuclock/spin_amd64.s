//go:build !purego && !noasm

#include "textflag.h"

// func Spin(n int) int
// Requires: nothing beyond amd64. A clock probe, not a kernel.
TEXT ·Spin(SB), NOSPLIT, $0-16
	MOVQ n+0(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  done
	// BX = 1, computed from n so that no stage of the core knows it: a
	// chain of ADDQ $imm is folded at register renaming by Intel's cores
	// since Golden Cove (several adds a cycle, a 3× too high clock on a
	// Sapphire Rapids), but an add of a register has to execute.
	MOVQ CX, BX
	SHRQ $63, BX
	XORQ $1, BX

loop:
	// Eight register adds in one dependency chain: 8 cycles per
	// iteration. The loop counter is a separate chain, executed alongside.
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	DECQ CX
	JNZ  loop

done:
	MOVQ AX, ret+8(FP)
	RET
