// Package asm holds simdcore's assembly and nothing else: the .s files,
// one per kernel and instruction set, and their Go declarations. It has
// no dispatch logic and no CPU detection; package kernel decides what to
// call. Builds with the purego or noasm tag contain none of it.
//
// File names say the kernel and the ISA (dot_avx512_amd64.s); each Go
// declaration's doc comment gives the reference loop it computes.
package asm

//go:generate go run -C _asm ./neon
