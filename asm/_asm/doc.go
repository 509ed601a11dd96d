// Package asm (module github.com/simdcore/simdcore/asm/_asm) holds the
// generators of simdcore's assembly: the avo programs that write the amd64
// kernels and the program that writes the NEON kernels. It is a module of
// its own so that users of simdcore never download avo. The leading
// underscore keeps it out of ./... in the main module; `go generate` in
// package asm runs it.
package asm
