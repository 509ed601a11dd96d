//go:build !race

package kernel

// raceRead and raceWrite tell the race detector what assembly touches;
// without -race they compile to nothing.

func raceRead(s []float32)  {}
func raceWrite(s []float32) {}

// raceBuild is whether this is a -race build: wrappers skip computing
// the spans they announce when it is not.
const raceBuild = false
