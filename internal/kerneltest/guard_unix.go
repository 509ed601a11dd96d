//go:build linux || darwin || freebsd

package kerneltest

import (
	"syscall"
	"testing"
	"unsafe"
)

// Guarded returns a slice of n float32 that ends exactly where an
// unmapped (PROT_NONE) page begins, and a second one that starts exactly
// where one ends. Any read or write past either end faults; run the
// kernel inside NoFault to turn that into a test failure. The memory is
// released when the test ends.
func Guarded(t testing.TB, n int) (endGuarded, startGuarded []float32) {
	t.Helper()
	return guardedAfter(t, n), guardedBefore(t, n)
}

var pageSize = syscall.Getpagesize()

// mapWithGuards maps data pages between two PROT_NONE pages and returns
// the data region.
func mapWithGuards(t testing.TB, bytes int) []byte {
	t.Helper()
	dataPages := (bytes + pageSize - 1) / pageSize
	if dataPages == 0 {
		dataPages = 1
	}
	total := (dataPages + 2) * pageSize
	mem, err := syscall.Mmap(-1, 0, total, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:pageSize], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[total-pageSize:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return mem[pageSize : total-pageSize]
}

func guardedAfter(t testing.TB, n int) []float32 {
	data := mapWithGuards(t, n*4)
	if n == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&data[len(data)-4])), 1)[:0:0]
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&data[len(data)-n*4])), n)
}

func guardedBefore(t testing.TB, n int) []float32 {
	data := mapWithGuards(t, n*4)
	return unsafe.Slice((*float32)(unsafe.Pointer(&data[0])), n)
}
