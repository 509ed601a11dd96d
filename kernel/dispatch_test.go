package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel/internal/table"
	"github.com/stretchr/testify/require"
)

// levelCall is one row of the generated levelCalls: a table row's
// implementation at one level, called directly (direct), and the row's
// level switch (switched). Both have the row's signature.
type levelCall struct {
	row      string
	level    Level
	name     string // the registry name, empty on internal rows
	direct   any
	switched any
}

// TestRegistryIsTable checks that the registry holds exactly the table's
// public kernels and, for each, the implementations the table lists for
// this build, under the same names.
func TestRegistryIsTable(t *testing.T) {
	want := map[string][]Impl{}
	for _, k := range table.Kernels {
		if k.Class == table.ClassInternal {
			continue
		}
		for _, im := range k.Impls {
			l, err := ParseLevel(im.Level)
			require.NoError(t, err)
			if l == Generic || asmBuilt && levelOnArch(l, cpuArch) {
				want[k.Name] = append(want[k.Name], Impl{Kernel: k.Name, Level: l, Name: im.Name})
			}
		}
	}
	require.Equal(t, len(want), len(registry), "registered kernels")
	for name, impls := range want {
		require.ElementsMatch(t, impls, registry[name], name)
	}
	for _, s := range Specs() {
		require.Contains(t, registry, s.Name)
	}
}

// TestGemmTileIsRegistered checks Gemm, whose dispatch is hand-written
// (gemm_<arch>.go): at every level this CPU runs, the register tile of the
// microkernel it uses is the one its registry name ends in ("_6x16").
func TestGemmTileIsRegistered(t *testing.T) {
	for _, l := range Available() {
		restore, err := SetLevel(l)
		require.NoError(t, err)
		im, ok := Current("Gemm")
		mr, nr := GemmTile()
		restore()
		require.True(t, ok)
		require.True(t, strings.HasSuffix(im.Name, fmt.Sprintf("_%dx%d", mr, nr)), "%v: %s runs a %d×%d tile", l, im.Name, mr, nr)
	}
}

func levelOnArch(l Level, arch string) bool {
	switch l {
	case AVX2, AVX512:
		return arch == "amd64"
	case NEON:
		return arch == "arm64"
	}
	return true
}

// TestSwitchCallsTableImpl proves, for every row with a level switch and
// every level this CPU runs, that the switch (and, for public rows with a
// generated body, the public function) computes bit for bit what the
// row's implementation at that level computes when called directly, on
// the same random inputs with special values; and that the registry names
// that implementation for the level.
func TestSwitchCallsTableImpl(t *testing.T) {
	rows, sums := map[string]bool{}, map[string]bool{}
	for _, k := range table.Kernels {
		if k.Func != "" {
			rows[k.Name] = true
		}
		sums[k.Name] = k.Body == "dot" || k.Body == "sum"
	}
	seen := map[string]bool{}
	for _, c := range levelCalls {
		seen[c.row] = true
		if !Supported(c.level) {
			continue
		}
		t.Run(c.row+"/"+c.level.String(), func(t *testing.T) {
			restore, err := SetLevel(c.level)
			require.NoError(t, err)
			defer restore()
			if c.name != "" {
				im, ok := Current(c.row)
				require.True(t, ok)
				require.Equal(t, c.name, im.Name, "registry name at %v", c.level)
			}
			public := publicFuncs[c.row]
			if p, ok := publicVia[c.row]; ok {
				public = p
			}
			rng := rand.New(rand.NewPCG(1, uint64(c.level)))
			for _, n := range []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 64, 100, 257, 1000, 4099} {
				seed := rng.Uint64()
				want := fingerprint(t, c.direct, n, seed, false)
				require.Equal(t, want, fingerprint(t, c.switched, n, seed, false), "switch, n=%d", n)
				if public != nil {
					require.Equal(t, fingerprint(t, c.direct, n, seed, sums[c.row]), fingerprint(t, public, n, seed, false), "public, n=%d", n)
				}
			}
		})
	}
	require.Equal(t, rows, seen, "rows with a level switch")
}

// publicVia calls, for the internal rows whose switch a generated public
// body repeats inline, the public functions in the row's signature.
var publicVia = map[string]any{
	"gemv": func(dst []float32, a Matrix, x []float32, accumulate bool) {
		if accumulate {
			GemvAdd(dst, a, x)
		} else {
			Gemv(dst, a, x)
		}
	},
	// GemvT sets dst where the row's function adds to it: fingerprint
	// gives both a dst of +0s.
	"gemvT": func(dst []float32, a Matrix, x []float32) { GemvT(dst, a, x) },
	// The cells take their gates as one slice: the blocks are copied in
	// and the activated gates out.
	"LSTMCell": func(h, c, cPrev, gi, gf, gg, gout []float32) {
		gates := slices.Concat(gi, gf, gg, gout)
		LSTMCell(h, c, cPrev, gates)
		n := len(c)
		copy(gi, gates[:n])
		copy(gf, gates[n:2*n])
		copy(gg, gates[2*n:3*n])
		copy(gout, gates[3*n:])
	},
	"GRUCell": func(h, hPrev, xr, xz, xn, hr, hz, hn []float32) {
		xg := slices.Concat(xr, xz, xn)
		GRUCell(h, hPrev, xg, slices.Concat(hr, hz, hn))
		n := len(h)
		copy(xr, xg[:n])
		copy(xz, xg[n:2*n])
		copy(xn, xg[2*n:])
	},
}

// fingerprint runs f (one of the table's signatures) on inputs of size n
// drawn from seed and returns the bits of everything it wrote and
// returned. With zeroPlus, a float32 result r is recorded as 0 + r, as
// Dot and Sum return it (their chunk sum starts at +0).
// nanSignFree is true where the sign and payload of a NaN that arithmetic
// makes are not the code's to fix: WebAssembly leaves them
// nondeterministic, and Node's engine gives the same generic Go code
// 0x7fc00000 in one call and 0xffc00000 in another (seen in CI). There a
// fingerprint takes every NaN as one value; elsewhere the bits compare.
var nanSignFree = runtime.GOARCH == "wasm"

func fingerprint(t *testing.T, f any, n int, seed uint64, zeroPlus bool) []uint32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x, y, z := specialVec(rng, n), specialVec(rng, n), specialVec(rng, n)
	alpha := specialVec(rng, 1)[0]
	var out []uint32
	bits := func(v ...[]float32) {
		for _, s := range v {
			for _, e := range s {
				if e != e && nanSignFree {
					e = float32(math.NaN()) // one NaN for all: see nanSignFree
				}
				out = append(out, math.Float32bits(e))
			}
		}
	}
	red := func(r float32) {
		if zeroPlus {
			r = 0 + r
		}
		bits([]float32{r})
	}
	switch f := f.(type) {
	case func(x, y []float32) float32:
		red(f(x, y))
	case func(x []float32) float32:
		red(f(x))
	case func(x []float32) int:
		out = append(out, uint32(f(x)))
	case func(alpha float32, x, y []float32):
		f(alpha, x, y)
		bits(y)
	case func(alpha float32, x []float32):
		f(alpha, x)
		bits(x)
	case func(dst, a, b []float32):
		f(z, x, y)
		bits(z)
	case func(dst, src []float32):
		f(y, x)
		bits(y)
	case func(dst, p, x []float32, add bool):
		// Panels of the active level's width, as GemvPacked passes them.
		nr := currentGemmConfig().nr
		panels, kc := max(1, n/nr), max(1, n%37)
		p := specialVec(rng, panels*nr*kc)
		dst := make([]float32, panels*nr)
		copy(dst, y)
		f(dst, p, x[:min(kc, len(x))], seed&1 == 1)
		bits(dst)
	case func(dst []float32, w int, src []float32, stride, cols, kc int):
		// Gemm's transposing pack: cols rows of src of kc columns.
		cols, kc := 1+n%33, n
		stride, w := kc+int(seed%3), cols+int(seed%5)
		src := specialVec(rng, (cols-1)*stride+kc)
		dst := specialVec(rng, kc*w)
		f(dst, w, src, stride, cols, kc)
		bits(dst)
	case func(dst []float32, a Matrix, x []float32, accumulate bool):
		a := gemvMatrix(rng, n)
		f(y[:a.Rows], a, x[:a.Cols], seed&1 == 1)
		bits(y[:a.Rows])
	case func(dst []float32, a Matrix, x []float32):
		a := gemvMatrix(rng, n)
		clear(y) // GemvT's dst: it sets what the row's function adds to
		f(y[:a.Cols], a, x[:a.Rows])
		bits(y[:a.Cols])
	case func(dst, src []float32, m float32) float32:
		x = finiteVec(rng, n)
		bits([]float32{f(y, x, maxOr0(x))}, y)
	case func(x []float32, m float32) float32:
		x = finiteVec(rng, n)
		bits([]float32{f(x, maxOr0(x))})
	case func(dst, src []float32, m, ls float32):
		f(y, x, alpha, specialVec(rng, 1)[0])
		bits(y)
	case func(dst, src []float32, k int32, lo, hi float32) (s, mx, ymax float32, done int):
		x = finiteVec(rng, n)
		sc, ok := scalingFor(maxOr0(x[:min(n, 16)]))
		require.True(t, ok)
		if seed&1 == 1 {
			y = nil // the form without stores
		}
		s, mx, ymax, done := f(y, x, sc.k, sc.lo, sc.hi)
		bits([]float32{s, mx, ymax}, y)
		out = append(out, uint32(done))
	case func(dst, src []float32, flags int32) (s, mx, ymax, c float32, done int):
		flags := []int32{xsAuto, xsAuto | xsNormalize, xsAuto | xsLogSoftmax}[seed%3]
		if n == 0 {
			break // the kernels take at least one element
		}
		if flags == xsAuto && seed&2 == 0 {
			y = nil // the form without stores
		}
		s, mx, ymax, c, done := f(y, x, flags)
		bits([]float32{s, mx, ymax, c}, y)
		out = append(out, uint32(done))
	case func(h, c, cPrev, gi, gf, gg, gout []float32):
		gi, gf, gg, gout := specialVec(rng, n), specialVec(rng, n), specialVec(rng, n), specialVec(rng, n)
		f(z, y, x, gi, gf, gg, gout)
		bits(z, y, x, gi, gf, gg, gout)
	case func(h, hPrev, xr, xz, xn, hr, hz, hn []float32):
		xr, xz, xn := specialVec(rng, n), specialVec(rng, n), specialVec(rng, n)
		hr, hz, hn := specialVec(rng, n), specialVec(rng, n), specialVec(rng, n)
		f(z, x, xr, xz, xn, hr, hz, hn)
		bits(z, x, xr, xz, xn, hr, hz, hn)
	case func(x []float32) uint32:
		out = append(out, f(x))
	case func(dst []int8, src []float32, inv float32):
		x = finiteVec(rng, n)
		m := math.Float32frombits(maxAbsBitsGeneric(x))
		if m < qTiny {
			break
		}
		q := make([]int8, n)
		f(q, x, 127/m)
		for _, v := range q {
			out = append(out, uint32(v))
		}
	case func(x []float32) float64:
		b := math.Float64bits(f(x))
		out = append(out, uint32(b), uint32(b>>32))
	case func(x []float32, m float64) float64:
		b := math.Float64bits(f(x, float64(alpha)))
		out = append(out, uint32(b), uint32(b>>32))
	case func(dst, x, gamma, beta []float32, m, r float64):
		// γ and β by the seed: both, one, or none (nil).
		gamma, beta := []float32(nil), []float32(nil)
		if seed&1 == 1 {
			gamma = specialVec(rng, n)
		}
		if seed&2 == 2 {
			beta = specialVec(rng, n)
		}
		f(z, x, gamma, beta, float64(alpha), float64(specialVec(rng, 1)[0]))
		bits(z)
	default:
		t.Fatalf("no inputs for a function of type %T", f)
	}
	return out
}

// specialVec returns n values, most random over a wide range, some
// special: ±0, ±Inf, NaN, subnormals, the float32 extremes.
func specialVec(rng *rand.Rand, n int) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.SmallestNonzeroFloat32, -1e-40, math.MaxFloat32, -math.MaxFloat32, 88.72, -103.9, 1, -1}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(16) == 0 {
			x[i] = specials[rng.IntN(len(specials))]
		} else {
			x[i] = float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(12)-4)))
		}
	}
	return x
}

// finiteVec returns n finite values in (-60, 60).
func finiteVec(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64()*120 - 60)
	}
	return x
}

func maxOr0(x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	return slices.Max(x)
}

// gemvMatrix returns a matrix of at most n elements with padded rows,
// its shape drawn from rng.
func gemvMatrix(rng *rand.Rand, n int) Matrix {
	if n == 0 {
		return NewMatrix(0, 0)
	}
	rows := 1 + rng.IntN(min(n, 40))
	cols := max(n/rows, 1)
	stride := cols + rng.IntN(5)
	return Matrix{Rows: rows, Cols: cols, Stride: stride, Data: specialVec(rng, (rows-1)*stride+cols)}
}
