package kernel_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// unaryFn describes one elementwise kernel under test.
type unaryFn struct {
	name   string
	kernel func(dst, src []float32)
	ref    func(x float32) float64
	bound  float64 // ulps, DESIGN §7
	lo, hi float32 // where the interesting values lie, for random inputs
	// thresholds around which the sampled sweep is dense
	thresholds []float32
}

var unaryFns = []unaryFn{
	{"Exp", kernel.Exp, ref.Exp1, 1, -110, 95, []float32{
		0x1.62e42ep6, 0x1.62e430p6, -0x1.9fe368p6, -0x1.9fe36ap6, // overflow, underflow to 0
		-0x1.5d589ep6,       // e^x = 2^-126, the subnormal boundary
		-0x1.a0p6, 0x1.64p6, // the clamps
		0.34657359, -0.34657359, 0, // range reduction switches n
	}},
	{"Tanh", kernel.Tanh, ref.Tanh1, 2, -12, 12, []float32{
		0x1p-13, -0x1p-13, // tiny: returned as is below
		0x1.2059p3, -0x1.2059p3, 0x1.15p3, // saturation to ±1
		20, -20, // the clamp of −2|x|
		0.17328680, 0.5493061, -0.5493061, // n switches; tanh = ±0.5
	}},
	{"Sigmoid", kernel.Sigmoid, ref.Sigmoid1, 2, -110, 30, []float32{
		0, -0x1.5d589ep6, -0x1.9fe368p6, -0x1.a0p6, // subnormal tail, underflow, clamp
		0x1.154246p4, 17.328679, // saturation to 1
		-0.34657359, 0.34657359,
	}},
}

// checkUnaryResult compares dst with the reference for src, elementwise.
func checkUnaryResult(t *testing.T, f unaryFn, what string, dst, src []float32) {
	t.Helper()
	for i := range src {
		want := f.ref(src[i])
		if u := kerneltest.ULP(dst[i], want); u > f.bound {
			t.Fatalf("%s %s: %s(%g [%#08x]) = %g [%#08x], want %.9g (%.3g ulp > %g)", f.name, what,
				f.name, src[i], math.Float32bits(src[i]), dst[i], math.Float32bits(dst[i]), want, u, f.bound)
		}
	}
}

func TestUnaryLengthsOffsets(t *testing.T) {
	for _, f := range unaryFns {
		t.Run(f.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				r := kerneltest.Rand(3)
				for _, n := range kerneltest.Lengths() {
					for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
						bs, bd := kerneltest.NewBanded(n, off), kerneltest.NewBanded(n, (off*5)%kerneltest.MaxOffset)
						src, dst := bs.S(), bd.S()
						kerneltest.Fill(r, src, f.lo, f.hi)
						if n > 0 {
							src[r.IntN(n)] = kerneltest.Specials[r.IntN(len(kerneltest.Specials))]
						}
						srcCopy := slices.Clone(src)
						what := fmt.Sprintf("n=%d off=%d", n, off)
						f.kernel(dst, src)
						checkUnaryResult(t, f, what, dst, src)
						require.Equal(t, bits(srcCopy), bits(src), "%s changed src", f.name)
						// In place: the same results, bit for bit.
						f.kernel(src, src)
						require.Equal(t, bits(dst), bits(src), "%s in place differs, %s", f.name, what)
						bs.Check(t, what)
						bd.Check(t, what)
					}
				}
			})
		})
	}
}

func bits(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}

func TestUnaryGuardPages(t *testing.T) {
	for _, f := range unaryFns {
		t.Run(f.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				r := kerneltest.Rand(4)
				for _, n := range kerneltest.Lengths() {
					a, b := kerneltest.Guarded(t, n)
					kerneltest.Fill(r, a, f.lo, f.hi)
					copy(b, a)
					want := make([]float32, n)
					what := fmt.Sprintf("n=%d", n)
					kerneltest.NoFault(t, what, func() {
						f.kernel(want, a) // reads up to the guard page after a
						f.kernel(a, a)    // reads and writes up to it
						f.kernel(b, b)    // from the guard page before b
					})
					checkUnaryResult(t, f, what, want, b[:0:0]) // (sizes only)
					require.Equal(t, bits(want), bits(a), "%s %s end-guarded in place", f.name, what)
					require.Equal(t, bits(want), bits(b), "%s %s start-guarded in place", f.name, what)
				}
			})
		})
	}
}

// TestUnaryULPSampled is the sampled ULP sweep of DESIGN §5: every
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
	for _, f := range unaryFns {
		t.Run(f.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				const block = 1 << 14
				src := make([]float32, block)
				dst := make([]float32, block)
				k := 0
				flush := func() {
					f.kernel(dst[:k], src[:k])
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

func TestUnarySpecials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	type tc struct {
		x, want float32
	}
	tables := map[string][]tc{
		"Exp": {
			{0, 1}, {negZero, 1}, {inf, inf}, {-inf, 0},
			{0x1.62e42ep6, 0x1.ffff08p127},              // the largest finite result
			{0x1.62e430p6, inf}, {math.MaxFloat32, inf}, // overflow
			{-0x1.9fe368p6, 0x1p-149}, {-0x1.9fe36ap6, 0}, // the smallest subnormal, then 0
			{-math.MaxFloat32, 0},
			{math.SmallestNonzeroFloat32, 1}, {-math.SmallestNonzeroFloat32, 1},
			{1, 0x1.5bf0a8p1}, {-1, 0x1.78b564p-2},
		},
		"Tanh": {
			{0, 0}, {negZero, negZero}, {inf, 1}, {-inf, -1},
			{math.MaxFloat32, 1}, {-math.MaxFloat32, -1},
			{0x1.2059p3, 1}, {-0x1.2059p3, -1}, {10, 1}, {-10, -1}, {40, 1}, {1e30, 1},
			{math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32},
			{-math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32},
			{0x1p-126, 0x1p-126}, {-0x1p-126, -0x1p-126},
			{0x1.fffffep-14, 0x1.fffffep-14}, {-0x1.fffffep-14, -0x1.fffffep-14},
		},
		"Sigmoid": {
			{0, 0.5}, {negZero, 0.5}, {inf, 1}, {-inf, 0},
			{math.MaxFloat32, 1}, {-math.MaxFloat32, 0}, {20, 1}, {100, 1},
			{-0x1.9fe36ap6, 0}, {-0x1.9fe368p6, 0x1p-149}, // underflow
			{math.SmallestNonzeroFloat32, 0.5}, {-math.SmallestNonzeroFloat32, 0.5},
		},
	}
	for _, f := range unaryFns {
		t.Run(f.name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				cases := tables[f.name]
				// Each case alone, and all together at every position of a
				// vector-sized row (so tails and full vectors are both tried).
				for _, c := range cases {
					got := make([]float32, 1)
					f.kernel(got, []float32{c.x})
					require.Equal(t, math.Float32bits(c.want), math.Float32bits(got[0]),
						"%s(%g) = %g, want %g", f.name, c.x, got[0], c.want)
				}
				for _, n := range []int{7, 8, 16, 17, 33, 64, 100} {
					src := make([]float32, n)
					want := make([]float32, n)
					for i := range src {
						c := cases[i%len(cases)]
						src[i], want[i] = c.x, c.want
					}
					src[n/2] = nan
					want[n/2] = nan
					got := make([]float32, n)
					f.kernel(got, src)
					for i := range got {
						if want[i] != want[i] {
							require.True(t, got[i] != got[i], "%s(NaN) = %g at %d", f.name, got[i], i)
							continue
						}
						require.Equal(t, math.Float32bits(want[i]), math.Float32bits(got[i]),
							"%s(%g) = %g, want %g (n=%d, i=%d)", f.name, src[i], got[i], want[i], n, i)
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
	for _, f := range unaryFns {
		require.PanicsWithValue(t, "kernel."+f.name+": len(src)=5 != len(dst)=7", func() {
			f.kernel(make([]float32, 7), make([]float32, 5))
		})
		buf := make([]float32, 10)
		require.PanicsWithValue(t, "kernel."+f.name+": dst overlaps src", func() {
			f.kernel(buf[1:6], buf[0:5])
		})
		f.kernel(buf, buf) // in place is allowed
		f.kernel(nil, nil)
	}
}

func TestUnaryAllocs(t *testing.T) {
	src := make([]float32, 1000)
	dst := make([]float32, 1000)
	for _, f := range unaryFns {
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { f.kernel(dst, src) }), f.name)
		})
	}
}

// TestUnaryLevelsAgree checks that every level gives nearly the same bits:
// they run the same algorithm, and may differ only where a fused
// multiply-add's double rounding through float64 (generic) or the
// reciprocal estimate of the compensation step (AVX-512) moves a result
// by one ulp.
func TestUnaryLevelsAgree(t *testing.T) {
	levels := kernel.Available()
	if len(levels) < 2 {
		t.Skip("one level only")
	}
	r := kerneltest.Rand(6)
	n := 1 << 16
	if testing.Short() {
		n = 1 << 12
	}
	src := make([]float32, n)
	for i := range src {
		src[i] = math.Float32frombits(r.Uint32())
	}
	for _, f := range unaryFns {
		var base []float32
		for _, l := range levels {
			restore, err := kernel.SetLevel(l)
			require.NoError(t, err)
			got := make([]float32, n)
			f.kernel(got, src)
			restore()
			if base == nil {
				base = got
				continue
			}
			for i := range got {
				d := int64(math.Float32bits(got[i])) - int64(math.Float32bits(base[i]))
				if got[i] != got[i] && base[i] != base[i] {
					continue
				}
				require.LessOrEqual(t, d*d, int64(1), "%s(%g) at %s: %g vs generic %g", f.name, src[i], l, got[i], base[i])
			}
		}
	}
}

func fuzzUnary(f *testing.F, fn unaryFn) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf})
	f.Add([]byte{0xbc, 0x03, 0x8e, 0x42, 0x55, 0x55, 0xd0, 0xc2})
	f.Add(make([]byte, 4*67))
	f.Fuzz(func(t *testing.T, raw []byte) {
		src := kerneltest.FloatsFromBytes(raw)
		dst := make([]float32, len(src))
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			fn.kernel(dst, src)
			checkUnaryResult(t, fn, "fuzz", dst, src)
		})
	})
}

func FuzzExp(f *testing.F)     { fuzzUnary(f, unaryFns[0]) }
func FuzzTanh(f *testing.F)    { fuzzUnary(f, unaryFns[1]) }
func FuzzSigmoid(f *testing.F) { fuzzUnary(f, unaryFns[2]) }
