package benchtest

import (
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// EachInt8Path runs fn as the sub-benchmark prefix+<path name> at each
// int8 path this CPU can run, with the path's level and the path active.
func EachInt8Path(b *testing.B, prefix string, fn func(b *testing.B)) {
	for _, p := range kernel.Int8Paths() {
		restoreLevel, err := kernel.SetLevel(p.Level())
		if err != nil {
			b.Fatal(err)
		}
		restore, err := kernel.SetInt8Path(p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(prefix+p.String(), fn)
		restore()
		restoreLevel()
	}
}
