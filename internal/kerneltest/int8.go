package kerneltest

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/simdcore/simdcore/kernel"
)

// int8Features names the CPU feature each int8 path needs, for the
// message of a path that cannot run here.
var int8Features = map[kernel.Int8Path]string{
	kernel.Int8AVX2:       "AVX2 and FMA3",
	kernel.Int8AVXVNNI:    "AVX-VNNI (cpuid.AVXVNNI)",
	kernel.Int8AVX512VNNI: "AVX-512 F/DQ/BW/VL and AVX-512 VNNI (cpuid.AVX512VNNI)",
	kernel.Int8NEON:       "NEON",
	kernel.Int8NEONDot:    "the NEON dot product (cpuid.ASIMDDP)",
}

// archInt8Paths are the int8 paths of this architecture, generic first.
func archInt8Paths() []kernel.Int8Path {
	switch runtime.GOARCH {
	case "amd64":
		return []kernel.Int8Path{kernel.Int8Generic, kernel.Int8AVX2, kernel.Int8AVXVNNI, kernel.Int8AVX512VNNI}
	case "arm64":
		return []kernel.Int8Path{kernel.Int8Generic, kernel.Int8NEON, kernel.Int8NEONDot}
	}
	return []kernel.Int8Path{kernel.Int8Generic}
}

// ForEachInt8Path runs fn as a subtest named after each int8 path of this
// architecture, with the path's level and the path active, and restores
// both after. A path this CPU or build cannot run is a skipped subtest
// whose message names the missing feature (TestRequiredInt8Paths turns
// that into a failure where CI demands the path).
func ForEachInt8Path(t *testing.T, fn func(t *testing.T, p kernel.Int8Path)) {
	t.Helper()
	for _, p := range archInt8Paths() {
		t.Run("int8="+p.String(), func(t *testing.T) {
			if !kernel.Int8Supported(p) {
				t.Skipf("int8 path %v not run: this CPU/build lacks %s", p, int8Features[p])
			}
			restoreLevel, err := kernel.SetLevel(p.Level())
			if err != nil {
				t.Fatal(err)
			}
			defer restoreLevel()
			restore, err := kernel.SetInt8Path(p)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			if got := kernel.ActiveInt8(); got != p {
				t.Fatalf("SetInt8Path(%v) at level %v: ActiveInt8() = %v", p, p.Level(), got)
			}
			fn(t, p)
		})
	}
}

// RequiredInt8Paths returns the int8 paths named by SIMDCORE_REQUIRE_INT8
// (comma-separated), which CI sets on a machine that must test them.
func RequiredInt8Paths(t testing.TB) []kernel.Int8Path {
	var out []kernel.Int8Path
	for _, v := range strings.Split(os.Getenv("SIMDCORE_REQUIRE_INT8"), ",") {
		if strings.TrimSpace(v) == "" {
			continue
		}
		p, err := kernel.ParseInt8Path(v)
		if err != nil {
			t.Fatalf("SIMDCORE_REQUIRE_INT8: %v", err)
		}
		out = append(out, p)
	}
	return out
}

// GuardedInt8 is Guarded for int8: n bytes that end exactly where an
// unmapped page begins, and n that start exactly where one ends.
func GuardedInt8(t testing.TB, n int) (endGuarded, startGuarded []int8) {
	t.Helper()
	words := (n + 3) / 4
	e, s := Guarded(t, words)
	eb := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(e))), 4*words)
	sb := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(s))), 4*words)
	return eb[4*words-n:], sb[:n:n]
}
