package benchtest

import (
	"os"
	"testing"

	"github.com/simdcore/simdcore/kernel"
)

// LevelEnv names the environment variable that restricts EachLevel to one
// level (bench/peers/torch_attn.py sets it, to skip the slow generic runs).
const LevelEnv = "SIMDCORE_BENCH_LEVEL"

// EachLevel runs fn as the sub-benchmark prefix+<level name> at each kernel
// level this CPU can run, with that level active, or only at the level
// that LevelEnv names if it is set.
func EachLevel(b *testing.B, prefix string, fn func(b *testing.B)) {
	only := os.Getenv(LevelEnv)
	for _, l := range kernel.Available() {
		if only != "" && l.String() != only {
			continue
		}
		restore, err := kernel.SetLevel(l)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(prefix+l.String(), fn)
		restore()
	}
}
