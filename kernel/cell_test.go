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

// The recurrent cells' suite: LSTMCell and GRUCell (the table's
// ClassLSTMCell and ClassGRUCell rows), at every level, against their
// float64 references in package ref, each result within the Composed
// bound (kerneltest.LSTMBound, GRUBound: the activations' Contract.ULP
// carried through the stated float32 order): lengths 0..300 and past the chunks, element
// offsets, the in-place forms, guard pages, NaN guard bands, special and
// saturating values, panics, allocations, and a fuzz target.

// isCell reports whether s belongs to the cell family.
func isCell(s kernel.Spec) bool {
	return s.Class == kernel.ClassLSTMCell || s.Class == kernel.ClassGRUCell
}

// cellFn is one cell under test, its four operands in the order of its
// signature.
type cellFn struct {
	kernel.Spec
	names [4]string
	mult  [4]int  // each operand's length in units of n
	in    [4]bool // the operands the cell reads
	// the operands that may be the same slice: an output and the input
	// it replaces (LSTMCell's c and cPrev, GRUCell's h and hPrev)
	alias [2]int
	call  func(ops [4][]float32)
	// check holds the results (after) of the call on the inputs (before)
	// to the contract.
	check func(t *testing.T, f cellFn, what string, before, after [4][]float32)
}

// cellFns returns the cell rows of the table.
func cellFns(t testing.TB) []cellFn {
	var out []cellFn
	for _, s := range specsWhere(isCell) {
		switch s.Class {
		case kernel.ClassLSTMCell:
			out = append(out, cellFn{Spec: s, names: [4]string{"h", "c", "cPrev", "gates"},
				mult: [4]int{1, 1, 1, 4}, in: [4]bool{false, false, true, true}, alias: [2]int{1, 2},
				call:  func(o [4][]float32) { s.LSTMCell(o[0], o[1], o[2], o[3]) },
				check: checkLSTM})
		case kernel.ClassGRUCell:
			out = append(out, cellFn{Spec: s, names: [4]string{"h", "hPrev", "xg", "hg"},
				mult: [4]int{1, 1, 3, 3}, in: [4]bool{false, true, true, true}, alias: [2]int{0, 1},
				call:  func(o [4][]float32) { s.GRUCell(o[0], o[1], o[2], o[3]) },
				check: checkGRU})
		default:
			t.Fatalf("%s: a cell of class %s", s.Name, s.Class)
		}
	}
	return out
}

// cellCheck fails the test at the first result of a cell that breaks
// the contract.
func cellCheck(t *testing.T, f cellFn, what string) func(kerneltest.CellResult) {
	return func(r kerneltest.CellResult) {
		if !r.OK {
			t.Helper()
			t.Fatalf("%s %s: %v", f.Name, what, r)
		}
	}
}

// checkLSTM holds LSTMCell's results to its reference and bound.
func checkLSTM(t *testing.T, f cellFn, what string, before, after [4][]float32) {
	t.Helper()
	kerneltest.CheckLSTM(f.Contract.ULP, before[2], before[3], after[0], after[1], after[3], cellCheck(t, f, what))
}

// checkGRU holds GRUCell's results to its reference and bound, and hg
// unchanged.
func checkGRU(t *testing.T, f cellFn, what string, before, after [4][]float32) {
	t.Helper()
	require.Equal(t, bits(before[3]), bits(after[3]), "%s %s changed hg", f.Name, what)
	kerneltest.CheckGRU(f.Contract.ULP, before[1], before[2], before[3], after[0], after[2], cellCheck(t, f, what))
}

// fillCell fills a cell's input operand: pre-activations mostly in
// [−8, 8), some in [−120, 120) (saturation, σ's subnormal tail), states
// mostly in [−3, 3), some up to ±1000; and now and then a special value.
func fillCell(r *rand.Rand, x []float32, gates bool) {
	lo, hi := float32(-3), float32(3)
	if gates {
		lo, hi = -8, 8
	}
	for i := range x {
		switch r.IntN(32) {
		case 0:
			x[i] = kerneltest.Specials[r.IntN(len(kerneltest.Specials))]
		case 1, 2:
			x[i] = 1000 * (2*r.Float32() - 1)
			if gates {
				x[i] = 120 * (2*r.Float32() - 1)
			}
		default:
			x[i] = lo + (hi-lo)*r.Float32()
		}
	}
}

// fill sets the inputs of ops from r.
func (f cellFn) fill(r *rand.Rand, ops [4][]float32) {
	for i, s := range ops {
		if f.in[i] {
			fillCell(r, s, f.mult[i] > 1)
		}
	}
}

// clone copies the four operands.
func clone4(ops [4][]float32) [4][]float32 {
	var c [4][]float32
	for i := range ops {
		c[i] = slices.Clone(ops[i])
	}
	return c
}

func TestCellLengthsOffsets(t *testing.T) {
	for _, f := range cellFns(t) {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				r := kerneltest.Rand(seedOf(f.Name, 3))
				for _, n := range kerneltest.Lengths() {
					for off := 0; off < kerneltest.MaxOffset; off += 1 + 4*(n/64) {
						var bands [4]*kerneltest.Banded
						var ops [4][]float32
						for i := range ops {
							bands[i] = kerneltest.NewBanded(f.mult[i]*n, (off*(2*i+1)+i)%kerneltest.MaxOffset)
							ops[i] = bands[i].S()
						}
						f.fill(r, ops)
						before := clone4(ops)
						what := fmt.Sprintf("n=%d off=%d", n, off)
						f.call(ops)
						f.check(t, f, what, before, ops)
						a, b := f.alias[0], f.alias[1]
						require.Equal(t, bits(before[b]), bits(ops[b]), "%s %s changed %s", f.Name, what, f.names[b])
						// In place: the same results, bit for bit.
						want := clone4(ops)
						copy(ops[b], before[b])
						for i := range ops {
							if i != a && i != b && f.in[i] {
								copy(ops[i], before[i])
							}
						}
						inPlace := ops
						inPlace[a] = ops[b]
						f.call(inPlace)
						for i := range ops {
							if i != a && i != b {
								require.Equal(t, bits(want[i]), bits(inPlace[i]), "%s %s in place: %s", f.Name, what, f.names[i])
							}
						}
						require.Equal(t, bits(want[a]), bits(inPlace[a]), "%s %s in place: %s", f.Name, what, f.names[a])
						for _, bd := range bands {
							bd.Check(t, what)
						}
					}
				}
			})
		})
	}
}

func TestCellGuardPages(t *testing.T) {
	for _, f := range cellFns(t) {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				r := kerneltest.Rand(seedOf(f.Name, 4))
				for _, n := range kerneltest.Lengths() {
					var end, start, plain [4][]float32
					for i := range end {
						end[i], start[i] = kerneltest.Guarded(t, f.mult[i]*n)
						plain[i] = make([]float32, f.mult[i]*n)
					}
					f.fill(r, plain)
					want := clone4(plain)
					f.call(want)
					what := fmt.Sprintf("n=%d", n)
					for _, g := range [][4][]float32{end, start} {
						for i := range g {
							copy(g[i], plain[i])
						}
						kerneltest.NoFault(t, what, func() { f.call(g) })
						for i := range g {
							require.Equal(t, bits(want[i]), bits(g[i]), "%s %s guarded: %s", f.Name, what, f.names[i])
						}
					}
					// In place, against the guard pages.
					a, b := f.alias[0], f.alias[1]
					for _, g := range [][4][]float32{end, start} {
						for i := range g {
							copy(g[i], plain[i])
						}
						g[a] = g[b]
						kerneltest.NoFault(t, what, func() { f.call(g) })
						require.Equal(t, bits(want[a]), bits(g[a]), "%s %s guarded in place: %s", f.Name, what, f.names[a])
					}
				}
			})
		})
	}
}

// TestCellSpecials runs each cell on every combination of two special
// values in its inputs (the others at a special value too), one unit per
// combination, and holds the results to the contract.
func TestCellSpecials(t *testing.T) {
	for _, f := range cellFns(t) {
		t.Run(f.Name, func(t *testing.T) {
			kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
				// Per unit the cell reads Σ mult over its inputs values:
				// vary each pair of them over kerneltest.CellSpecials.
				var slots int
				for i := range f.mult {
					if f.in[i] {
						slots += f.mult[i]
					}
				}
				m := len(kerneltest.CellSpecials)
				n := slots * (slots - 1) / 2 * m * m
				var ops [4][]float32
				for i := range ops {
					ops[i] = make([]float32, f.mult[i]*n)
				}
				unit := 0
				for p := range slots {
					for q := p + 1; q < slots; q++ {
						for a := range m {
							for b := range m {
								vals := make([]float32, slots)
								for s := range vals {
									vals[s] = kerneltest.CellSpecials[(unit+3*s)%m]
								}
								vals[p], vals[q] = kerneltest.CellSpecials[a], kerneltest.CellSpecials[b]
								s := 0
								for i := range ops {
									for j := 0; f.in[i] && j < f.mult[i]; j++ {
										ops[i][j*n+unit] = vals[s]
										s++
									}
								}
								unit++
							}
						}
					}
				}
				before := clone4(ops)
				f.call(ops)
				f.check(t, f, "specials", before, ops)
			})
		})
	}
}

// TestCellSaturated checks exact results where the gates saturate: σ
// gives exactly 0 or 1 and tanh exactly ±1, so the cells' arithmetic is
// exact.
func TestCellSaturated(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		// i = 1, f = 0, g = −1, o = 1: c = −1, h = tanh(−1).
		h, c := make([]float32, 2), []float32{5, inf}
		gates := []float32{1e30, inf, -200, -inf, -1e30, -inf, 100, 1e30}
		kernel.LSTMCell(h, c, c, gates)
		require.Equal(t, bits([]float32{1, 1, 0, 0, -1, -1, 1, 1}), bits(gates))
		require.Equal(t, float32(-1), c[0])
		require.True(t, c[1] != c[1], "f = σ(−Inf) = 0 times cPrev = +Inf: %g", c[1])
		want := []float32{-1}
		kernel.Tanh(want, want)
		require.Equal(t, want[0], h[0])
		// r = 1, z = 0: h = m = tanh(xn + hn); z = 1: h = hPrev exactly.
		hg := []float32{0, 0, 0, 0, 0.25, -7}
		xg := []float32{1e30, 200, -1e30, 1e30, 0.5, 3}
		hs := []float32{2, -0.75}
		kernel.GRUCell(hs, hs, xg, hg)
		require.Equal(t, bits([]float32{1, 1, 0, 1}), bits(xg[:4]))
		want = []float32{0.75}
		kernel.Tanh(want, want)
		require.Equal(t, want[0], hs[0])
		require.Equal(t, float32(-0.75), hs[1])
	})
}

func TestCellPanics(t *testing.T) {
	v := func(n int) []float32 { return make([]float32, n) }
	buf := v(64)
	cases := []struct {
		name, msg string
		call      func()
	}{
		{"LSTMCell h", "kernel.LSTMCell: len(h)=3, len(c)=4, len(cPrev)=4, len(gates)=16: want len(h) = len(c) = len(cPrev) = len(gates)/4", func() { kernel.LSTMCell(v(3), v(4), v(4), v(16)) }},
		{"LSTMCell cPrev", "kernel.LSTMCell: len(h)=4, len(c)=4, len(cPrev)=5, len(gates)=16: want len(h) = len(c) = len(cPrev) = len(gates)/4", func() { kernel.LSTMCell(v(4), v(4), v(5), v(16)) }},
		{"LSTMCell gates", "kernel.LSTMCell: len(h)=4, len(c)=4, len(cPrev)=4, len(gates)=12: want len(h) = len(c) = len(cPrev) = len(gates)/4", func() { kernel.LSTMCell(v(4), v(4), v(4), v(12)) }},
		{"LSTMCell h=c", "kernel.LSTMCell: h overlaps c", func() { kernel.LSTMCell(buf[:4], buf[:4], v(4), v(16)) }},
		{"LSTMCell c~cPrev", "kernel.LSTMCell: c overlaps cPrev", func() { kernel.LSTMCell(v(4), buf[:4], buf[1:5], v(16)) }},
		{"LSTMCell gates~c", "kernel.LSTMCell: c overlaps gates", func() { kernel.LSTMCell(v(4), buf[:4], v(4), buf[3:19]) }},
		{"GRUCell hPrev", "kernel.GRUCell: len(h)=4, len(hPrev)=3, len(xg)=12, len(hg)=12: want len(h) = len(hPrev) = len(xg)/3 = len(hg)/3", func() { kernel.GRUCell(v(4), v(3), v(12), v(12)) }},
		{"GRUCell xg", "kernel.GRUCell: len(h)=4, len(hPrev)=4, len(xg)=11, len(hg)=12: want len(h) = len(hPrev) = len(xg)/3 = len(hg)/3", func() { kernel.GRUCell(v(4), v(4), v(11), v(12)) }},
		{"GRUCell hg", "kernel.GRUCell: len(h)=4, len(hPrev)=4, len(xg)=12, len(hg)=13: want len(h) = len(hPrev) = len(xg)/3 = len(hg)/3", func() { kernel.GRUCell(v(4), v(4), v(12), v(13)) }},
		{"GRUCell h~hPrev", "kernel.GRUCell: h overlaps hPrev", func() { kernel.GRUCell(buf[1:5], buf[:4], v(12), v(12)) }},
		{"GRUCell xg=hg", "kernel.GRUCell: xg overlaps hg", func() { kernel.GRUCell(v(4), v(4), buf[:12], buf[:12]) }},
		{"GRUCell h~xg", "kernel.GRUCell: h overlaps xg", func() { kernel.GRUCell(buf[8:12], v(4), buf[:12], v(12)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.PanicsWithValue(t, c.msg, c.call)
		})
	}
	// Valid: empty, and in place.
	kernel.LSTMCell(nil, nil, nil, nil)
	kernel.GRUCell(nil, nil, nil, nil)
	kernel.LSTMCell(v(4), buf[:4], buf[:4], v(16))
	kernel.GRUCell(buf[:4], buf[:4], v(12), v(12))
}

func TestCellAllocs(t *testing.T) {
	for _, f := range cellFns(t) {
		var ops [4][]float32
		for i := range ops {
			ops[i] = make([]float32, f.mult[i]*1000)
		}
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			require.Zero(t, testing.AllocsPerRun(100, func() { f.call(ops) }), f.Name)
		})
	}
}

// fuzzCellInput runs the cell chosen by which on the float32 values of
// raw, as many units as they fill, at every level.
func fuzzCellInput(t *testing.T, fns []cellFn, which uint8, raw []byte) {
	f := fns[int(which)%len(fns)]
	vals := kerneltest.FloatsFromBytes(raw)
	per := 0
	for i := range f.mult {
		if f.in[i] {
			per += f.mult[i]
		}
	}
	n := len(vals) / per
	var ops [4][]float32
	for i := range ops {
		ops[i] = make([]float32, f.mult[i]*n)
		if f.in[i] {
			vals = vals[copy(ops[i], vals):]
		}
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		o := clone4(ops)
		f.call(o)
		f.check(t, f, "fuzz", ops, o)
	})
}

// FuzzCell fuzzes both cells, the first byte choosing the cell.
func FuzzCell(f *testing.F) {
	fns := cellFns(f)
	for i := range fns {
		f.Add(uint8(i), []byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xbf, 0xbc, 0x03, 0x8e, 0x42, 0x55, 0x55, 0xd0, 0xc2,
			0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff, 1, 0, 0, 0})
		f.Add(uint8(i), make([]byte, 4*7*9))
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) { fuzzCellInput(t, fns, which, raw) })
}

// fmaEither reports whether got is a·b + c rounded once (a SIMD level's
// fused multiply-add) or rounded through float64 first (the generic
// level's fma32, which differs only at exact float32 ties).
func fmaEither(got, a, b, c float32) bool {
	return sameFloat(got, float32(math.FMA(float64(a), float64(b), float64(c)))) ||
		sameFloat(got, float32(float64(a)*float64(b)+float64(c)))
}

// TestCellIsItsSteps checks, at every level, that each cell computes
// exactly the float32 steps its doc comment states with that level's own
// Sigmoid and Tanh: the activated gates are those kernels' results bit
// for bit, and every later result is the stated operation on the
// computed values, rounded once. So the levels differ only where their
// Sigmoid and Tanh do.
func TestCellIsItsSteps(t *testing.T) {
	const n = 1000
	r := kerneltest.Rand(9)
	act := func(f func(dst, src []float32), x []float32) []float32 {
		y := make([]float32, len(x))
		f(y, x)
		return y
	}
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		pre, cPrev := make([]float32, 4*n), make([]float32, n)
		fillCell(r, pre, true)
		fillCell(r, cPrev, false)
		gates, h, c := slices.Clone(pre), make([]float32, n), make([]float32, n)
		kernel.LSTMCell(h, c, cPrev, gates)
		sig, th := act(kernel.Sigmoid, pre), act(kernel.Tanh, pre)
		for k := range n {
			for j, want := range []float32{sig[k], sig[n+k], th[2*n+k], sig[3*n+k]} {
				require.True(t, sameFloat(gates[j*n+k], want), "LSTMCell gate %d of unit %d: %g, level's activation %g", j, k, gates[j*n+k], want)
			}
			i, f, g, o := gates[k], gates[n+k], gates[2*n+k], gates[3*n+k]
			require.True(t, fmaEither(c[k], f, cPrev[k], i*g), "LSTMCell c[%d] = %g: f=%g cPrev=%g i·g=%g", k, c[k], f, cPrev[k], i*g)
			require.True(t, sameFloat(h[k], o*act(kernel.Tanh, c[k:k+1])[0]), "LSTMCell h[%d] = %g", k, h[k])
		}

		xg, hg, hPrev := make([]float32, 3*n), make([]float32, 3*n), make([]float32, n)
		fillCell(r, xg, true)
		fillCell(r, hg, true)
		fillCell(r, hPrev, false)
		out, hs := slices.Clone(xg), make([]float32, n)
		kernel.GRUCell(hs, hPrev, out, hg)
		sums := make([]float32, 2*n)
		for k := range sums {
			sums[k] = xg[k] + hg[k]
		}
		sig = act(kernel.Sigmoid, sums)
		for k := range n {
			rk, z, m := out[k], out[n+k], out[2*n+k]
			require.True(t, sameFloat(rk, sig[k]) && sameFloat(z, sig[n+k]), "GRUCell r, z of unit %d: %g, %g; level's σ %g, %g", k, rk, z, sig[k], sig[n+k])
			// m = tanh of an FMA: the one the level took is the one whose
			// tanh matches.
			a1 := []float32{float32(math.FMA(float64(rk), float64(hg[2*n+k]), float64(xg[2*n+k]))),
				float32(float64(rk)*float64(hg[2*n+k]) + float64(xg[2*n+k]))}
			tm := act(kernel.Tanh, a1)
			require.True(t, sameFloat(m, tm[0]) || sameFloat(m, tm[1]), "GRUCell m[%d] = %g, level's tanh %g", k, m, tm[0])
			require.True(t, fmaEither(hs[k], z, hPrev[k]-m, m), "GRUCell h[%d] = %g: z=%g hPrev=%g m=%g", k, hs[k], z, hPrev[k], m)
		}
	})
}
