package kernel

// The kernel table (kernel/internal/table) is the one list of kernels;
// this writes the dispatch, registrations and spec functions of this
// package and the Go declarations of package asm from it.
//go:generate go run ./internal/gen
