package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/stretchr/testify/require"
)

const eps32 = 0x1p-24

func randMat(r *rand.Rand, rows, cols int) kernel.Matrix {
	m := kernel.NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(2*r.Float64() - 1)
	}
	return m
}

// randTarget returns targets suited to the output activation: one-hot
// rows for softmax, {0,1} for sigmoid, and U(-1,1) weights of a linear
// loss otherwise.
func randTarget(r *rand.Rand, a Activation, rows, cols int) kernel.Matrix {
	m := kernel.NewMatrix(rows, cols)
	for i := 0; i < rows; i++ {
		switch a {
		case Softmax:
			m.Set(i, r.IntN(cols), 1)
		case Sigmoid:
			for j := 0; j < cols; j++ {
				m.Set(i, j, float32(r.IntN(2)))
			}
		default:
			for j := 0; j < cols; j++ {
				m.Set(i, j, float32(2*r.Float64()-1))
			}
		}
	}
	return m
}

// fastGrad computes ∂J/∂logits with package loss (or the linear loss's
// gradient, the target itself) for the trace's outputs.
func fastDOut(cfg Config, tr *Trace, target kernel.Matrix) kernel.Matrix {
	d := kernel.NewMatrix(target.Rows, target.Cols)
	switch {
	case cfg.Output > 0 && cfg.OutputActivation == Softmax:
		loss.SoftmaxCrossEntropy(d, tr.Logits, target)
	case cfg.Output > 0 && cfg.OutputActivation == Sigmoid:
		loss.SigmoidBCE(d, tr.Logits, target)
	default:
		copy(d.Data, target.Data)
	}
	return d
}

// gradTol is the allowed error of a float32 gradient relative to the
// gradients' scale: a few float32 roundings per level of a pairwise-like
// accumulation of length n, i.e. growing with log2(n) (oneDNN's rule).
func gradTol(n int) float64 { return 16 * eps32 * (1 + math.Log2(float64(n))) }

type gcase struct {
	name string
	cfg  Config
	T    int
	last bool
	k    int // truncation window, 0 = full BPTT
}

// cellVariant is one cell with its settings, applied on top of a test
// case's Config.
type cellVariant = struct {
	name string
	set  func(c Config) Config
}

// cellVariants lists every cell with the settings a test sweeps: the
// Elman cell once per activation, LSTM with and without a projection,
// and GRU. Each variant's Config fields are applied on top of a case's.
func cellVariants() []cellVariant {
	type v = cellVariant
	vs := []v{}
	for _, act := range []Activation{Tanh, Sigmoid, ReLU} {
		vs = append(vs, v{act.String(), func(c Config) Config { c.Activation = act; return c }})
	}
	vs = append(vs,
		v{"lstm", func(c Config) Config { c.Cell = LSTM; return c }},
		v{"lstm-proj", func(c Config) Config { c.Cell, c.Proj = LSTM, c.Hidden-2; return c }},
		v{"gru", func(c Config) Config { c.Cell = GRU; return c }},
	)
	return vs
}

// allCases are the tests' topologies for every cell of allCellVariants:
// torch's cells and the variants (variant_test.go).
func allCases() []gcase { return casesOf(allCellVariants()) }

// casesOf returns every topology of the tests for each cell of vs.
func casesOf(vs []cellVariant) []gcase {
	var cs []gcase
	for _, v := range vs {
		a := v.name
		for _, c := range []gcase{
			{"many-to-many/" + a, Config{Input: 3, Hidden: 5, Output: 4, OutputActivation: Softmax}, 7, false, 0},
			{"many-to-one/" + a, Config{Input: 3, Hidden: 6, Output: 2, OutputActivation: Sigmoid, Bias: BiasPair}, 8, true, 0},
			{"bidirectional/" + a, Config{Input: 2, Hidden: 4, Layers: 2, Bidirectional: true, Output: 3, Bias: BiasPair}, 6, false, 0},
			{"bidirectional-last/" + a, Config{Input: 2, Hidden: 4, Bidirectional: true, Output: 3, OutputActivation: Softmax}, 5, true, 0},
			{"stacked-nohead/" + a, Config{Input: 4, Hidden: 5, Layers: 3, Bias: BiasNone}, 6, false, 0},
			{"stacked-bidir-nohead/" + a, Config{Input: 3, Hidden: 3, Layers: 2, Bidirectional: true}, 5, false, 0},
			{"truncated-k3/" + a, Config{Input: 3, Hidden: 4, Layers: 2, Output: 2, OutputActivation: Sigmoid, Bias: BiasPair}, 10, false, 3},
			{"truncated-bidir-k2/" + a, Config{Input: 2, Hidden: 3, Bidirectional: true, Output: 2, OutputActivation: Softmax}, 7, false, 2},
		} {
			c.cfg = v.set(c.cfg)
			cs = append(cs, c)
		}
	}
	return cs
}

// TestGradCheck compares Backward (float32) with central differences of
// the float64 reference loss, for every parameter and every input of
// every topology and activation. For truncated BPTT the reference is the
// forward pass with the states carried across window boundaries frozen,
// whose exact derivative is the truncated gradient.
func TestGradCheck(t *testing.T) {
	for ci, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			n, err := New(tc.cfg, uint64(100+ci))
			require.NoError(t, err)
			cfg := n.Config()
			xs := randMat(r, tc.T, cfg.Input)
			rows := tc.T
			if tc.last {
				rows = 1
			}
			target := randTarget(r, cfg.OutputActivation, rows, cfg.OutWidth())

			var tr *Trace
			if tc.last {
				tr, err = n.TraceLast(xs)
			} else {
				tr, err = n.Trace(xs)
			}
			require.NoError(t, err)
			g := n.NewGrad()
			dx, err := n.BackwardTruncated(tr, fastDOut(cfg, tr, target), g, tc.k)
			require.NoError(t, err)

			ref := toRef(n)
			x64, tg64 := toRefMat(xs), toRefMat(target)
			var frozen [][][]float64
			if tc.k > 0 {
				_, frozen = ref.layers(x64, 0, nil)
			}
			J := func() float64 {
				return refLoss(cfg.OutputActivation, ref.outputs(x64, tc.last, tc.k, frozen), tg64)
			}
			const h = 1e-5
			fd := func(v *float64) float64 {
				old := *v
				*v = old + h
				jp := J()
				*v = old - h
				jm := J()
				*v = old
				return (jp - jm) / (2 * h)
			}
			type pair struct {
				name      string
				got, want []float64
			}
			var all []pair
			for pi, p := range g.Params() {
				pr := pair{name: p.Name}
				for i := range p.Data {
					pr.got = append(pr.got, float64(p.Data[i]))
					pr.want = append(pr.want, fd(&ref.p[pi][i]))
				}
				all = append(all, pr)
			}
			px := pair{name: "input"}
			for i := range x64 {
				for j := range x64[i] {
					px.got = append(px.got, float64(dx.At(i, j)))
					px.want = append(px.want, fd(&x64[i][j]))
				}
			}
			all = append(all, px)

			// Scale: the RMS of all reference gradients.
			var ss float64
			var cnt int
			for _, pr := range all {
				for _, w := range pr.want {
					ss += w * w
					cnt++
				}
			}
			scale := math.Sqrt(ss / float64(cnt))
			require.Greater(t, scale, 1e-4, "gradients vanish: the check would be vacuous")
			tol := gradTol(tc.T * max(cfg.Width(), cfg.Input, cfg.OutWidth()))
			worst := 0.0
			for _, pr := range all {
				nonzero := false
				for i := range pr.got {
					e := math.Abs(pr.got[i]-pr.want[i]) / (math.Abs(pr.want[i]) + scale)
					worst = max(worst, e)
					if e > tol {
						t.Errorf("%s[%d]: Backward %.9g, central difference %.9g (err %.3g > tol %.3g)", pr.name, i, pr.got[i], pr.want[i], e, tol)
					}
					nonzero = nonzero || pr.want[i] != 0
				}
				if !nonzero && cfg.Activation != ReLU {
					t.Errorf("%s: all reference gradients are zero", pr.name)
				}
			}
			t.Logf("worst relative error %.3g (tol %.3g)", worst, tol)
		})
	}
}

// TestForwardMatchesReference checks Forward, Last, ForwardBatch and
// Step against the float64 reference.
func TestForwardMatchesReference(t *testing.T) {
	for ci, tc := range allCases() {
		if tc.k != 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 9))
			n, err := New(tc.cfg, uint64(200+ci))
			require.NoError(t, err)
			cfg := n.Config()
			const B = 3
			xs := make([]kernel.Matrix, B)
			for b := range xs {
				xs[b] = randMat(r, tc.T, cfg.Input)
			}
			ref := toRef(n)
			tol := 8 * eps32 * (1 + math.Log2(float64(max(cfg.Width(), cfg.Input))))
			near := func(what string, got []float32, want []float64) {
				require.Len(t, got, len(want), what)
				for i := range want {
					require.InDelta(t, want[i], got[i], tol*(1+math.Abs(want[i])), "%s[%d]", what, i)
				}
			}
			batch, err := n.ForwardBatch(xs)
			require.NoError(t, err)
			for b, x := range xs {
				x64 := toRefMat(x)
				want := refActivated(cfg.OutputActivation, ref.outputs(x64, false, 0, nil))
				y, err := n.Forward(x)
				require.NoError(t, err)
				require.Equal(t, [2]int{tc.T, cfg.OutWidth()}, [2]int{y.Rows, y.Cols})
				for s := 0; s < tc.T; s++ {
					near(fmt.Sprintf("Forward seq %d row %d", b, s), y.Row(s), want[s])
					near(fmt.Sprintf("ForwardBatch seq %d row %d", b, s), batch[b].Row(s), want[s])
				}
				last, err := n.Last(x)
				require.NoError(t, err)
				near("Last", last, refActivated(cfg.OutputActivation, ref.outputs(x64, true, 0, nil))[0])
				if !cfg.Bidirectional {
					st := n.NewState()
					dst := make([]float32, cfg.OutWidth())
					for s := 0; s < tc.T; s++ {
						require.NoError(t, st.Step(dst, x.Row(s)))
						near(fmt.Sprintf("Step %d", s), dst, want[s])
					}
				}
			}
		})
	}
}
