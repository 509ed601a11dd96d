package kernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// The norms' suite: LayerNorm and RMSNorm (the table's ClassLayerNorm and
// ClassRMSNorm rows, contract Norm) at every level against their float64
// references (compensated sums), with and without γ and β.

// isNorm reports whether s belongs to the norm family.
func isNorm(s kernel.Spec) bool {
	return s.Class == kernel.ClassLayerNorm || s.Class == kernel.ClassRMSNorm
}

// normCall calls s on one row; beta is ignored by RMSNorm.
func normCall(s kernel.Spec, dst, x, gamma, beta []float32, eps float32) {
	if s.Class == kernel.ClassLayerNorm {
		s.LayerNorm(dst, x, gamma, beta, eps)
	} else {
		s.RMSNorm(dst, x, gamma, eps)
	}
}

// normRef returns s's float64 reference for the row.
func normRef(s kernel.Spec, x, gamma, beta []float32, eps float32) []float64 {
	want := make([]float64, len(x))
	if s.Class == kernel.ClassLayerNorm {
		ref.LayerNorm(want, x, gamma, beta, eps)
	} else {
		ref.RMSNorm(want, x, gamma, eps)
	}
	return want
}

// normBounds returns, per element, the contract's bound on |dst − y|:
//
//	2^-24·(|γ·x̂| + |y|) + |γ|·(n+4)·2^-53·(|x̂| + r·Σ|x|/n) + 2^-150·(1+|γ|)
//
// (μ = 0 and no Σ|x| term for RMSNorm), plus 2^-47 of the first term for
// the products of roundings (the generic level's fma32 rounds twice, the
// second time by at most 2^-53). It also returns x̂.
func normBounds(s kernel.Spec, x, gamma []float32, eps float32, want []float64) []float64 {
	n := float64(len(x))
	var m, absSum float64
	layer := s.Class == kernel.ClassLayerNorm
	if layer {
		for _, v := range x {
			m += float64(v)
			absSum += math.Abs(float64(v))
		}
		m /= n
	}
	var q float64
	for _, v := range x {
		q += (float64(v) - m) * (float64(v) - m)
	}
	r := 1 / math.Sqrt(q/n+float64(eps))
	b := make([]float64, len(x))
	for i, v := range x {
		g := 1.0
		if gamma != nil {
			g = math.Abs(float64(gamma[i]))
		}
		xh := math.Abs((float64(v) - m) * r)
		first := (0x1p-24 + 0x1p-47) * (g*xh + math.Abs(want[i]))
		b[i] = first + g*(n+4)*0x1p-53*(xh+r*absSum/n) + 0x1p-150*(1+g)
	}
	return b
}

// normError returns the largest |dst − y| / bound over the row (≤ 1 keeps
// the contract), and where; NaN results must match NaN references.
func normError(t *testing.T, s kernel.Spec, what string, dst, x, gamma, beta []float32, eps float32) (worst float64, at int) {
	t.Helper()
	want := normRef(s, x, gamma, beta, eps)
	bound := normBounds(s, x, gamma, eps, want)
	for i := range dst {
		got, w := float64(dst[i]), want[i]
		if math.IsNaN(w) || math.IsInf(w, 0) {
			if !(got == w || (got != got && w != w)) {
				t.Fatalf("%s %s: dst[%d] = %g, want %g (n=%d)", s.Name, what, i, got, w, len(x))
			}
			continue
		}
		e := math.Abs(got - w)
		if e > bound[i] {
			t.Fatalf("%s %s: dst[%d] = %g, want %.17g: error %.3g > bound %.3g (n=%d, x=%g)",
				s.Name, what, i, got, w, e, bound[i], len(x), x[i])
		}
		if bound[i] > 0 && e/bound[i] > worst {
			worst, at = e/bound[i], i
		}
	}
	return worst, at
}

// forEachNorm runs fn for both norms at every level.
func forEachNorm(t *testing.T, fn func(t *testing.T, s kernel.Spec, l kernel.Level)) {
	specs := specsWhere(isNorm)
	require.Len(t, specs, 2)
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) { fn(t, s, l) })
		})
	}
}

// normRow fills x with mean mu plus values of scale sigma.
func normRow(r *rand.Rand, x []float32, mu, sigma float32) {
	kerneltest.Fill(r, x, -1, 1)
	for i := range x {
		x[i] = mu + sigma*x[i]
	}
}

// normRowKinds are the rows' (mean, scale) pairs: centred, offset (the
// mean far above the spread), huge (x² overflows float32) and tiny
// (subnormal) values.
var normRowKinds = [][2]float32{{0, 1}, {3, 0.5}, {1e3, 1e-2}, {-1e4, 1}, {0, 1e30}, {2e30, 1e30}, {0, 3e38}, {0, 1e-40}, {1e-39, 1e-40}}

func TestNormLengthsOffsets(t *testing.T) {
	forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		worst, worstULP := 0.0, 0.0 // error / bound; ulps without affine
		sweep(t, seedOf(s.Name, 21), 4, func(what string, r *rand.Rand, sl [][]float32) {
			dst, x, gamma, beta := sl[0], sl[1], sl[2], sl[3]
			k := normRowKinds[r.IntN(len(normRowKinds))]
			normRow(r, x, k[0], k[1])
			kerneltest.Fill(r, gamma, -2, 2)
			kerneltest.Fill(r, beta, -1, 1)
			xc, gc, bc := slices.Clone(x), slices.Clone(gamma), slices.Clone(beta)
			eps := []float32{kernel.DefaultLayerNormEps, 0, 1}[r.IntN(3)]
			for _, v := range []struct {
				name        string
				gamma, beta []float32
			}{{"affine", gamma, beta}, {"gamma", gamma, nil}, {"beta", nil, beta}, {"plain", nil, nil}} {
				if s.Class == kernel.ClassRMSNorm && v.beta != nil {
					continue
				}
				w := fmt.Sprintf("%s %s mu=%g sigma=%g eps=%g", what, v.name, k[0], k[1], eps)
				normCall(s, dst, x, v.gamma, v.beta, eps)
				e, _ := normError(t, s, w, dst, x, v.gamma, v.beta, eps)
				worst = max(worst, e)
				if v.gamma == nil && v.beta == nil {
					for i, y := range normRef(s, x, nil, nil, eps) {
						worstULP = max(worstULP, kerneltest.ULP(dst[i], y))
					}
				}
				require.Equal(t, bits(xc), bits(x), "%s changed x", s.Name)
				require.Equal(t, bits(gc), bits(gamma), "%s changed gamma", s.Name)
				require.Equal(t, bits(bc), bits(beta), "%s changed beta", s.Name)
				// In place: the same bits.
				want := slices.Clone(dst)
				y := slices.Clone(x)
				normCall(s, y, y, v.gamma, v.beta, eps)
				require.Equal(t, bits(want), bits(y), "%s %s in place", s.Name, w)
			}
		})
		t.Logf("%s at %v: largest error / bound %.3g; without γ and β, %.3g ulp", s.Name, l, worst, worstULP)
	})
}

func TestNormLong(t *testing.T) {
	if testing.Short() {
		t.Skip("long rows")
	}
	forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		r := kerneltest.Rand(seedOf(s.Name, 22))
		for _, n := range []int{65535, 65536, 65537, 1<<18 + 3} {
			x, gamma, beta, dst := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			normRow(r, x, 100, 3)
			kerneltest.Fill(r, gamma, -2, 2)
			kerneltest.Fill(r, beta, -1, 1)
			normCall(s, dst, x, gamma, beta, kernel.DefaultLayerNormEps)
			normError(t, s, fmt.Sprintf("n=%d", n), dst, x, gamma, beta, kernel.DefaultLayerNormEps)
		}
	})
}

func TestNormGuardPages(t *testing.T) {
	forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		fill := func(r *rand.Rand, x []float32) { normRow(r, x, 1, 2) }
		guarded(t, seedOf(s.Name, 23), 4, fill, func(what string, r *rand.Rand, end, start [][]float32) {
			want := make([]float32, len(end[0]))
			normCall(s, want, end[0], end[2], end[3], 1e-5)
			normError(t, s, what, want, end[0], end[2], end[3], 1e-5)
			for _, sl := range [][][]float32{end, start} {
				got := slices.Clone(want)
				normCall(s, sl[1], sl[0], sl[2], sl[3], 1e-5)
				copy(got, sl[1])
				normCall(s, sl[0], sl[0], sl[2], sl[3], 1e-5) // in place
				require.Equal(t, bits(got), bits(sl[0]), "%s %s in place", s.Name, what)
			}
		})
	})
}

func TestNormSpecialRows(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		layer := s.Class == kernel.ClassLayerNorm
		for _, n := range []int{1, 2, 7, 8, 9, 16, 33, 100, 300} {
			x, dst, gamma, beta := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			r := kerneltest.Rand(uint64(n))
			kerneltest.Fill(r, gamma, -2, 2)
			kerneltest.Fill(r, beta, -1, 1)
			// Constant rows: σ² = 0, so LayerNorm gives β exactly (0 without
			// affine), however large or small the constant.
			for _, c := range []float32{0, 1, -3.5, 1e30, -1e30, math.MaxFloat32, 1e-40, math.SmallestNonzeroFloat32} {
				for i := range x {
					x[i] = c
				}
				normCall(s, dst, x, gamma, beta, kernel.DefaultLayerNormEps)
				if layer {
					require.Equal(t, bits(beta), bits(dst), "%s of a row of %g", s.Name, c)
					normCall(s, dst, x, nil, nil, kernel.DefaultLayerNormEps)
					require.Equal(t, make([]float32, n), dst, "%s of a row of %g without affine", s.Name, c)
				} else {
					normError(t, s, fmt.Sprintf("row of %g", c), dst, x, gamma, nil, kernel.DefaultLayerNormEps)
				}
			}
			// Huge values (x² overflows float32) and tiny ones: exact
			// alternating rows normalise to ±1 (LayerNorm, even n; RMSNorm,
			// any n, eps 0).
			for _, c := range []float32{1e30, math.MaxFloat32, 1e-40, 1} {
				m := n
				if layer {
					m &^= 1
				}
				if m == 0 {
					continue
				}
				row, out := x[:m], dst[:m]
				for i := range row {
					row[i] = c
					if i%2 == 1 {
						row[i] = -c
					}
				}
				normCall(s, out, row, nil, nil, 0)
				for i, v := range out {
					require.Equal(t, float32(1-2*(i%2)), v, "%s of ±%g, n=%d, element %d", s.Name, c, m, i)
				}
			}
			// NaN or ±Inf anywhere: LayerNorm gives NaN everywhere;
			// RMSNorm gives NaN for NaN everywhere, and for ±Inf NaN there
			// and ±0 elsewhere (x·0), as torch.
			for _, bad := range []float32{nan, inf, -inf} {
				kerneltest.Fill(r, x, -1, 1)
				at := r.IntN(n)
				x[at] = bad
				normCall(s, dst, x, gamma, beta, kernel.DefaultLayerNormEps)
				for i, v := range dst {
					if layer || bad != bad || i == at {
						require.True(t, v != v, "%s with %g at %d: dst[%d] = %g", s.Name, bad, at, i, v)
					} else {
						require.Zero(t, v, "%s with %g at %d: dst[%d]", s.Name, bad, at, i)
					}
				}
			}
		}
		// Empty rows: nothing written, nothing read.
		normCall(s, nil, nil, nil, nil, 1e-5)
		normCall(s, []float32{}, []float32{}, []float32{}, []float32{}, 1e-5)
	})
}

func TestNormPanics(t *testing.T) {
	forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
		x := make([]float32, 8)
		buf := make([]float32, 16)
		cases := []struct {
			want             string
			dst, gamma, beta []float32
			layerOnly        bool
		}{
			{"len(dst)=7 != len(x)=8", make([]float32, 7), nil, nil, false},
			{"len(gamma)=9 != len(x)=8", make([]float32, 8), make([]float32, 9), nil, false},
			{"len(beta)=3 != len(x)=8", make([]float32, 8), nil, make([]float32, 3), true},
			{"dst", buf[:8], buf[4:12], nil, false},
			{"dst", buf[:8], nil, buf[:8], true},
		}
		for _, c := range cases {
			if c.layerOnly && s.Class == kernel.ClassRMSNorm {
				continue
			}
			msg := func() (m string) {
				defer func() { m = fmt.Sprint(recover()) }()
				normCall(s, c.dst, x, c.gamma, c.beta, 1e-5)
				return ""
			}()
			require.Contains(t, msg, "kernel."+s.Name+": ")
			require.Contains(t, msg, c.want)
		}
		// x partly overlapping dst.
		msg := func() (m string) {
			defer func() { m = fmt.Sprint(recover()) }()
			normCall(s, buf[1:9], buf[:8], nil, nil, 1e-5)
			return ""
		}()
		require.Contains(t, msg, "kernel."+s.Name+": ")
	})
}

func TestNormAllocs(t *testing.T) {
	x, g, b, dst := make([]float32, 256), make([]float32, 256), make([]float32, 256), make([]float32, 256)
	kerneltest.Fill(kerneltest.Rand(3), x, -1, 1)
	m := kernel.MatrixFrom(4, 64, x)
	allocs := testing.AllocsPerRun(20, func() {
		kernel.LayerNorm(dst, x, g, b, 1e-5)
		kernel.RMSNorm(dst, x, g, 1e-5)
		kernel.LayerNormRows(m, m, g[:64], b[:64], 1e-5)
		kernel.RMSNormRows(m, m, nil, 1e-5)
	})
	require.Zero(t, allocs)
}

// TestNormRows checks the matrix forms against the row kernels, with a
// stride wider than the rows.
func TestNormRows(t *testing.T) {
	r := kerneltest.Rand(24)
	x := kernel.NewMatrix(5, 40).Slice(0, 5, 3, 36)
	kerneltest.Fill(r, x.Data, -3, 3)
	g, b := make([]float32, 33), make([]float32, 33)
	kerneltest.Fill(r, g, -1, 1)
	kerneltest.Fill(r, b, -1, 1)
	dst := kernel.NewMatrix(5, 33)
	kernel.LayerNormRows(dst, x, g, b, 1e-5)
	want := make([]float32, 33)
	for i := range x.Rows {
		kernel.LayerNorm(want, x.Row(i), g, b, 1e-5)
		require.Equal(t, bits(want), bits(dst.Row(i)), "LayerNormRows row %d", i)
	}
	kernel.RMSNormRows(dst, x, g, 1e-6)
	for i := range x.Rows {
		kernel.RMSNorm(want, x.Row(i), g, 1e-6)
		require.Equal(t, bits(want), bits(dst.Row(i)), "RMSNormRows row %d", i)
	}
	require.Panics(t, func() { kernel.LayerNormRows(kernel.NewMatrix(5, 32), x, nil, nil, 1e-5) })
	require.Panics(t, func() { kernel.RMSNormRows(kernel.NewMatrix(4, 33), x, nil, 1e-5) })
}

func FuzzNorm(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf, 0, 0, 0x80, 0xff}, float32(1e-5))
	f.Add(make([]byte, 4*67), float32(0))
	big := make([]byte, 4*9)
	for i := range 9 {
		copy(big[4*i:], []byte{0xca, 0xf2, 0x49, 0x71}) // 1e30
	}
	f.Add(big, float32(1e-5))
	f.Fuzz(func(t *testing.T, raw []byte, eps float32) {
		x := kerneltest.FloatsFromBytes(raw)
		n := len(x) / 3
		row, gamma, beta := x[:n], x[n:2*n], x[2*n:3*n]
		if eps < 0 || eps != eps {
			eps = -eps
			if eps != eps {
				eps = 0
			}
		}
		forEachNorm(t, func(t *testing.T, s kernel.Spec, l kernel.Level) {
			dst := make([]float32, n)
			normCall(s, dst, row, gamma, beta, eps)
			for _, v := range slices.Concat(gamma, beta) {
				if math.IsInf(float64(v), 0) || v != v {
					return // the reference's ·γ + β of an Inf may differ by where the NaN arises
				}
			}
			normError(t, s, "fuzz", dst, row, gamma, beta, eps)
		})
	})
}

// TestNormAMD64LevelsAgree holds the AVX512 level's norm passes to the
// AVX2 level's bits: both sum the same sixteen lanes of doubles in the
// same order (ACCURACY.md), so Σx and Σ(x−m)² agree bit for bit, and so
// do LayerNorm's and RMSNorm's outputs, over every length up to 300 and
// long rows, every row kind and rows of every magnitude (where the sums
// round), unaligned starts, and rows with NaN or ±Inf.
func TestNormAMD64LevelsAgree(t *testing.T) {
	if !kernel.Supported(kernel.AVX2) || !kernel.Supported(kernel.AVX512) {
		t.Skip("needs the AVX2 and AVX512 levels")
	}
	type out struct {
		sum, dev uint64
		norms    [][]uint32
	}
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	specs := specsWhere(isNorm)
	run := func(x, gamma, beta []float32, m float64) out {
		o := out{sum: math.Float64bits(kernel.NormSum(x)), dev: math.Float64bits(kernel.NormSumSqDev(x, m))}
		for _, s := range specs {
			for _, gb := range [][2][]float32{{gamma, beta}, {gamma, nil}, {nil, beta}, {nil, nil}} {
				dst := make([]float32, len(x))
				normCall(s, dst, x, gb[0], gb[1], kernel.DefaultLayerNormEps)
				o.norms = append(o.norms, bits(dst))
			}
		}
		return o
	}
	at := func(l kernel.Level, x, gamma, beta []float32, m float64) out {
		restore, err := kernel.SetLevel(l)
		require.NoError(t, err)
		defer restore()
		return run(x, gamma, beta, m)
	}
	r := kerneltest.Rand(25)
	for _, n := range kerneltest.Lengths() {
		for _, off := range []int{0, 1, 3} {
			buf := make([]float32, n+off)
			x := buf[off:]
			k := normRowKinds[r.IntN(len(normRowKinds))]
			normRow(r, x, k[0], k[1])
			if r.IntN(2) == 0 {
				// Magnitudes 2^-40..2^40: the float64 sums round, so
				// their order shows in the bits.
				k = [2]float32{0, 0}
				for i := range x {
					x[i] = float32(math.Ldexp(r.Float64()-0.5, r.IntN(81)-40))
				}
			}
			gamma, beta := make([]float32, n), make([]float32, n)
			kerneltest.Fill(r, gamma, -2, 2)
			kerneltest.Fill(r, beta, -1, 1)
			m := float64(k[0]) + float64(k[1])*(r.Float64()-0.5)
			what := fmt.Sprintf("n=%d off=%d mu=%g sigma=%g", n, off, k[0], k[1])
			require.Equal(t, at(kernel.AVX2, x, gamma, beta, m), at(kernel.AVX512, x, gamma, beta, m), what)
			if n > 0 && r.IntN(4) == 0 {
				x[r.IntN(n)] = specials[r.IntN(len(specials))]
				require.Equal(t, at(kernel.AVX2, x, gamma, beta, m), at(kernel.AVX512, x, gamma, beta, m), what+" with a special")
			}
		}
	}
}
