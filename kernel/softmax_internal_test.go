package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExpScaledSumMaxLevels holds every level's pass 1 of the two-pass
// softmax to the portable one: the same y bits for every element before
// the stop as the level's own scalar steps (expScaledAt: the SIMD levels'
// float32 steps, the generic level's float64 ones, which are also held
// to e^x·2^k within 0.52 ulp), the same maximum and ymax, a sum within rounding of the
// portable sum, a stop at the start of the block holding the first
// element above hi (or NaN), nothing written from there on, in place or
// not.
func TestExpScaledSumMaxLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	nan := float32(math.NaN())
	for _, l := range Available() {
		restore, _ := SetLevel(l)
		// The blocks: of the main loop, then of the rest.
		big := map[Level]int{Generic: expScaledBlock, AVX2: 32, AVX512: 128, NEON: 8}[l]
		block := map[Level]int{Generic: expScaledBlock, AVX2: 8, AVX512: 16, NEON: 4}[l]
		for _, n := range []int{0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 127, 128, 129, 300, 1000} {
			for trial := range 6 {
				x := make([]float32, n)
				for i := range x {
					x[i] = 20 * (2*r.Float32() - 1)
					if r.IntN(7) == 0 {
						x[i] = float32(math.Inf(-1))
					}
				}
				if n == 0 {
					continue
				}
				sc, ok := twoPassScaling(x)
				if !ok {
					continue // the first 16 are all -Inf
				}
				stopAt := n
				if trial > 0 && n > 1 {
					stopAt = r.IntN(n)
					x[stopAt] = [...]float32{sc.hi + 1.5, nan, float32(math.Inf(1)), 1e30, sc.hi + 3}[trial-1]
				}
				what := fmt.Sprintf("%v n=%d trial=%d stop at %d", l, n, trial, stopAt)
				for _, inPlace := range []bool{false, true} {
					src := slices.Clone(x)
					dst := make([]float32, n)
					for i := range dst {
						dst[i] = -7 // never a result
					}
					if inPlace {
						dst = src
					}
					s, m, ym, done := expScaledSumMax(dst, src, sc.k, sc.lo, sc.hi)
					_, gm, _, gdone := expScaledSumMaxGeneric(nil, x, sc.k, sc.lo, sc.hi)
					require.LessOrEqual(t, done, stopAt, what)
					require.Greater(t, done, stopAt-big, what)
					require.True(t, done == n || done%block == 0, "%s: done=%d", what, done)
					var want float64
					mx := float32(math.Inf(-1))
					for i := 0; i < done; i++ {
						y := expScaledAt(x[i], sc.k, sc.lo)
						if l == Generic {
							exact := math.Exp(float64(max(x[i], sc.lo))) * math.Pow(2, float64(sc.k))
							ulp := float64(math.Nextafter32(y, float32(math.Inf(1))) - y)
							require.InDelta(t, exact, float64(y), 0.52*ulp, "%s: y[%d] of %v", what, i, x[i])
						}
						require.Equal(t, math.Float32bits(y), math.Float32bits(dst[i]), "%s: y[%d] of %v", what, i, x[i])
						want += float64(y)
						mx = max(mx, x[i])
					}
					for i := done; i < n; i++ {
						if inPlace {
							require.Equal(t, math.Float32bits(x[i]), math.Float32bits(src[i]), "%s: src[%d] written", what, i)
						} else {
							require.Equal(t, float32(-7), dst[i], "%s: dst[%d] written past the stop", what, i)
						}
					}
					require.InDelta(t, want, float64(s), 1e-6*want+1e-30, what)
					require.Zero(t, ym, "%s: ymax with stores", what)
					_ = m // the maximum is only kept without stores
					// Without stores: the same sum, and the maximum and ymax.
					s2, m2, ym2, done2 := expScaledSumMax(nil, x, sc.k, sc.lo, sc.hi)
					require.Equal(t, done, done2, what)
					require.Equal(t, math.Float32bits(s), math.Float32bits(s2), what)
					if done > 0 {
						require.Equal(t, mx, m2, what)
					}
					if done == gdone {
						require.Equal(t, gm, m2, what)
						require.Equal(t, math.Float32bits(expScaledAt(gm, sc.k, sc.lo)), math.Float32bits(ym2), what)
					}
					require.Equal(t, math.Float32bits(expScaledAt(m2, sc.k, sc.lo)), math.Float32bits(ym2), "%s: ymax", what)
				}
			}
		}
		restore()
	}
}

// TestLogRatio holds logRatio to math.Log: within 2^-24 (the rounding of
// s/ym, a relative error of the quotient, so an absolute one of its log)
// plus 1.5 ulp of the result, and exactly 0 for s = ym.
func TestLogRatio(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	check := func(s, ym float32) {
		want := math.Log(float64(s) / float64(ym))
		got := float64(logRatio(s, ym))
		ulp := math.Abs(float64(math.Nextafter32(float32(want), float32(math.Inf(1))) - float32(want)))
		require.InDelta(t, want, got, 0x1p-24+1.5*ulp, "s=%v ym=%v", s, ym)
	}
	for range 300000 {
		ym := float32(math.Exp(r.Float64()*170 - 85))
		check(ym*float32(math.Exp(r.Float64()*20)), ym)
		check(ym*(1+r.Float32()*1e-5), ym)
	}
	for _, q := range []float32{1.0000001, 1.4142134, 1.4142135, 1.4142137, 2, 3, 1e6} {
		check(q, 1)
	}
	require.Equal(t, float32(0), logRatio(3.5, 3.5))
}

// TestExpScaledPassFused holds expScaledPass (one assembly call on
// AVX-512, with the scaling computed there from the first 16 elements,
// and Softmax's or LogSoftmax's second pass) to the same steps taken one
// by one in Go, to the bit: the scaling (c, and so k, lo and hi), where
// it stops, the sum, the maximum, ymax, the log and every element of dst.
func TestExpScaledPassFused(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 16))
	inf := float32(math.Inf(1))
	for _, l := range Available() {
		restore, _ := SetLevel(l)
		for _, n := range []int{1, 2, 15, 16, 17, 100, 128, 129, 1000, 4099} {
			for trial := range 8 {
				x := make([]float32, n)
				scale := []float32{1, 10, 100, 1000, 30000, 40000, 1, 1}[trial]
				for i := range x {
					x[i] = scale * (2*r.Float32() - 1)
					if r.IntN(5) == 0 {
						x[i] = -inf
					}
				}
				if trial == 6 && n > 20 {
					x[n-3] = x[0] + 50 // stops
				}
				if trial == 7 {
					for i := range min(n, 16) {
						x[i] = -inf // no scaling
					}
				}
				what := fmt.Sprintf("%v n=%d trial=%d", l, n, trial)
				for _, flags := range []int32{xsAuto, xsAuto | xsNormalize, xsAuto | xsLogSoftmax} {
					for _, store := range []bool{false, true} {
						var got, want []float32
						if store {
							got, want = make([]float32, n), make([]float32, n)
						} else if flags&xsLogSoftmax != 0 {
							continue
						}
						s, m, ym, c, done := expScaledPass(got, x, flags)
						sc, ok := twoPassScaling(x)
						require.Equal(t, math.Float32bits(sc.c), math.Float32bits(c), what)
						if !ok {
							require.Equal(t, -1, done, what)
							continue
						}
						y := want
						if flags&xsLogSoftmax != 0 {
							y = nil
						}
						ws, wm, wym, wdone := expScaledSumMax(y, x, sc.k, sc.lo, sc.hi)
						if flags&xsNormalize != 0 && store && wdone == n {
							scaleGeneric(1/ws, want)
						}
						if flags&xsLogSoftmax != 0 && wdone == n {
							shiftSubGeneric(want, x, wm, logRatio(ws, wym))
						}
						require.Equal(t, wdone, done, what)
						require.Equal(t, math.Float32bits(ws), math.Float32bits(s), what)
						if done > 0 && !store {
							require.Equal(t, wm, m, what)
						}
						require.Equal(t, math.Float32bits(wym), math.Float32bits(ym), what)
						require.Equal(t, bitsOf(want), bitsOf(got), what)
					}
				}
			}
		}
		restore()
	}
}

func bitsOf(x []float32) []uint32 {
	b := make([]uint32, len(x))
	for i, v := range x {
		b[i] = math.Float32bits(v)
	}
	return b
}

// TestOneTermMax holds c's own term e^c·2^k, as each level's pass 1
// computes it, to oneTermMax, which Softmax takes for a bound of it: for
// c at every integer multiple m of ln2 within ±twoPassLimit and three
// floats either side (where c·log2e comes nearest an integer from below,
// the term nearest 2^27), and at every 4093rd float32 in that range.
func TestOneTermMax(t *testing.T) {
	for _, l := range Available() {
		restore, err := SetLevel(l)
		require.NoError(t, err)
		largest := float32(0)
		check := func(c float32) {
			sc, ok := scalingFor(c)
			if !ok {
				return
			}
			y := expScaledAt(c, sc.k, sc.lo)
			largest = max(largest, y)
			if !(y <= oneTermMax) {
				t.Fatalf("%v: c = %g (%#x): e^c·2^k = %g (%#x) > oneTermMax", l, c, math.Float32bits(c), y, math.Float32bits(y))
			}
		}
		for m := -47275; m <= 47275; m++ { // ±twoPassLimit·log2e
			c := float32(float64(m) / float64(expLog2e))
			for range 3 {
				c = math.Nextafter32(c, float32(math.Inf(-1)))
			}
			for range 7 {
				check(c)
				c = math.Nextafter32(c, float32(math.Inf(1)))
			}
		}
		for b := uint32(0); b <= math.Float32bits(twoPassLimit); b += 4093 {
			check(math.Float32frombits(b))
			check(-math.Float32frombits(b))
		}
		t.Logf("%v: the largest term %g = 2^27·(1 + %.3g)", l, largest, float64(largest)/0x1p27-1)
		restore()
	}
}

// TestLogPositive holds logPositive to math.Log within 2^-40 absolute,
// from 2^-30 to 2^60 (LogSumExp's s/ym lies within [1, 2^33]) at 2^20
// points a binade apart in steps of 2^-20 of a binade, at the powers of
// two and √2 and their neighbours, and exactly 0 at 1.
func TestLogPositive(t *testing.T) {
	check := func(q float64) {
		got, want := logPositive(q), math.Log(q)
		if math.Abs(got-want) > 0x1p-40 {
			t.Fatalf("logPositive(%v) = %v, math.Log = %v: off by %g", q, got, want, got-want)
		}
	}
	for e := -30; e <= 60; e += 9 {
		for i := range 1 << 17 {
			check(math.Ldexp(1+float64(i)/(1<<17), e))
		}
	}
	for e := -30; e <= 60; e++ {
		for _, f := range []float64{1, math.Sqrt2, 2} {
			q := math.Ldexp(f, e)
			check(q)
			check(math.Nextafter(q, 0))
			check(math.Nextafter(q, math.Inf(1)))
		}
	}
	require.Equal(t, 0.0, logPositive(1))
}
