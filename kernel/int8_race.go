//go:build race

package kernel

import (
	"runtime"
	"unsafe"
)

// raceReadI8 and raceReadI32 are raceRead for the int8 kernels' operands.

func raceReadI8(s []int8) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s))
	}
}

func raceReadI32(s []int32) {
	if len(s) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*4)
	}
}

func raceReadF32(s []float32) { raceRead(s) }

func raceWriteI8(s []int8) {
	if len(s) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s))
	}
}
