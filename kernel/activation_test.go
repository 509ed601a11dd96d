package kernel_test

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

// The activation family's suite: every elementwise kernel of the table
// (ClassUnary) with a ULP contract, Exp, Tanh and Sigmoid today. A new row
// is tested by adding it to the table; unaryInputs may say where its
// interesting inputs lie and give exact special values.
//
// The contract, from the row, against the scalar reference Spec.Ref1 at
// every level: ULP, every result within Contract.ULP units in the last
// place; Exact, every result the reference rounded to float32, bit for
// bit (NaN as any NaN).

// isActivation reports whether s belongs to the activation family.
func isActivation(s kernel.Spec) bool {
	return s.Class == kernel.ClassUnary && (s.Contract.Kind == kernel.ULP || s.Contract.Kind == kernel.Exact)
}

// unaryFn is one elementwise kernel under test: its table row and where
// its inputs are drawn from.
type unaryFn struct {
	kernel.Spec
	unaryInputs
}

// unaryInputs says where a kernel's interesting values lie.
type unaryInputs struct {
	lo, hi float32 // where the interesting values lie, for random inputs
	// thresholds around which the sampled sweep is dense
	thresholds []float32
	// specials are exact results, bit for bit
	specials []unaryCase
}

// unaryCase is one input and its exact float32 result.
type unaryCase struct{ x, want float32 }

// levelSpecials holds exact results that differ between the generic level
// (its float64 evaluation, correctly rounded there: key true) and the
// SIMD levels (their float32 steps, within the bound but not correctly
// rounded there: key false).
var levelSpecials = map[string]map[bool][]unaryCase{
	"Tanh": {
		false: {{0x1.2059p3, 1}, {-0x1.2059p3, -1}},                                    // the SIMD levels saturate from here
		true:  {{0x1.205966p3, 0x1.fffffep-1}, {0x1.205968p3, 1}, {-0x1.205968p3, -1}}, // tanh rounds to 1 from here
	},
}

// defaultInputs is used for a row with no entry in unaryExtras.
var defaultInputs = unaryInputs{lo: -20, hi: 20}

// unaryExtras holds, per kernel, its input range, thresholds and exact
// special values.
var unaryExtras = map[string]unaryInputs{
	"Exp": {-110, 95, []float32{
		0x1.62e42ep6, 0x1.62e430p6, -0x1.9fe368p6, -0x1.9fe36ap6, // overflow, underflow to 0
		-0x1.5d589ep6,       // e^x = 2^-126, the subnormal boundary
		-0x1.a0p6, 0x1.64p6, // the clamps
		0.34657359, -0.34657359, 0, // range reduction switches n
	}, []unaryCase{
		{0, 1}, {negZ, 1}, {inf, inf}, {-inf, 0},
		{0x1.62e42ep6, 0x1.ffff08p127},              // the largest finite result
		{0x1.62e430p6, inf}, {math.MaxFloat32, inf}, // overflow
		{-0x1.9fe368p6, 0x1p-149}, {-0x1.9fe36ap6, 0}, // the smallest subnormal, then 0
		{-math.MaxFloat32, 0},
		{math.SmallestNonzeroFloat32, 1}, {-math.SmallestNonzeroFloat32, 1},
		{1, 0x1.5bf0a8p1}, {-1, 0x1.78b564p-2},
	}},
	"Tanh": {-12, 12, []float32{
		0x1p-13, -0x1p-13, // tiny: returned as is below
		0x1.2059p3, -0x1.2059p3, 0x1.205968p3, 0x1.15p3, // saturation to ±1
		20, -20, // the clamp of −2|x|
		0.17328680, 0.5493061, -0.5493061, // n switches; tanh = ±0.5
	}, []unaryCase{
		{0, 0}, {negZ, negZ}, {inf, 1}, {-inf, -1},
		{math.MaxFloat32, 1}, {-math.MaxFloat32, -1},
		{10, 1}, {-10, -1}, {40, 1}, {1e30, 1}, // and levelSpecials
		{math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32},
		{-math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32},
		{0x1p-126, 0x1p-126}, {-0x1p-126, -0x1p-126},
		{0x1.fffffep-14, 0x1.fffffep-14}, {-0x1.fffffep-14, -0x1.fffffep-14},
	}},
	"ReLU": {-20, 20, []float32{0, negZ}, []unaryCase{
		{0, 0}, {negZ, negZ}, {inf, inf}, {-inf, 0}, {-1, 0}, {1, 1},
		{math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32}, {-math.SmallestNonzeroFloat32, 0},
		{math.MaxFloat32, math.MaxFloat32}, {-math.MaxFloat32, 0},
	}},
	"GELU": {-16, 8, []float32{
		0, 0x1p-126, -0x1p-126, // subnormal inputs
		0x1.563dbp+02, 0x1.563db2p+02, // the last x with gelu(x) ≠ x, and the next
		-0x1.cb64e8p+03, -0x1.cb64eap+03, // the last nonzero result, then −0
		-0x1.a4ae0ep+03, // the first subnormal result
		4, -4,           // s = 4/(4+t) = 0.5: u = s − 1 starts to round
		15, -15, // the clamp of |x|
		0.34657359, -0.34657359, 1.1774100, -1.1774100, // n of the reduction switches
	}, []unaryCase{
		{0, 0}, {negZ, negZ}, {inf, inf}, {-inf, negZ},
		{0x1.563db2p+02, 0x1.563db2p+02}, {6, 6}, {1e30, 1e30}, {math.MaxFloat32, math.MaxFloat32},
		{-0x1.cb64eap+03, negZ}, {-15, negZ}, {-1e30, negZ}, {-math.MaxFloat32, negZ},
	}},
	"GELUTanh": {-12, 8, []float32{
		0, 0x1p-126, -0x1p-126,
		0x1.3f9ffp+02, 0x1.3f9ff2p+02, // the last x with gelu(x) ≠ x, and the next
		-0x1.58aaf2p+03, -0x1.58aaf4p+03, // the last nonzero result, then −0
		-0x1.43386cp+03,       // the first subnormal result
		4.7287080, -4.7287080, // c1·t = c2·t³: the Fast2Sum swaps its operands
		12, -12, // the clamp of |x|
		0.2158, -0.2158, // n of the reduction switches
	}, []unaryCase{
		{0, 0}, {negZ, negZ}, {inf, inf}, {-inf, negZ},
		{0x1.3f9ff2p+02, 0x1.3f9ff2p+02}, {6, 6}, {1e30, 1e30}, {math.MaxFloat32, math.MaxFloat32},
		{-0x1.58aaf4p+03, negZ}, {-12, negZ}, {-1e30, negZ}, {-math.MaxFloat32, negZ},
	}},
	"SiLU": {-112, 24, []float32{
		0, 0x1p-126, -0x1p-126,
		0x1.0ad4ep+04, 0x1.0ad4e2p+04, // the last x with silu(x) ≠ x, and the next
		-0x1.b2a426p+06, -0x1.b2a428p+06, // the last nonzero result (−2^-149), then −0
		-0x1.6f6d58p+06,                            // the first subnormal result
		120, -120, 0x1.e00002p+06, -0x1.e00002p+06, // the clamp of |x|
		0.34657359, -0.34657359, // n of the reduction switches
	}, []unaryCase{
		{0, 0}, {negZ, negZ}, {inf, inf}, {-inf, float32(math.NaN())},
		{0x1.0ad4e2p+04, 0x1.0ad4e2p+04}, {20, 20}, {1e30, 1e30}, {math.MaxFloat32, math.MaxFloat32},
		{-0x1.b2a426p+06, -0x1p-149}, {-0x1.b2a428p+06, negZ}, {-120, negZ}, {-1e30, negZ}, {-math.MaxFloat32, negZ},
	}},
	"Sigmoid": {-110, 30, []float32{
		0, -0x1.5d589ep6, -0x1.9fe368p6, -0x1.a0p6, // subnormal tail, underflow, clamp
		0x1.154246p4, 17.328679, // saturation to 1
		-0.34657359, 0.34657359,
	}, []unaryCase{
		{0, 0.5}, {negZ, 0.5}, {inf, 1}, {-inf, 0},
		{math.MaxFloat32, 1}, {-math.MaxFloat32, 0}, {20, 1}, {100, 1},
		{-0x1.9fe36ap6, 0}, {-0x1.9fe368p6, 0x1p-149}, // underflow
		{math.SmallestNonzeroFloat32, 0.5}, {-math.SmallestNonzeroFloat32, 0.5},
	}},
}

// unaryFns returns the activation rows of the table with their inputs.
func unaryFns() []unaryFn {
	var out []unaryFn
	for _, s := range specsWhere(isActivation) {
		in, ok := unaryExtras[s.Name]
		if !ok {
			in = defaultInputs
		}
		out = append(out, unaryFn{s, in})
	}
	return out
}

// unaryFnOf returns the activation row name.
func unaryFnOf(t testing.TB, name string) unaryFn {
	t.Helper()
	for _, f := range unaryFns() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no activation row %s", name)
	return unaryFn{}
}

// checkUnaryResult holds dst, the kernel's results for src, to the row's
// contract: each within Contract.ULP of the reference, or (Exact) the
// reference rounded to float32.
func checkUnaryResult(t *testing.T, f unaryFn, what string, dst, src []float32) {
	t.Helper()
	exact, bound := f.Contract.Kind == kernel.Exact, f.Contract.ULP
	for i := range src {
		want := f.Ref1(src[i])
		if exact {
			if !sameFloat(dst[i], float32(want)) {
				t.Fatalf("%s %s: %s(%g [%#08x]) = %g [%#08x], want %g [%#08x] exactly", f.Name, what,
					f.Name, src[i], math.Float32bits(src[i]), dst[i], math.Float32bits(dst[i]), float32(want), math.Float32bits(float32(want)))
			}
			continue
		}
		if u := kerneltest.ULP(dst[i], want); u > bound {
			t.Fatalf("%s %s: %s(%g [%#08x]) = %g [%#08x], want %.9g (%.3g ulp > %g)", f.Name, what,
				f.Name, src[i], math.Float32bits(src[i]), dst[i], math.Float32bits(dst[i]), want, u, bound)
		}
	}
}

func TestUnaryLengthsOffsets(t *testing.T) {
	for _, f := range unaryFns() {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				sweep(t, seedOf(f.Name, 3), 2, func(what string, r *rand.Rand, sl [][]float32) {
					src, dst := sl[0], sl[1]
					kerneltest.Fill(r, src, f.lo, f.hi)
					if n := len(src); n > 0 {
						src[r.IntN(n)] = kerneltest.Specials[r.IntN(len(kerneltest.Specials))]
					}
					srcCopy := slices.Clone(src)
					f.Unary(dst, src)
					checkUnaryResult(t, f, what, dst, src)
					require.Equal(t, bits(srcCopy), bits(src), "%s changed src", f.Name)
					// In place: the same results, bit for bit.
					f.Unary(src, src)
					require.Equal(t, bits(dst), bits(src), "%s in place differs, %s", f.Name, what)
				})
			})
		})
	}
}

func TestUnaryGuardPages(t *testing.T) {
	for _, f := range unaryFns() {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				guarded(t, seedOf(f.Name, 4), 2, uniform(f.lo, f.hi), func(what string, r *rand.Rand, end, start [][]float32) {
					a, b := end[0], start[0]
					copy(b, a)
					want := make([]float32, len(a))
					f.Unary(want, a) // reads up to the guard page after a
					checkUnaryResult(t, f, what+" end-guarded", want, a)
					f.Unary(end[1], start[0]) // from the guard page before b, to the one after end[1]
					require.Equal(t, bits(want), bits(end[1]), "%s %s start-guarded src", f.Name, what)
					f.Unary(start[1], end[0]) // the other way round
					require.Equal(t, bits(want), bits(start[1]), "%s %s start-guarded dst", f.Name, what)
					f.Unary(a, a) // reads and writes up to it
					f.Unary(b, b) // from the guard page before b
					require.Equal(t, bits(want), bits(a), "%s %s end-guarded in place", f.Name, what)
					require.Equal(t, bits(want), bits(b), "%s %s start-guarded in place", f.Name, what)
				})
			})
		})
	}
}

// TestUnaryULPSampled is the sampled ULP sweep: every
// 256th bit pattern of all 2^32 (2^24 inputs over the whole float32 range,
// both signs, subnormals, NaNs and infinities included; every 4096th with
// -short), plus every input within 2048 ulps of each threshold, checked
// against the float64 reference at every level. The exhaustive sweep is
// internal/cmd/ulpsweep, recorded in ACCURACY.md.
func TestUnaryULPSampled(t *testing.T) {
	stride := uint64(256)
	dense := 2048
	if testing.Short() {
		stride, dense = 4096, 256
	}
	for _, f := range unaryFns() {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				const block = 1 << 14
				src := make([]float32, block)
				dst := make([]float32, block)
				k := 0
				flush := func() {
					f.Unary(dst[:k], src[:k])
					checkUnaryResult(t, f, "sweep", dst[:k], src[:k])
					k = 0
				}
				add := func(x float32) {
					src[k] = x
					k++
					if k == block {
						flush()
					}
				}
				// Odd offset so both the low and high mantissa bits vary.
				for b := uint64(0x9e37); b < 1<<32; b += stride {
					add(math.Float32frombits(uint32(b)))
				}
				for _, th := range f.thresholds {
					tb := int64(math.Float32bits(th))
					for d := int64(-dense); d <= int64(dense); d++ {
						if v := tb + d; v >= 0 && v < 1<<32 {
							add(math.Float32frombits(uint32(v)))
						}
					}
				}
				flush()
			})
		})
	}
}

// TestUnarySpecials checks every special value against the contract at
// every level, alone and in a vector-sized row, and each kernel's exact
// special results (unaryExtras) bit for bit.
func TestUnarySpecials(t *testing.T) {
	for _, f := range unaryFns() {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				// Every special value, within the bound, alone and in
				// vector-sized rows (tails and full vectors).
				for _, n := range []int{1, 7, 8, 16, 17, 33, 64, 100} {
					src := make([]float32, n)
					for i := range src {
						src[i] = kerneltest.Specials[i%len(kerneltest.Specials)]
					}
					got := make([]float32, n)
					f.Unary(got, src)
					checkUnaryResult(t, f, fmt.Sprintf("specials n=%d", n), got, src)
				}
				cases := append(slices.Clone(f.specials), levelSpecials[f.Name][l == kernel.Generic]...)
				if len(cases) == 0 {
					return
				}
				// Each case alone, and all together at every position of a
				// vector-sized row (so tails and full vectors are both tried).
				for _, c := range cases {
					got := make([]float32, 1)
					f.Unary(got, []float32{c.x})
					require.Equal(t, math.Float32bits(c.want), math.Float32bits(got[0]),
						"%s(%g) = %g, want %g", f.Name, c.x, got[0], c.want)
				}
				for _, n := range []int{7, 8, 16, 17, 33, 64, 100} {
					src := make([]float32, n)
					want := make([]float32, n)
					for i := range src {
						c := cases[i%len(cases)]
						src[i], want[i] = c.x, c.want
					}
					src[n/2] = nan32
					want[n/2] = nan32
					got := make([]float32, n)
					f.Unary(got, src)
					for i := range got {
						if want[i] != want[i] {
							require.True(t, got[i] != got[i], "%s(NaN) = %g at %d", f.Name, got[i], i)
							continue
						}
						require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]),
							"%s(%g) = %g, want %g (n=%d, i=%d)", f.Name, src[i], got[i], want[i], n, i)
					}
				}
			})
		})
	}
}

// TestTanhOdd checks tanh(−x) = −tanh(x) bit for bit, and that Sigmoid's
// symmetry σ(−x) = 1 − σ(x) holds within the bound (it cannot be exact).
func TestTanhOdd(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(5)
		n := 1 << 16
		src := make([]float32, n)
		neg := make([]float32, n)
		for i := range src {
			src[i] = math.Float32frombits(r.Uint32() &^ (1 << 31))
			neg[i] = -src[i]
		}
		a, b := make([]float32, n), make([]float32, n)
		kernel.Tanh(a, src)
		kernel.Tanh(b, neg)
		for i := range a {
			if a[i] != a[i] {
				require.True(t, b[i] != b[i])
				continue
			}
			require.Equal(t, math.Float32bits(a[i])^(1<<31), math.Float32bits(b[i]), "tanh(%g)", src[i])
		}
	})
}

func TestUnaryPanics(t *testing.T) {
	for _, f := range unaryFns() {
		require.PanicsWithValue(t, "kernel."+f.Name+": len(src)=5 != len(dst)=7", func() {
			f.Unary(make([]float32, 7), make([]float32, 5))
		})
		buf := make([]float32, 10)
		require.PanicsWithValue(t, "kernel."+f.Name+": dst overlaps src", func() {
			f.Unary(buf[1:6], buf[0:5])
		})
		f.Unary(buf, buf) // in place is allowed
		f.Unary(nil, nil)
	}
}

func TestUnaryAllocs(t *testing.T) {
	src := make([]float32, 1000)
	dst := make([]float32, 1000)
	for _, f := range unaryFns() {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { f.Unary(dst, src) }), f.Name)
		})
	}
}

// TestUnaryLevelsAgree checks that every SIMD level gives nearly the bits
// of the float32 steps its assembly follows (kernel.SIMDSteps; the generic
// level's own results for a kernel without such steps, such as ReLU): they
// may differ only where a fused multiply-add's double rounding through
// float64 (the scalar steps) or the reciprocal estimate of the
// compensation step (AVX-512) moves a result by one ulp. The generic
// level evaluates in float64 and is held to the bound (the ULP tests).
func TestUnaryLevelsAgree(t *testing.T) {
	r := kerneltest.Rand(6)
	n := 1 << 16
	if testing.Short() {
		n = 1 << 12
	}
	src := make([]float32, n)
	for i := range src {
		src[i] = math.Float32frombits(r.Uint32())
	}
	for _, f := range unaryFns() {
		base := make([]float32, n)
		if steps, ok := kernel.SIMDSteps[f.Name]; ok {
			for i, x := range src {
				base[i] = steps(x)
			}
		} else {
			restore, err := kernel.SetLevel(kernel.Generic)
			require.NoError(t, err)
			f.Unary(base, src)
			restore()
		}
		for _, l := range kernel.Available() {
			if l == kernel.Generic {
				continue
			}
			restore, err := kernel.SetLevel(l)
			require.NoError(t, err)
			got := make([]float32, n)
			f.Unary(got, src)
			restore()
			for i := range got {
				d := int64(math.Float32bits(got[i])) - int64(math.Float32bits(base[i]))
				if got[i] != got[i] && base[i] != base[i] {
					continue
				}
				require.LessOrEqual(t, d*d, int64(1), "%s(%g) at %s: %g vs its float32 steps %g", f.Name, src[i], l, got[i], base[i])
			}
		}
	}
}

func fuzzUnary(f *testing.F, fn unaryFn) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf})
	f.Add([]byte{0xbc, 0x03, 0x8e, 0x42, 0x55, 0x55, 0xd0, 0xc2})
	f.Add(make([]byte, 4*67))
	f.Add([]byte{17, 3, 0}) // lengths 17 and 3: a mismatch
	f.Fuzz(func(t *testing.T, raw []byte) { fuzzUnaryInput(t, fn, raw) })
}

// fuzzUnaryInput checks fn on the float32 values of raw at every level,
// or, for a raw of 3 bytes modulo 4, fn's refusal of operands of different
// lengths (checkHostileLengths).
func fuzzUnaryInput(t *testing.T, fn unaryFn, raw []byte) {
	if len(raw)%4 == 3 {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { checkHostileLengths(t, fn.Spec, raw) })
		return
	}
	src := kerneltest.FloatsFromBytes(raw)
	dst := make([]float32, len(src))
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		fn.Unary(dst, src)
		checkUnaryResult(t, fn, "fuzz", dst, src)
	})
}

// FuzzActivation fuzzes every activation row of the table, the first
// byte choosing the row, so that a new row is fuzzed without a target of
// its own.
func FuzzActivation(f *testing.F) {
	fns := unaryFns()
	for i := range fns {
		f.Add(uint8(i), []byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf})
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) { fuzzUnaryInput(t, fns[int(which)%len(fns)], raw) })
}

func FuzzExp(f *testing.F)     { fuzzUnary(f, unaryFnOf(f, "Exp")) }
func FuzzTanh(f *testing.F)    { fuzzUnary(f, unaryFnOf(f, "Tanh")) }
func FuzzSigmoid(f *testing.F) { fuzzUnary(f, unaryFnOf(f, "Sigmoid")) }
