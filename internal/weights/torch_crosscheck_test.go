package weights_test

// The randomized cross-check of the torch.save reader through every
// loader: a test of this package (the reader), in the external test
// package so that it can import the model packages built on it.

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/rnn"
)

// ptCase is the configuration scripts/pt_crosscheck.py drew for one case,
// from its io file's metadata.
type ptCase struct {
	Family, Kind, Dtype, Prefix, Layout, Save, Expect, Checkpoint, Location string
	Serialization                                                           string
	Act                                                                     string
	I, H, L, Proj, T, E, Heads, D, FF, Layers, V                            int
	Bidir, Bias                                                             bool
	NormFirst                                                               bool `json:"norm_first"`
	KeepVars                                                                bool `json:"keep_vars"`
	Eps                                                                     float64
}

// TestTorchPtCrossCheck runs the random cases scripts/pt_crosscheck.py
// wrote into the directory SIMDCORE_PT_CROSSCHECK (skipped without it):
// each model.pt loaded by its loader and run on the case's input against
// torch's output to 1e-5 relative, and read as the same tensors, byte
// for byte, as the case's model.safetensors, which must load into a model
// whose outputs are the same bits; the cases that must fail, failing
// with a message that says what the file holds. A case's file is in the
// format (zip or legacy) its configuration says.
func TestTorchPtCrossCheck(t *testing.T) {
	for _, dir := range torchtest.CrossCheckDirs(t, "SIMDCORE_PT_CROSSCHECK", "scripts/pt_crosscheck.py") {
		t.Run(filepath.Base(dir), func(t *testing.T) { ptCrossCheck(t, dir) })
	}
}

func ptCrossCheck(t *testing.T, dir string) {
	io, get := torchtest.Tensors(t, filepath.Join(dir, "io.safetensors"))
	var c ptCase
	torchtest.CaseConfig(t, io.Metadata(), &c)
	t.Logf("%+v", c)
	pt, st := filepath.Join(dir, "model.pt"), filepath.Join(dir, "model.safetensors")
	if c.Serialization != "" {
		head, err := os.ReadFile(pt)
		require.NoError(t, err)
		require.Equal(t, c.Serialization == "zip", bytes.HasPrefix(head, []byte("PK")), "a %s case whose file starts %q", c.Serialization, head[:min(4, len(head))])
	}
	f, err := weights.Open(pt)
	if c.Expect == "error" {
		require.ErrorIs(t, err, weights.ErrFormat)
		require.ErrorContains(t, err, "a training checkpoint")
		return
	}
	require.NoError(t, err)
	require.Equal(t, weights.FormatTorch, f.Format())
	g, err := weights.Open(st)
	require.NoError(t, err)
	require.ElementsMatch(t, g.Names(), f.Names())
	for _, name := range g.Names() {
		fi, _ := f.Info(name)
		gi, _ := g.Info(name)
		require.Equal(t, gi.DType, fi.DType, name)
		require.Equal(t, gi.Shape, fi.Shape, name)
		fb, _ := weights.RawBytes(f, name)
		gb, _ := weights.RawBytes(g, name)
		require.True(t, bytes.Equal(gb, fb), "%s: the bytes differ from the safetensors file's", name)
	}
	matrix := func(name string) kernel.Matrix {
		x := get(name)
		if len(x.Shape) == 1 {
			return kernel.MatrixFrom(1, x.Shape[0], x.Data)
		}
		require.Len(t, x.Shape, 2, name)
		return kernel.MatrixFrom(x.Shape[0], x.Shape[1], x.Data)
	}
	// run loads path and returns its outputs by name.
	var run func(path string) map[string][]float32
	switch c.Family {
	case "raw":
		return
	case "rnn", "cell":
		run = func(path string) map[string][]float32 {
			var opts []rnn.LoadOption
			if strings.HasSuffix(strings.ToLower(c.Kind), "relu") {
				opts = append(opts, rnn.WithActivation(rnn.ReLU)) // nothing in the file says relu
			}
			n, err := rnn.Load(path, opts...)
			require.NoError(t, err)
			if c.Family == "rnn" {
				cfg := n.Config()
				require.Equal(t, [4]int{c.I, c.H, c.L, c.Proj}, [4]int{cfg.Input, cfg.Hidden, cfg.Layers, cfg.Proj})
				y, err := n.Forward(matrix("x"))
				require.NoError(t, err)
				return map[string][]float32{"y": y.Data}
			}
			init := &rnn.States{H: matrix("h0")}
			if c.Kind == "LSTMCell" {
				init.C = matrix("c0")
			}
			y, fin, err := n.ForwardState(matrix("x"), init)
			require.NoError(t, err)
			out := map[string][]float32{"h1": y.Data}
			if c.Kind == "LSTMCell" {
				out["c1"] = fin.C.Data
			}
			return out
		}
	case "lm":
		run = func(path string) map[string][]float32 {
			m, err := rnn.LoadLM(path)
			require.NoError(t, err)
			require.Equal(t, c.V, m.Vocab())
			tf := get("tokens").Data
			tokens := make([]int, len(tf))
			for i, v := range tf {
				tokens[i] = int(v)
			}
			p, err := m.Next(tokens)
			require.NoError(t, err)
			return map[string][]float32{"probs": p}
		}
	case "mha":
		run = func(path string) map[string][]float32 {
			m, err := attn.LoadMultiHead(path, c.Prefix, c.Heads)
			require.NoError(t, err)
			x := matrix("x")
			y := kernel.NewMatrix(x.Rows, x.Cols)
			require.NoError(t, m.Forward(y, x, attn.Options{}))
			return map[string][]float32{"y": y.Data}
		}
	case "enc", "dec":
		act := map[string]nn.Activation{"relu": nn.ReLU, "gelu": nn.GELU}[c.Act]
		opts := []nn.LoadOption{nn.Heads(c.Heads), nn.FFActivation(act), nn.NormFirst(c.NormFirst), nn.LayerNormEps(float32(c.Eps))}
		run = func(path string) map[string][]float32 {
			var y kernel.Matrix
			if c.Family == "enc" {
				e, err := nn.LoadEncoder(path, c.Prefix, opts...)
				require.NoError(t, err)
				y, err = e.Forward(kernel.Matrix{}, matrix("x"), nn.Mask{})
				require.NoError(t, err)
			} else {
				d, err := nn.LoadDecoder(path, c.Prefix, opts...)
				require.NoError(t, err)
				y, err = d.Forward(kernel.Matrix{}, matrix("x"), matrix("memory"), nn.Mask{}, nn.Mask{})
				require.NoError(t, err)
			}
			return map[string][]float32{"y": y.Data}
		}
	default:
		t.Fatalf("unknown family %q", c.Family)
	}
	got, want := run(pt), run(st)
	for name, v := range got {
		torchtest.RequireCloseOrZero(t, name, v, get(name).Data)
		require.Equal(t, len(want[name]), len(v))
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(want[name][i]) {
				t.Fatalf("%s[%d] = %v from the .pt file, %v from the safetensors file", name, i, v[i], want[name][i])
			}
		}
	}
}
