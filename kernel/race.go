//go:build race

package kernel

import (
	"runtime"
	"unsafe"
)

// The race detector cannot see memory touched by assembly, so the
// wrappers announce what each kernel call reads and writes, as
// klauspost/reedsolomon does.

func raceRead(s []float32) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*4)
	}
}

func raceWrite(s []float32) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*4)
	}
}

// raceBuild is whether this is a -race build: wrappers skip computing
// the spans they announce when it is not.
const raceBuild = true
