//go:build !race

package kernel

// raceReadI8 and raceReadI32 are raceRead for the int8 kernels'
// operands; without -race they compile to nothing.

func raceReadI8(s []int8)   {}
func raceReadI32(s []int32) {}

func raceReadF32(s []float32) {}
func raceWriteI8(s []int8)    {}
