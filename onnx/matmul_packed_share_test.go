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
