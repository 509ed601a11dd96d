// Package asm holds simdcore's assembly and nothing else: the .s files,
// one per kernel and instruction set, and their Go declarations. It has
// no dispatch logic and no CPU detection; package kernel decides what to
// call. Builds with the purego or noasm tag contain none of it.
//
// The Go declarations (<family>_<arch>.go, one file per function family:
// exp_amd64.go holds ExpAVX512 and ExpAVX2) are generated from the kernel
// table, kernel/internal/table, by go generate in package kernel; each
// doc comment gives the reference loop the function computes. Edit the
// table, not the generated files.
package asm
