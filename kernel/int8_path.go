package kernel

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Int8Path is the instruction sequence the int8 kernels (DotInt8, QGemv,
// QGemvAdd, QGemm, QGemmAdd) run: within one Level, CPUs differ in the
// integer dot-product instructions they have, so each level has
// sub-paths, chosen by CPU feature. Every path computes the same int32
// sums, so every path returns the same bits (see Int8 kernels in
// the package documentation).
//
// Paths form two chains, like levels: Int8Generic < Int8AVX2 <
// Int8AVXVNNI < Int8AVX512VNNI on amd64, Int8Generic < Int8NEON <
// Int8NEONDot on arm64. The path that runs is the most capable one this
// CPU has at the active level (AVX-VNNI at level AVX2 or AVX512 when the
// CPU has no AVX-512 VNNI; the AVX-512 VNNI path only at level AVX512),
// capped by SIMDCORE_INT8 or SetInt8Path.
type Int8Path int

const (
	Int8Generic    Int8Path = iota // pure Go
	Int8AVX2                       // AVX2 without VNNI: VPMADDUBSW + VPMADDWD
	Int8AVXVNNI                    // AVX-VNNI: VEX-encoded VPDPBUSD on ymm
	Int8AVX512VNNI                 // AVX-512 VNNI: EVEX VPDPBUSD on zmm
	Int8NEON                       // NEON without the dot product: SMULL, SMLAL2, SADALP
	Int8NEONDot                    // NEON with the dot product (ASIMDDP): SDOT
)

var int8PathNames = [...]string{"generic", "avx2", "avxvnni", "avx512vnni", "neon", "neondot"}

// String returns the path's name as SIMDCORE_INT8 spells it.
func (p Int8Path) String() string {
	if p >= 0 && int(p) < len(int8PathNames) {
		return int8PathNames[p]
	}
	return fmt.Sprintf("Int8Path(%d)", int(p))
}

var int8PathDescriptions = [...]string{
	"pure Go",
	"AVX2 VPMADDUBSW+VPMADDWD on ymm (sign trick, no saturation)",
	"AVX-VNNI VPDPBUSD (VEX) on ymm",
	"AVX-512 VNNI VPDPBUSD (EVEX) on zmm",
	"NEON SMULL+SMLAL2+SADALP",
	"NEON SDOT (dot-product extension)",
}

// Describe names the instructions path p runs, for simdcore info.
func (p Int8Path) Describe() string {
	if p >= 0 && int(p) < len(int8PathDescriptions) {
		return int8PathDescriptions[p]
	}
	return p.String()
}

// ParseInt8Path returns the Int8Path that String would print as name
// (case-insensitive, surrounding spaces ignored).
func ParseInt8Path(name string) (Int8Path, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range int8PathNames {
		if n == s {
			return Int8Path(i), nil
		}
	}
	return Int8Generic, fmt.Errorf("kernel: unknown int8 path %q (want one of %s)", name, strings.Join(int8PathNames[:], ", "))
}

// Level is the Level a path runs at: ActiveInt8 can return p only when
// the active level is Level() or above.
func (p Int8Path) Level() Level {
	switch p {
	case Int8AVX2, Int8AVXVNNI:
		return AVX2
	case Int8AVX512VNNI:
		return AVX512
	case Int8NEON, Int8NEONDot:
		return NEON
	}
	return Generic
}

// onAMD64 reports whether p is an amd64 path.
func (p Int8Path) onAMD64() bool { return p >= Int8AVX2 && p <= Int8AVX512VNNI }

// below reports whether p is on the chain below (or equal to) top.
func (p Int8Path) below(top Int8Path) bool {
	if p == Int8Generic || p == top {
		return true
	}
	return p < top && p.onAMD64() == top.onAMD64()
}

var (
	int8Mu       sync.Mutex
	int8Paths    []Int8Path // ascending; what this CPU and build can run
	int8Cap      Int8Path   // the most capable path allowed, if int8Capped
	int8Capped   bool
	int8EnvError error
)

func init() {
	int8Paths = detectInt8()
	if v, ok := os.LookupEnv("SIMDCORE_INT8"); ok && v != "" {
		p, err := ParseInt8Path(v)
		switch {
		case err != nil:
			int8EnvError = fmt.Errorf("SIMDCORE_INT8 ignored: %w", err)
		case !Int8Supported(p):
			int8EnvError = fmt.Errorf("SIMDCORE_INT8 ignored: int8 path %v is not available on this CPU/build (available: %v)", p, int8Paths)
		default:
			int8Cap, int8Capped = p, true
		}
	}
}

// detectInt8 lists the int8 paths this CPU and build support, ascending.
func detectInt8() []Int8Path {
	paths := []Int8Path{Int8Generic}
	c := &cpuid.CPU
	for _, l := range detect() { // not `available`: level.go's init may run after this one
		switch l {
		case AVX2:
			paths = append(paths, Int8AVX2)
			if c.Supports(cpuid.AVXVNNI) {
				paths = append(paths, Int8AVXVNNI)
			}
		case AVX512:
			if c.Supports(cpuid.AVX512VNNI) {
				paths = append(paths, Int8AVX512VNNI)
			}
		case NEON:
			paths = append(paths, Int8NEON)
			if c.Supports(cpuid.ASIMDDP) {
				paths = append(paths, Int8NEONDot)
			}
		}
	}
	return paths
}

// Int8Paths returns the int8 paths this CPU and build can run, least
// capable first. Int8Generic is always first.
func Int8Paths() []Int8Path { return append([]Int8Path(nil), int8Paths...) }

// Int8Supported reports whether this CPU and build can run p.
func Int8Supported(p Int8Path) bool {
	for _, q := range int8Paths {
		if q == p {
			return true
		}
	}
	return false
}

// ActiveInt8 returns the int8 path the kernels run now: the most capable
// available path at the active level, on the chain below the cap.
func ActiveInt8() Int8Path {
	best := Int8Generic
	for _, p := range int8Paths {
		if p.Level().below(active) && (!int8Capped || p.below(int8Cap)) {
			best = p
		}
	}
	return best
}

// Int8EnvError reports why the SIMDCORE_INT8 environment variable was
// ignored at start-up, or nil if it was unset or honoured.
func Int8EnvError() error { return int8EnvError }

// SetInt8Path caps the int8 path at p (so p runs if the active level
// allows it) and returns a function that restores the previous cap. It
// returns an error, and changes nothing, if this CPU or build cannot run
// p. Like SetLevel it is meant for tests, benchmarks and start-up code.
func SetInt8Path(p Int8Path) (restore func(), err error) {
	if !Int8Supported(p) {
		return func() {}, fmt.Errorf("kernel: int8 path %v is not available on this CPU/build (available: %v)", p, int8Paths)
	}
	int8Mu.Lock()
	prev, prevCapped := int8Cap, int8Capped
	int8Cap, int8Capped = p, true
	int8Mu.Unlock()
	return func() {
		int8Mu.Lock()
		int8Cap, int8Capped = prev, prevCapped
		int8Mu.Unlock()
	}, nil
}
