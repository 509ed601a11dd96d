package kernel

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Level is an instruction-set level that the kernels can run at.
//
// Levels form two chains: Generic < AVX2 < AVX512 on amd64 and
// Generic < NEON on arm64. A level names what the kernels may use, not
// what the CPU has: the active level can be capped below what the CPU
// supports (with SIMDCORE_LEVEL or SetLevel) but never raised above it.
type Level int

const (
	// Generic is the portable pure-Go path. It is always available, and it
	// is the only level in builds with the purego (or noasm) tag.
	Generic Level = iota
	// AVX2 is amd64 with AVX2 and FMA3 (x86-64-v3 class CPUs).
	AVX2
	// AVX512 is amd64 with AVX-512 F, DQ, BW and VL, enabled by the OS.
	AVX512
	// NEON is arm64 Advanced SIMD, which every arm64 CPU has.
	NEON
)

// String returns the level's name as SIMDCORE_LEVEL spells it:
// "generic", "avx2", "avx512" or "neon".
func (l Level) String() string {
	switch l {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	case NEON:
		return "neon"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel returns the Level that String would print as name
// (case-insensitive, surrounding spaces ignored).
func ParseLevel(name string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "generic", "go", "purego":
		return Generic, nil
	case "avx2":
		return AVX2, nil
	case "avx512", "avx-512":
		return AVX512, nil
	case "neon", "asimd":
		return NEON, nil
	}
	return Generic, fmt.Errorf("kernel: unknown level %q (want generic, avx2, avx512 or neon)", name)
}

// below reports whether l is on the chain below (or equal to) top:
// generic ≤ everything, avx2 ≤ avx512, and nothing else.
func (l Level) below(top Level) bool {
	switch {
	case l == top, l == Generic:
		return true
	case l == AVX2 && top == AVX512:
		return true
	}
	return false
}

var (
	levelMu   sync.Mutex
	available []Level // ascending; what this CPU and build can run
	active    Level   // what the kernels run now; read by every dispatch switch
	envCapErr error   // why SIMDCORE_LEVEL was ignored, if it was
)

func init() {
	available = detect()
	active = available[len(available)-1]
	if v, ok := os.LookupEnv("SIMDCORE_LEVEL"); ok && v != "" {
		cap, err := ParseLevel(v)
		if err != nil {
			envCapErr = fmt.Errorf("SIMDCORE_LEVEL ignored: %w", err)
			return
		}
		active = highestBelow(cap)
	}
}

// detect lists the levels this CPU and this build support, ascending.
func detect() []Level {
	levels := []Level{Generic}
	if !asmBuilt {
		return levels
	}
	c := &cpuid.CPU
	switch cpuArch {
	case "amd64":
		if c.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3) {
			levels = append(levels, AVX2)
			if c.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL) {
				levels = append(levels, AVX512)
			}
		}
	case "arm64":
		// Advanced SIMD is mandatory in ARMv8-A; cpuid may not see it
		// where the OS hides the ID registers, so do not ask.
		levels = append(levels, NEON)
	}
	return levels
}

// highestBelow returns the most capable available level on top's chain.
func highestBelow(top Level) Level {
	best := Generic
	for _, l := range available {
		if l.below(top) {
			best = l
		}
	}
	return best
}

// Active returns the level the kernels run at now.
func Active() Level { return active }

// Available returns the levels this CPU and build can run, least capable
// first. Generic is always first.
func Available() []Level { return append([]Level(nil), available...) }

// Supported reports whether this CPU and build can run l.
func Supported(l Level) bool {
	for _, a := range available {
		if a == l {
			return true
		}
	}
	return false
}

// EnvError reports why the SIMDCORE_LEVEL environment variable was
// ignored at start-up, or nil if it was unset or honoured.
func EnvError() error { return envCapErr }

// SetLevel makes every kernel run at level l and returns a function that
// restores the previous level. It returns an error, and changes nothing,
// if this CPU or build cannot run l.
//
// SetLevel is meant for tests, benchmarks and start-up code. It is not
// synchronised with kernels running in other goroutines: call it before
// they start, or after they finish.
func SetLevel(l Level) (restore func(), err error) {
	if !Supported(l) {
		return func() {}, fmt.Errorf("kernel: level %v is not available on this CPU/build (available: %v)", l, available)
	}
	levelMu.Lock()
	prev := active
	active = l
	levelMu.Unlock()
	return func() {
		levelMu.Lock()
		active = prev
		levelMu.Unlock()
	}, nil
}
