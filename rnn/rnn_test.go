package rnn

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/loss"
	"github.com/stretchr/testify/require"
)

func TestStepAllocatesNothing(t *testing.T) {
	for _, cfg := range []Config{
		{Input: 16, Hidden: 32, Layers: 2, Output: 8, OutputActivation: Softmax},
		{Input: 16, Hidden: 32, Activation: ReLU, Bias: BiasPair},
		{Input: 16, Hidden: 32, Output: 3, OutputActivation: Sigmoid, Activation: Sigmoid, Bias: BiasNone},
		{Cell: LSTM, Input: 16, Hidden: 32, Layers: 2, Output: 8, OutputActivation: Softmax},
		{Cell: LSTM, Input: 16, Hidden: 32, Proj: 8, Layers: 2, Bias: BiasPair},
		{Cell: GRU, Input: 16, Hidden: 32, Layers: 2, Output: 3, Bias: BiasPair},
		{Cell: GRU, Input: 16, Hidden: 32, Bias: BiasNone},
		{Cell: GRU, Input: 16, Hidden: 32, Layers: 2, Output: 3, Bias: BiasPair, ResetBefore: true, Clip: 2},
		{Cell: LSTM, Input: 16, Hidden: 32, Layers: 2, Bias: BiasPair, Peepholes: true, InputForget: true, Clip: 2},
		{Input: 16, Hidden: 32, Bias: BiasPair, Clip: 2},
	} {
		n, err := New(cfg, 1)
		require.NoError(t, err)
		st := n.NewState()
		x := make([]float32, cfg.Input)
		dst := make([]float32, n.Config().OutWidth())
		allocs := testing.AllocsPerRun(100, func() {
			if err := st.Step(dst, x); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, "%+v", cfg)
	}
	m, err := NewLM(LMConfig{Vocab: 20, Hidden: 16}, 1)
	require.NoError(t, err)
	ls := m.NewState()
	probs := make([]float32, 20)
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = ls.Step(probs, 3) }))
}

func TestShapeErrors(t *testing.T) {
	n, err := New(Config{Input: 3, Hidden: 4, Output: 2}, 1)
	require.NoError(t, err)
	bad := kernel.NewMatrix(5, 4)
	check := func(err error, want string) {
		t.Helper()
		require.Error(t, err)
		require.True(t, errors.Is(err, ErrShape), "%v", err)
		require.Contains(t, err.Error(), want)
	}
	_, err = n.Forward(bad)
	check(err, "input is 5×4, want T×3")
	_, err = n.Last(bad)
	check(err, "5×4")
	_, err = n.Last(kernel.NewMatrix(0, 3))
	check(err, "T=0")
	_, err = n.ForwardBatch([]kernel.Matrix{kernel.NewMatrix(5, 3), kernel.NewMatrix(6, 3)})
	check(err, "sequence 1 has T=6, sequence 0 has T=5")
	_, err = n.Trace(bad)
	check(err, "5×4")
	_, err = n.Forward(kernel.Matrix{Rows: 3, Cols: 3, Stride: 3, Data: make([]float32, 5)})
	check(err, "malformed")
	st := n.NewState()
	check(st.Step(make([]float32, 2), make([]float32, 4)), "len(x)=4, want Config.Input=3")
	check(st.Step(make([]float32, 3), make([]float32, 3)), "len(dst)=3, want 2")
	tr, err := n.Trace(kernel.NewMatrix(5, 3))
	require.NoError(t, err)
	_, err = n.Backward(tr, kernel.NewMatrix(4, 2), n.NewGrad())
	check(err, "dOut is 4×2, want 5×2")
	other, _ := New(Config{Input: 3, Hidden: 5, Output: 2}, 1)
	_, err = n.Backward(tr, kernel.NewMatrix(5, 2), other.NewGrad())
	check(err, "grad")

	bi, _ := New(Config{Input: 3, Hidden: 4, Bidirectional: true}, 1)
	require.ErrorIs(t, bi.NewState().Step(make([]float32, 8), make([]float32, 3)), ErrNotCausal)

	for _, cfg := range []Config{{Input: 0, Hidden: 3}, {Input: 2, Hidden: 3, Activation: Softmax},
		{Input: 2, Hidden: 3, Output: 2, OutputActivation: ReLU}, {Input: 2, Hidden: 3, OutputActivation: Sigmoid},
		{Input: 2, Hidden: 3, Bias: 7}} {
		_, err := New(cfg, 1)
		require.ErrorIs(t, err, ErrConfig, "%+v", cfg)
	}

	m, _ := NewLM(LMConfig{Vocab: 5, Embed: 3, Hidden: 4}, 1)
	_, err = m.Next([]int{1, 5})
	check(err, "token 5 at position 1 is outside the vocabulary [0,5)")
	_, err = m.Next(nil)
	check(err, "empty prefix")
	_, err = m.Perplexity([]int{1})
	check(err, "at least 2")
	_, err = m.Generate([]int{-1}, 3, GenerateOptions{})
	check(err, "token -1")
}

// TestConcurrentInference runs Forward, Last and private States on one
// shared Net from several goroutines; under -race it proves the Net is
// only read. Every goroutine must reproduce the single-threaded result.
func TestConcurrentInference(t *testing.T) {
	for _, v := range allCellVariants() {
		t.Run(v.name, func(t *testing.T) {
			testConcurrentInference(t, v.set(Config{Input: 8, Hidden: 16, Layers: 2, Output: 4, OutputActivation: Softmax}))
		})
	}
}

// testConcurrentInference runs Forward and State.Step of one Net from 8
// goroutines (run under the race detector in CI).
func testConcurrentInference(t *testing.T, cfg Config) {
	n, err := New(cfg, 5)
	require.NoError(t, err)
	xs := randMat(rand.New(rand.NewPCG(5, 5)), 20, 8)
	want, err := n.Forward(xs)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := n.NewState()
			dst := make([]float32, 4)
			for it := 0; it < 5; it++ {
				y, err := n.Forward(xs)
				if err != nil {
					errs <- err
					return
				}
				for i := range y.Data {
					if y.Data[i] != want.Data[i] {
						errs <- errors.New("Forward differs between goroutines")
						return
					}
				}
				st.Reset()
				for t0 := 0; t0 < xs.Rows; t0++ {
					if err := st.Step(dst, xs.Row(t0)); err != nil {
						errs <- err
						return
					}
				}
				for i, v := range dst {
					if math.Abs(float64(v-want.At(xs.Rows-1, i))) > 1e-5 {
						errs <- errors.New("Step differs from Forward")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLMGradCheck checks the LM's gradients, embedding included, with
// central differences of a float64 reference.
func TestLMGradCheck(t *testing.T) {
	for _, embed := range []int{0, 4} {
		m, err := NewLM(LMConfig{Vocab: 6, Embed: embed, Hidden: 5, Layers: 2, Bias: BiasPair}, 9)
		require.NoError(t, err)
		seq := []int{1, 4, 0, 5, 2, 2, 3, 1}
		g := m.NewGrad()
		J32, err := m.LossGrad(seq, g, 1, 0)
		require.NoError(t, err)
		ref := toRef(m.Net)
		var emb []float64
		for _, v := range m.Embed.Data {
			emb = append(emb, float64(v))
		}
		J := func() float64 {
			in := seq[:len(seq)-1]
			xs := make([][]float64, len(in))
			tg := make([][]float64, len(in))
			for t0, tok := range in {
				if embed == 0 {
					xs[t0] = make([]float64, 6)
					xs[t0][tok] = 1
				} else {
					xs[t0] = append([]float64(nil), emb[tok*embed:(tok+1)*embed]...)
				}
				tg[t0] = make([]float64, 6)
				tg[t0][seq[t0+1]] = 1
			}
			return refLoss(Softmax, ref.outputs(xs, false, 0, nil), tg)
		}
		require.InDelta(t, J(), J32, 1e-5*J())
		fd := func(v *float64) float64 {
			const h = 1e-5
			old := *v
			*v = old + h
			jp := J()
			*v = old - h
			jm := J()
			*v = old
			return (jp - jm) / (2 * h)
		}
		var got, want []float64
		gp := g.Params()
		off := 0
		if embed > 0 {
			for i := range emb {
				got = append(got, float64(gp[0].Data[i]))
				want = append(want, fd(&emb[i]))
			}
			off = 1
		}
		for pi := range ref.p {
			for i := range ref.p[pi] {
				got = append(got, float64(gp[pi+off].Data[i]))
				want = append(want, fd(&ref.p[pi][i]))
			}
		}
		var ss float64
		for _, w := range want {
			ss += w * w
		}
		scale := math.Sqrt(ss / float64(len(want)))
		tol := gradTol(len(seq) * 10)
		for i := range got {
			require.LessOrEqual(t, math.Abs(got[i]-want[i])/(math.Abs(want[i])+scale), tol, "embed=%d param %d: %g vs %g", embed, i, got[i], want[i])
		}
	}
}

// TestLMConsistency: LogProb equals the sum of log Next, and
// Perplexity is exp of the mean negative log-probability.
func TestLMConsistency(t *testing.T) {
	m, err := NewLM(LMConfig{Vocab: 7, Embed: 3, Hidden: 6}, 3)
	require.NoError(t, err)
	seq := []int{3, 1, 4, 1, 5, 6, 2}
	lp, err := m.LogProb(seq)
	require.NoError(t, err)
	var sum float64
	for t0 := 1; t0 < len(seq); t0++ {
		p, err := m.Next(seq[:t0])
		require.NoError(t, err)
		var s float64
		for _, v := range p {
			s += float64(v)
		}
		require.InDelta(t, 1, s, 1e-5)
		sum += math.Log(float64(p[seq[t0]]))
	}
	require.InDelta(t, sum, lp, 1e-4)
	pp, err := m.Perplexity(seq)
	require.NoError(t, err)
	require.InDelta(t, math.Exp(-lp/6), pp, 1e-9)

	// Generation: reproducible for a seed; top-k=1 is greedy.
	a, err := m.Generate([]int{1}, 20, GenerateOptions{Temperature: 1, Seed: 7})
	require.NoError(t, err)
	b, _ := m.Generate([]int{1}, 20, GenerateOptions{Temperature: 1, Seed: 7})
	require.Equal(t, a, b)
	g1, _ := m.Generate([]int{1}, 20, GenerateOptions{Temperature: 1, TopK: 1, Seed: 3})
	g0, _ := m.Generate([]int{1}, 20, GenerateOptions{})
	require.Equal(t, g0, g1)
	// Greedy generation follows Next's argmax.
	p, _ := m.Next([]int{1})
	require.Equal(t, kernel.Argmax(p), g0[0])
}

func TestTokenizers(t *testing.T) {
	s := "héllo, wörld"
	bs, err := Bytes{}.Encode(s)
	require.NoError(t, err)
	require.Equal(t, s, Bytes{}.Decode(bs))
	c := NewChars(s)
	ids, err := c.Encode(s)
	require.NoError(t, err)
	require.Equal(t, s, c.Decode(ids))
	require.Equal(t, 10, c.Vocab()) // h é l o , space w ö r d
	_, err = c.Encode("z")
	require.Error(t, err)
}

// TestPyTorchInit: weights lie in U(−1/√H, 1/√H) and fill that range.
func TestPyTorchInit(t *testing.T) {
	n, err := New(Config{Input: 10, Hidden: 64, Layers: 2, Bidirectional: true, Output: 3, Bias: BiasPair}, 1)
	require.NoError(t, err)
	names := []string{}
	for _, p := range n.Params() {
		names = append(names, p.Name)
		lim := 1 / math.Sqrt(64)
		if p.Name[:4] == "head" {
			lim = 1 / math.Sqrt(128)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range p.Data {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		require.LessOrEqual(t, hi, lim, p.Name)
		require.GreaterOrEqual(t, lo, -lim, p.Name)
		require.Greater(t, hi-lo, lim, p.Name)
	}
	require.Equal(t, []string{
		"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
		"weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
		"weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
		"weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
		"head.weight", "head.bias"}, names)
	require.Equal(t, [2]int{64, 128}, [2]int{n.Cell(1, true).Wih.Rows, n.Cell(1, true).Wih.Cols})
}

// TestTruncatedFullEquals: BPTT(k ≥ T) is full BPTT, and BPTT(1)
// differs from it (so the option really truncates).
func TestTruncatedFullEquals(t *testing.T) {
	n, _ := New(Config{Input: 3, Hidden: 4, Output: 2, OutputActivation: Softmax}, 4)
	xs := randMat(rand.New(rand.NewPCG(1, 1)), 6, 3)
	tr, _ := n.Trace(xs)
	tg := randTarget(rand.New(rand.NewPCG(1, 2)), Softmax, 6, 2)
	d := kernel.NewMatrix(6, 2)
	loss.SoftmaxCrossEntropy(d, tr.Logits, tg)
	full, k6, k1 := n.NewGrad(), n.NewGrad(), n.NewGrad()
	_, _ = n.Backward(tr, d, full)
	_, _ = n.BackwardTruncated(tr, d, k6, 6)
	_, _ = n.BackwardTruncated(tr, d, k1, 1)
	require.Equal(t, full.Params(), k6.Params())
	require.NotEqual(t, full.Cells[0].Whh.Data, k1.Cells[0].Whh.Data)
}

// TestEmpty: T = 0 is valid for Forward, ForwardBatch and Trace and
// gives empty results.
func TestEmpty(t *testing.T) {
	for _, cfg := range []Config{{Input: 3, Hidden: 4, Output: 2}, {Input: 3, Hidden: 4, Layers: 3, Bidirectional: true}} {
		n, err := New(cfg, 1)
		require.NoError(t, err)
		x := kernel.NewMatrix(0, 3)
		y, err := n.Forward(x)
		require.NoError(t, err)
		require.Equal(t, 0, y.Rows)
		require.Equal(t, n.Config().OutWidth(), y.Cols)
		ys, err := n.ForwardBatch([]kernel.Matrix{x, x})
		require.NoError(t, err)
		require.Len(t, ys, 2)
		tr, err := n.Trace(x)
		require.NoError(t, err)
		dx, err := n.Backward(tr, kernel.NewMatrix(0, n.Config().OutWidth()), n.NewGrad())
		require.NoError(t, err)
		require.Equal(t, 0, dx.Rows)
		out, err := n.ForwardBatch(nil)
		require.NoError(t, err)
		require.Empty(t, out)
	}
}
