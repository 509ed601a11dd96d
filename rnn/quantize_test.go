package rnn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// quantTol is the largest absolute difference allowed between a
// quantized network's outputs and the float network's in these tests:
// Input 12, Hidden 24, two layers, inputs in [−1, 1]. The measured
// largest difference over every cell and path is logged.
const quantTol = 2e-2

// randSeq returns a T×cols matrix of uniform values in [−1, 1].
func randSeq(r *rand.Rand, T, cols int) kernel.Matrix {
	m := kernel.NewMatrix(T, cols)
	for i := range m.Data {
		m.Data[i] = float32(2*r.Float64() - 1)
	}
	return m
}

// maxDiff returns max |a[i] − b[i]| over two equal-length slices.
func maxDiff(t *testing.T, a, b []float32) float64 {
	t.Helper()
	require.Equal(t, len(a), len(b))
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestQuantizedPaths runs every inference path of a quantized network of
// every cell (with and without a head) and compares each with the float
// network's Forward: Forward, ForwardState (from a nonzero state), Last,
// ForwardBatch, State.Step and BatchState.Step, the last two with zero
// allocations per step.
func TestQuantizedPaths(t *testing.T) {
	worst := 0.0
	for _, v := range cellVariants() {
		for _, head := range []int{0, 5} {
			cfg := v.set(Config{Input: 12, Hidden: 24, Layers: 2, Output: head, Bias: BiasPair})
			f, err := New(cfg, 3)
			require.NoError(t, err)
			q, err := f.Quantize()
			require.NoError(t, err)
			require.True(t, q.Quantized())
			require.False(t, f.Quantized())
			cfg = f.Config()
			r := rand.New(rand.NewPCG(3, 4))
			const T, B = 11, 3
			xs := []kernel.Matrix{randSeq(r, T, cfg.Input), randSeq(r, T, cfg.Input), randSeq(r, T, cfg.Input)}
			check := func(what string, got, want []float32) {
				d := maxDiff(t, got, want)
				worst = math.Max(worst, d)
				require.LessOrEqual(t, d, quantTol, "%s head %d: %s", v.name, head, what)
			}
			wantY, err := f.Forward(xs[0])
			require.NoError(t, err)
			y, err := q.Forward(xs[0])
			require.NoError(t, err)
			check("Forward", y.Data, wantY.Data)

			last, err := q.Last(xs[0])
			require.NoError(t, err)
			wantLast, err := f.Last(xs[0])
			require.NoError(t, err)
			check("Last", last, wantLast)

			init := f.NewStates()
			for i := range init.H.Data {
				init.H.Data[i] = float32(r.Float64() - 0.5)
			}
			for i := range init.C.Data {
				init.C.Data[i] = float32(r.Float64() - 0.5)
			}
			wantY, wantFin, err := f.ForwardState(xs[1], init)
			require.NoError(t, err)
			y, fin, err := q.ForwardState(xs[1], init)
			require.NoError(t, err)
			check("ForwardState", y.Data, wantY.Data)
			check("ForwardState h_n", fin.H.Data, wantFin.H.Data)
			check("ForwardState c_n", fin.C.Data, wantFin.C.Data)

			outs, err := q.ForwardBatch(xs)
			require.NoError(t, err)
			st, bs := q.NewState(), q.NewBatchState(B)
			xb, yb := kernel.NewMatrix(B, cfg.Input), kernel.NewMatrix(B, cfg.OutWidth())
			dst := make([]float32, cfg.OutWidth())
			for b, x := range xs {
				want, err := f.Forward(x)
				require.NoError(t, err)
				check("ForwardBatch", outs[b].Data, want.Data)
			}
			for s := range T {
				for b, x := range xs {
					copy(xb.Row(b), x.Row(s))
				}
				require.NoError(t, bs.Step(yb, xb))
				require.NoError(t, st.Step(dst, xs[0].Row(s)))
				check("State.Step", dst, wantRow(t, f, xs[0], s))
				for b, x := range xs {
					check("BatchState.Step", yb.Row(b), wantRow(t, f, x, s))
				}
			}
			require.Zero(t, testing.AllocsPerRun(50, func() { _ = st.Step(dst, xs[0].Row(0)) }), "%s State.Step", v.name)
			if !race.Enabled { // the pooled paths: sync.Pool drops items at random under -race
				require.Zero(t, testing.AllocsPerRun(20, func() { _ = bs.Step(yb, xb) }), "%s BatchState.Step", v.name)
			}
		}
	}
	t.Logf("largest |quantized − float| over every cell and path: %.3g", worst)
	require.Greater(t, worst, 0.0, "the quantized network returned the float network's values: its int8 weights did not run")
}

// wantRow returns row s of the float network's Forward over x.
func wantRow(t *testing.T, f *Net, x kernel.Matrix, s int) []float32 {
	y, err := f.Forward(x)
	require.NoError(t, err)
	return y.Row(s)
}

// TestQuantizedRefusesTraining: a quantized Net refuses Trace,
// TraceLast, Backward and Train, and an LM's LossGrad and Train, with
// ErrQuantized; Quantize refuses a quantized Net and weights holding NaN.
func TestQuantizedRefusesTraining(t *testing.T) {
	f, err := New(Config{Cell: LSTM, Input: 3, Hidden: 4, Output: 2}, 1)
	require.NoError(t, err)
	q, err := f.Quantize()
	require.NoError(t, err)
	x := kernel.NewMatrix(5, 3)
	_, err = q.Trace(x)
	require.ErrorIs(t, err, ErrQuantized)
	_, err = q.TraceLast(x)
	require.ErrorIs(t, err, ErrQuantized)
	tr, err := f.Trace(x)
	require.NoError(t, err)
	_, err = q.Backward(tr, kernel.NewMatrix(5, 2), q.NewGrad())
	require.ErrorIs(t, err, ErrQuantized)
	_, err = q.Train([]Sample{{X: x, Y: kernel.NewMatrix(5, 2)}}, TrainConfig{})
	require.ErrorIs(t, err, ErrQuantized)
	_, err = q.Quantize()
	require.ErrorIs(t, err, ErrQuantized)

	f.Cell(0, false).Whh.Data[3] = float32(math.NaN())
	_, err = f.Quantize()
	require.ErrorIs(t, err, ErrConfig)

	m, err := NewLM(LMConfig{Cell: GRU, Vocab: 10, Embed: 4, Hidden: 8}, 1)
	require.NoError(t, err)
	qm, err := m.Quantize()
	require.NoError(t, err)
	_, err = qm.LossGrad([]int{1, 2, 3}, qm.NewGrad(), 1, 0)
	require.ErrorIs(t, err, ErrQuantized)
	_, err = qm.Train([]int{1, 2, 3, 4}, LMTrainConfig{})
	require.ErrorIs(t, err, ErrQuantized)
	require.True(t, errors.Is(err, ErrQuantized))
}

// TestQuantizedLM: a quantized LM's Next, Perplexity, LMState.Step (zero
// allocations) and Generate run, close to the float LM's.
func TestQuantizedLM(t *testing.T) {
	for _, embed := range []int{0, 6} {
		m, err := NewLM(LMConfig{Cell: LSTM, Vocab: 17, Embed: embed, Hidden: 20, Layers: 2}, 2)
		require.NoError(t, err)
		q, err := m.Quantize()
		require.NoError(t, err)
		seq := []int{1, 5, 7, 2, 9, 16, 0, 3, 3, 8}
		want, err := m.Next(seq)
		require.NoError(t, err)
		got, err := q.Next(seq)
		require.NoError(t, err)
		require.LessOrEqual(t, maxDiff(t, got, want), 1e-2)
		pf, err := m.Perplexity(seq)
		require.NoError(t, err)
		pq, err := q.Perplexity(seq)
		require.NoError(t, err)
		require.InEpsilon(t, pf, pq, 1e-2)
		st := q.NewState()
		probs := make([]float32, 17)
		for _, tok := range seq {
			require.NoError(t, st.Step(probs, tok))
		}
		// Against the float model: Step's and Forward's float sums round
		// differently, and an activation on the other side of an int8
		// rounding boundary moves an output by a whole step.
		require.LessOrEqual(t, maxDiff(t, probs, want), 1e-2)
		require.Zero(t, testing.AllocsPerRun(50, func() { _ = st.Step(probs, 4) }))
		toks, err := q.Generate(seq[:3], 20, GenerateOptions{Temperature: 0.8, Seed: 1})
		require.NoError(t, err)
		require.Len(t, toks, 20)
	}
}
