package onnx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/onnx"
	"github.com/simdcore/simdcore/rnn"
)

// BenchmarkSessionMLP times Run on the small MLP of TestSessionMLP (nine
// nodes, four left after folding): mostly the per-node overhead.
func BenchmarkSessionMLP(b *testing.B) {
	m, err := onnx.Parse(mlpModel())
	if err != nil {
		b.Fatal(err)
	}
	s, err := onnx.NewSession(m, map[string][]int{"x": {8, 4}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range s.Input("x").Float {
		s.Input("x").Float[i] = float32(i%7) - 3
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTorchLSTM times the runner on torch-exported LSTMs (the
// fixtures of TestTorchRecurrentMatchesRNN) against package rnn run
// directly on the same weights (ForwardInto, from the same initial state):
// the runner's overhead over the recurrence is the node walk, the ops torch
// adds around the LSTM node and the copies in and out of ONNX's layouts.
// Item 6 of the runner's targets is runner ≤ 1.2 × rnn; cpu-ns/op is the
// process's CPU time per run, which a shared machine's other jobs do not
// inflate as they do ns/op.
func BenchmarkTorchLSTM(b *testing.B) {
	for _, tc := range []struct {
		name   string
		cfg    rnn.Config
		states int
	}{
		{"lstm_stream", rnn.Config{Cell: rnn.LSTM, Input: 32, Hidden: 64, Bias: rnn.BiasPair}, 2},
		{"lstm_2layer", rnn.Config{Cell: rnn.LSTM, Input: 16, Hidden: 24, Layers: 2, Bias: rnn.BiasPair}, 0},
	} {
		dir := filepath.Join(torchFixtures, tc.name)
		set := filepath.Join(dir, "test_data_set_0")
		b.Run(tc.name+"/runner", func(b *testing.B) {
			m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
			require.NoError(b, err)
			s, err := onnx.LoadDataSet(m, set)
			require.NoError(b, err)
			b.ReportAllocs()
			cpu := cpuclock.ProcessCPU()
			for b.Loop() {
				if err := s.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuclock.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(tc.name+"/rnn", func(b *testing.B) {
			net := torchNet(b, dir, tc.cfg)
			ins, _ := dataSet(b, set)
			T := ins[0].Dims[0]
			x := kernel.MatrixFrom(T, tc.cfg.Input, ins[0].Float)
			var init *rnn.States
			if tc.states > 0 {
				init = net.NewBatchStates(1)
				copy(init.H.Data, ins[1].Float)
				copy(init.C.Data, ins[2].Float)
			}
			ws, err := net.NewWorkspace(1, T)
			require.NoError(b, err)
			y, final := kernel.NewMatrix(T, net.Config().Width()), net.NewBatchStates(1)
			b.ReportAllocs()
			cpu := cpuclock.ProcessCPU()
			for b.Loop() {
				if err := net.ForwardInto(ws, y, x, init, final); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuclock.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkNewSession plans a model again and again, as a program that
// makes a Session per goroutine or per input shape does: every torch
// transformer fixture, and the model.onnx (with its test_data_set_0) of
// the directory SIMDCORE_ONNX_MODEL names, if set (BENCHMARKS.md plans
// bench/peers/onnx_encoder.py's export).
func BenchmarkNewSession(b *testing.B) {
	dirs := []string{filepath.Join(torchFixtures, "tf_enc_pre_gelu_tanh_t64")}
	if d := os.Getenv("SIMDCORE_ONNX_MODEL"); d != "" {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		b.Run("model="+filepath.Base(dir), func(b *testing.B) {
			m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
			require.NoError(b, err)
			s0, err := onnx.LoadDataSet(m, filepath.Join(dir, "test_data_set_0"))
			require.NoError(b, err)
			shapes := map[string][]int{}
			for _, name := range s0.InputNames() {
				shapes[name] = s0.Input(name).Dims
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := onnx.NewSession(m, shapes, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
