package kernel_test

// The vector family's suite: Dot, Sum, Max, Argmax, Axpy, Scale, Add, Mul
// and any row of the same classes the table gains. Each row is run at
// every level this CPU and build can run (NEON under qemu-aarch64
// included) against its reference in kernel/ref, over lengths 0..300
// plus large ones × offsets 0..15 inside NaN guard bands, between guard
// pages, in place, on special values, with the exact panic messages,
// zero allocations, and a fuzz target per kernel.
//
// The contract comes from the row (kernel.Spec.Contract), and the
// driver of its class holds it (vector_reduction_test.go,
// vector_order_test.go, vector_fused_test.go, vector_exact_test.go):
//   - Reduction (Dot, Sum): within kerneltest.ReductionBound of the
//     float64 value.
//   - Exact, order statistics (Max, Argmax): exactly the reference (NaN
//     as NaN; a ±0 tie for Max may give either zero).
//   - Exact, arithmetic (Scale, Add, Mul): bit for bit the float64
//     reference rounded once to float32. The reference is exact
//     (products) or rounds innocuously (a sum of two float32 in float64,
//     then to float32, since 53 ≥ 2·24+2).
//   - Fused (Axpy): at every SIMD level (AVX2, AVX-512, NEON) bit for bit
//     the correctly rounded y+alpha·x, one rounding (see fma32). At the
//     generic level Go may or may not fuse (amd64 GOAMD64=v1 does not,
//     arm64 does), so each element must be either that value or
//     y + float32(alpha·x) (two roundings) and nothing else.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// isVector reports whether s belongs to the vector family.
func isVector(s kernel.Spec) bool {
	switch s.Class {
	case kernel.ClassDot, kernel.ClassArgmax, kernel.ClassAxpy, kernel.ClassScale, kernel.ClassBinary:
		return true
	case kernel.ClassReduce:
		return s.Contract.Kind != kernel.RowSum
	}
	return false
}

// vectorDriver is how the vector suite tests one row: built from its
// class and contract by vectorDriverOf.
type vectorDriver struct {
	slices int // how many slices one call takes
	// sweep tests one point of the lengths × offsets sweep, on s (banded):
	// several fills, in-place calls where the kernel allows them, and
	// inputs left unchanged.
	sweep func(t *testing.T, what string, l kernel.Level, r *rand.Rand, s [][]float32)
	// guard tests the slices that end against a guard page and those
	// that start after one (filled in [-1, 1), start a copy of end).
	guard func(t *testing.T, what string, l kernel.Level, r *rand.Rand, end, start [][]float32)
	// specials tests special values and special lengths at level l.
	specials func(t *testing.T, l kernel.Level)
	// call calls the kernel once, for the allocation count.
	call func(s [][]float32)
	// fuzz checks one fuzzer input at level l.
	fuzz func(t *testing.T, l kernel.Level, v []float32)
	// seeds are the fuzz target's seed corpus.
	seeds [][]byte
	// panics checks the panic messages (nil: the kernel cannot panic).
	panics func(t *testing.T)
}

// vectorDriverOf returns the driver for s's class and contract, and false
// if the suite has none.
func vectorDriverOf(t testing.TB, s kernel.Spec) (vectorDriver, bool) {
	switch c := s.Contract.Kind; {
	case s.Class == kernel.ClassDot && c == kernel.Reduction:
		return dotDriver(t, s), true
	case s.Class == kernel.ClassReduce && c == kernel.Reduction:
		return sumDriver(t, s), true
	case (s.Class == kernel.ClassReduce || s.Class == kernel.ClassArgmax) && c == kernel.Exact:
		return orderDriver(t, s), true
	case s.Class == kernel.ClassAxpy && c == kernel.Fused:
		return axpyDriver(t, s), true
	case s.Class == kernel.ClassScale && c == kernel.Exact:
		return scaleDriver(t, s), true
	case s.Class == kernel.ClassBinary && c == kernel.Exact:
		return binaryDriver(t, s), true
	}
	return vectorDriver{}, false
}

// forEachVector runs fn as a subtest for every vector row of the table,
// with its driver.
func forEachVector(t *testing.T, fn func(t *testing.T, s kernel.Spec, d vectorDriver)) {
	for _, s := range specsWhere(isVector) {
		t.Run(s.Name, func(t *testing.T) {
			d, ok := vectorDriverOf(t, s)
			require.True(t, ok, "%s: no vector driver", s.Name)
			fn(t, s, d)
		})
	}
}

func TestVector(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			sweep(t, seedOf(s.Name, 1), d.slices, func(what string, r *rand.Rand, sl [][]float32) {
				d.sweep(t, what, l, r, sl)
			})
		})
	})
}

func TestVectorGuardPages(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			guarded(t, seedOf(s.Name, 2), d.slices, uniform(-1, 1), func(what string, r *rand.Rand, end, start [][]float32) {
				d.guard(t, what, l, r, end, start)
			})
		})
	})
}

func TestVectorSpecials(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { d.specials(t, l) })
	})
}

func TestVectorAllocs(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		sl := make([][]float32, d.slices)
		for i := range sl {
			sl[i] = make([]float32, 1000)
		}
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { d.call(sl) }))
		})
	})
}

func TestVectorPanics(t *testing.T) {
	forEachVector(t, func(t *testing.T, s kernel.Spec, d vectorDriver) {
		if d.panics == nil {
			t.Skipf("%s takes one slice: no length or overlap to check", s.Name)
		}
		d.panics(t)
	})
}

// fuzzVector is the fuzz target of the vector row name.
func fuzzVector(f *testing.F, name string) {
	s := mustSpec(f, name)
	d, ok := vectorDriverOf(f, s)
	require.True(f, ok, name)
	for _, seed := range d.seeds {
		f.Add(seed)
	}
	f.Add([]byte{5, 7, 9})  // lengths 5 and 7: a mismatch
	f.Add([]byte{64, 3, 0}) // the vector loop against the tail
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw)%4 == 3 {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { checkHostileLengths(t, s, raw) })
			return
		}
		v := kerneltest.FloatsFromBytes(raw)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { d.fuzz(t, l, v) })
	})
}

func FuzzDot(f *testing.F)    { fuzzVector(f, "Dot") }
func FuzzSum(f *testing.F)    { fuzzVector(f, "Sum") }
func FuzzMax(f *testing.F)    { fuzzVector(f, "Max") }
func FuzzArgmax(f *testing.F) { fuzzVector(f, "Argmax") }
func FuzzAxpy(f *testing.F)   { fuzzVector(f, "Axpy") }
func FuzzScale(f *testing.F)  { fuzzVector(f, "Scale") }
func FuzzAdd(f *testing.F)    { fuzzVector(f, "Add") }
func FuzzMul(f *testing.F)    { fuzzVector(f, "Mul") }

// The fuzz seeds: plain values, and (alphaSeeds) a leading alpha of 1.
var (
	plainSeeds = [][]byte{{1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 4*67), make([]byte, 4*2*67)}
	alphaSeeds = [][]byte{{0, 0, 0x80, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 4+4*67)}
)

// checkKeeps runs check and fails if it changed any of inputs, which
// the kernel name only reads.
func checkKeeps(t *testing.T, name string, check func(), inputs ...[]float32) {
	t.Helper()
	before := make([][]uint32, len(inputs))
	for i, in := range inputs {
		before[i] = bits(in)
	}
	check()
	for i, in := range inputs {
		require.Equal(t, before[i], bits(in), "%s changed input %d", name, i)
	}
}

// halves splits fuzzer values into two slices of equal length.
func halves(v []float32) (a, b []float32) {
	n := len(v) / 2
	return slices.Clone(v[:n]), slices.Clone(v[n : 2*n])
}

func ExampleSum() {
	fmt.Println(kernel.Sum([]float32{0.5, 1.5, 2, 4}))
	// Output: 8
}

func ExampleMax() {
	fmt.Println(kernel.Max([]float32{-2, 3, 0, -1}))
	fmt.Println(kernel.Max(nil))                                  // the maximum of nothing
	fmt.Println(kernel.Max([]float32{1, float32(math.NaN()), 5})) // any NaN wins
	// Output:
	// 3
	// -Inf
	// NaN
}

func ExampleAxpy() {
	x := []float32{1, 2, 3}
	y := []float32{10, 20, 30}
	kernel.Axpy(0.5, x, y) // y += 0.5·x
	fmt.Println(y)
	// Output: [10.5 21 31.5]
}

func ExampleScale() {
	x := []float32{1, -2, 3}
	kernel.Scale(-2, x)
	fmt.Println(x)
	// Output: [-2 4 -6]
}

func ExampleAdd() {
	a := []float32{1, 2, 3}
	b := []float32{10, 20, 30}
	kernel.Add(a, a, b) // in place: a += b
	fmt.Println(a)
	// Output: [11 22 33]
}

func ExampleMul() {
	a := []float32{1, 2, 3}
	b := []float32{10, 20, 30}
	dst := make([]float32, 3)
	kernel.Mul(dst, a, b)
	fmt.Println(dst)
	// Output: [10 40 90]
}
