package onnx

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/kernel"
)

// sharedPacks copies the entries of m's share of packed weights.
func sharedPacks(m *Model) map[packKey]*kernel.PackedB {
	m.packs.mu.Lock()
	defer m.packs.mu.Unlock()
	out := map[packKey]*kernel.PackedB{}
	for k, v := range m.packs.m {
		out[k] = v
	}
	return out
}

// TestSessionsSharePackedWeights: Sessions planned from one parsed model,
// at once from several goroutines, pack each weight initializer once and
// share it (the share holds one entry per weight and level); each still
// gives torch's answer; a model built without Parse packs per Session.
func TestSessionsSharePackedWeights(t *testing.T) {
	dir := "../testdata/onnx/torch/tf_enc_post_relu_causal"
	m, err := ReadFile(filepath.Join(dir, "model.onnx"))
	require.NoError(t, err)
	set := filepath.Join(dir, "test_data_set_0")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checks, err := CheckDataSet(m, set, 1e-5, 1e-6)
			if err == nil {
				for _, c := range checks {
					if !c.Diff.OK() {
						err = c.Diff.Err
						if err == nil {
							err = ErrShape
						}
					}
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	shared := sharedPacks(m)
	require.NotEmpty(t, shared)
	for k := range shared {
		require.Equal(t, kernel.Active(), k.level)
		require.Contains(t, m.Graph.Initializers, k.t, "only initializers are shared")
	}
	// A fifth session adds nothing.
	_, err = CheckDataSet(m, set, 1e-5, 1e-6)
	require.NoError(t, err)
	require.Equal(t, shared, sharedPacks(m))

	// At another level the weights are packed for it, beside.
	if ls := kernel.Available(); len(ls) > 1 {
		restore, err := kernel.SetLevel(ls[0])
		require.NoError(t, err)
		checks, err := CheckDataSet(m, set, 1e-5, 1e-6)
		restore()
		require.NoError(t, err)
		for _, c := range checks {
			require.True(t, c.Diff.OK(), "at %v: %s", ls[0], c.Name)
		}
		if ls[0] != kernel.Active() {
			require.Len(t, sharedPacks(m), 2*len(shared))
		}
	}

	// Built without Parse: no share, the same answers.
	bare := &Model{OpsetImports: m.OpsetImports, Graph: m.Graph}
	checks, err := CheckDataSet(bare, set, 1e-5, 1e-6)
	require.NoError(t, err)
	for _, c := range checks {
		require.True(t, c.Diff.OK(), c.Name)
	}
}

// TestSessionsShareHalfWeights: the FLOAT16 weights of a converted model
// are packed once for every Session too, keyed by the Model's FLOAT view of
// each initializer (plan_half.go), which a second Session reuses.
func TestSessionsShareHalfWeights(t *testing.T) {
	dir := "../testdata/onnx/fp16/transformer_encoder_io16"
	m, err := ReadFile(filepath.Join(dir, "model.onnx"))
	require.NoError(t, err)
	set := filepath.Join(dir, "test_data_set_0")
	s1, err := LoadDataSet(m, set)
	require.NoError(t, err)
	require.NoError(t, s1.Run())
	shared := sharedPacks(m)
	require.NotEmpty(t, shared)
	views := map[*Tensor]bool{}
	m.packs.mu.Lock()
	for half, v := range m.packs.views {
		require.Equal(t, Float16, half.DType)
		require.Contains(t, m.Graph.Initializers, half)
		views[v] = true
	}
	m.packs.mu.Unlock()
	for k := range shared {
		require.True(t, views[k.t], "a packed weight is keyed by the view of a FLOAT16 initializer")
	}
	s2, err := LoadDataSet(m, set)
	require.NoError(t, err)
	require.NoError(t, s2.Run())
	require.Equal(t, shared, sharedPacks(m), "the second Session adds nothing")
	for _, name := range s1.OutputNames() {
		require.Equal(t, s1.Output(name).Float, s2.Output(name).Float)
	}
}
