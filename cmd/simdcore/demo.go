package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
)

func cmdDemo(args []string, stdout io.Writer) error {
	fs := newFlagSet("demo")
	seed := fs.Uint64("seed", 1, "random seed for the toy data and weights")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := demoAttention(stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := demoRNN(stdout, *seed); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	return demoCells(stdout, *seed)
}

// demoAttention is the worked example of the attn package.
func demoAttention(w io.Writer) error {
	keys := kernel.MatrixFrom(4, 3, []float32{1, 2, 3, 2, 2, 1, 0, 1, -1, 0, 2, -1})
	values := kernel.MatrixFrom(4, 2, []float32{1, 0, 0, 1, 1, 1, -1, 0})
	q := []float32{3, -1, -1}
	scores := make([]float32, 4)
	attn.Scores(scores, q, keys, 1)
	fmt.Fprintln(w, "Attention: query (3,−1,−1) against keys (1,2,3) (2,2,1) (0,1,−1) (0,2,−1); values (1,0) (0,1) (1,1) (−1,0)")
	fmt.Fprintf(w, "  scores q·k_i (unscaled):     %v\n", scores)
	hard := make([]float32, 2)
	idx, err := attn.Hard(hard, q, keys, values, attn.Options{Unscaled: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  hard attention picks key %d and returns its value %v\n", idx, hard)
	soft, weights := make([]float32, 2), make([]float32, 4)
	if err := attn.Soft(soft, weights, q, keys, values, attn.Options{Unscaled: true}); err != nil {
		return err
	}
	fmt.Fprintf(w, "  soft attention weighs every key, softmax(scores) = %.4f,\n    and returns Σ w_i·v_i = %.4f\n", weights, soft)
	if err := attn.Soft(soft, weights, q, keys, values, attn.Options{}); err != nil {
		return err
	}
	fmt.Fprintf(w, "  scaled by 1/√3 the weights are flatter: %.4f → %.4f\n", weights, soft)
	return nil
}

// toyTask is one RNN topology trained on data made for it.
type toyTask struct {
	title string
	cfg   rnn.Config
	m2o   bool
	make  func(r *rand.Rand) rnn.Sample // one example
	steps int
}

// bits returns a T×1 sequence of ±1 values and the 0/1 bits behind them.
func bits(r *rand.Rand, T int) (kernel.Matrix, []int) {
	x := kernel.NewMatrix(T, 1)
	b := make([]int, T)
	for t := range b {
		b[t] = r.IntN(2)
		x.Set(t, 0, float32(2*b[t]-1))
	}
	return x, b
}

// shifted returns targets y_t = bit t+shift as one-hot rows over 2
// classes; steps whose source is outside the sequence get no loss.
func shifted(b []int, shift int) kernel.Matrix {
	y := kernel.NewMatrix(len(b), 2)
	for t := range b {
		if s := t + shift; s >= 0 && s < len(b) {
			y.Set(t, b[s], 1)
		}
	}
	return y
}

func demoTasks() []toyTask {
	const T = 12
	return []toyTask{
		{
			title: "many-to-one: is the majority of 9 bits a 1? (one answer per sequence)",
			cfg:   rnn.Config{Input: 1, Hidden: 16, Output: 2, OutputActivation: rnn.Softmax},
			m2o:   true, steps: 300,
			make: func(r *rand.Rand) rnn.Sample {
				x, b := bits(r, 9)
				ones := 0
				for _, v := range b {
					ones += v
				}
				y := kernel.NewMatrix(1, 2)
				y.Set(0, min(ones/5, 1), 1)
				return rnn.Sample{X: x, Y: y}
			},
		},
		{
			title: "many-to-many, causal: echo the bit seen 2 steps ago (streams one step at a time)",
			cfg:   rnn.Config{Input: 1, Hidden: 16, Output: 2, OutputActivation: rnn.Softmax},
			steps: 300,
			make: func(r *rand.Rand) rnn.Sample {
				x, b := bits(r, T)
				return rnn.Sample{X: x, Y: shifted(b, -2)}
			},
		},
		{
			title: "bidirectional: output the NEXT bit (needs the future, which a causal net cannot see)",
			cfg:   rnn.Config{Input: 1, Hidden: 12, Output: 2, OutputActivation: rnn.Softmax, Bidirectional: true},
			steps: 300,
			make: func(r *rand.Rand) rnn.Sample {
				x, b := bits(r, T)
				return rnn.Sample{X: x, Y: shifted(b, +1)}
			},
		},
		{
			title: "stacked, 2 layers: XOR of the bits 1 and 2 steps ago",
			cfg:   rnn.Config{Input: 1, Hidden: 16, Layers: 2, Output: 2, OutputActivation: rnn.Softmax},
			steps: 500,
			make: func(r *rand.Rand) rnn.Sample {
				x, b := bits(r, T)
				y := kernel.NewMatrix(T, 2)
				for t := 2; t < T; t++ {
					y.Set(t, b[t-1]^b[t-2], 1)
				}
				return rnn.Sample{X: x, Y: y}
			},
		},
	}
}

func demoRNN(w io.Writer, seed uint64) error {
	fmt.Fprintln(w, "Elman RNNs, each trained here on toy data, then scored on 200 fresh sequences:")
	for i, task := range demoTasks() {
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		net, err := rnn.New(task.cfg, seed+uint64(i))
		if err != nil {
			return err
		}
		train := make([]rnn.Sample, 256)
		for j := range train {
			train[j] = task.make(r)
		}
		start := time.Now()
		if _, err := net.Train(train, rnn.TrainConfig{Steps: task.steps, BatchSize: 16, ManyToOne: task.m2o,
			Optimizer: optim.NewAdam(0.03), ClipNorm: 5, Seed: seed}); err != nil {
			return err
		}
		took := time.Since(start)
		right, total := 0, 0
		for range 200 {
			s := task.make(r)
			var out kernel.Matrix
			if task.m2o {
				y, err := net.Last(s.X)
				if err != nil {
					return err
				}
				out = kernel.MatrixFrom(1, len(y), y)
			} else if task.cfg.Bidirectional || task.cfg.Layers > 1 {
				if out, err = net.Forward(s.X); err != nil {
					return err
				}
			} else {
				// Causal: stream it, one step at a time.
				out = kernel.NewMatrix(s.X.Rows, task.cfg.Output)
				st := net.NewState()
				for t := 0; t < s.X.Rows; t++ {
					if err := st.Step(out.Row(t), s.X.Row(t)); err != nil {
						return err
					}
				}
			}
			for t := 0; t < s.Y.Rows; t++ {
				want := kernel.Argmax(s.Y.Row(t))
				if s.Y.Row(t)[want] == 0 {
					continue // no target at this step
				}
				total++
				if kernel.Argmax(out.Row(t)) == want {
					right++
				}
			}
		}
		fmt.Fprintf(w, "  %-86s %5.1f%% right (trained in %v)\n", task.title, 100*float64(right)/float64(total), took.Round(time.Millisecond))
	}
	f, err := loadLM("")
	if err != nil {
		return err
	}
	text := "The kernels are tested against the float64 reference."
	toks, err := f.lm.Tokenizer.Encode(text)
	if err != nil {
		return err
	}
	pp, err := f.lm.Perplexity(toks)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  language model: the embedded character model finds %q\n    %.1f× less surprising per character than a uniform guess over its %d characters (perplexity %.2f)\n",
		text, float64(f.lm.Tokenizer.Vocab())/pp, f.lm.Tokenizer.Vocab(), pp)
	return nil
}
