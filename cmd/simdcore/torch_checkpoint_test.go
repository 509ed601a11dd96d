package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// torchFixtures holds the files scripts/torch_fixtures.py and
// scripts/torch_pt_fixtures.py wrote with PyTorch.
const torchFixtures = "../../testdata/torch"

// TestRunTorchCheckpoint: run and quantize take a torch.save checkpoint
// (lstm_proj.pt, and lstm_proj_legacy.pt in the legacy format) as they
// take the safetensors file of the same weights, and print the same
// outputs.
func TestRunTorchCheckpoint(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, []byte("1,0,0\n0,1,0\n0.5,-0.5,2\n-1,0.25,0\n"), 0o644))
	outputs := map[string]string{}
	for _, model := range []string{"lstm_proj.safetensors", "lstm_proj.pt", "lstm_proj_legacy.pt"} {
		path := filepath.Join(torchFixtures, model)
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run([]string{"run", "-model", path, "-input", in}, &stdout, &stderr), stderr.String())
		require.NotEmpty(t, stdout.String())
		outputs[model] = stdout.String()

		q := filepath.Join(dir, model+".q.safetensors")
		stdout.Reset()
		require.Equal(t, 0, run([]string{"quantize", "-model", path, "-out", q}, &stdout, &stderr), stderr.String())
		stdout.Reset()
		require.Equal(t, 0, run([]string{"run", "-model", q, "-input", in}, &stdout, &stderr), stderr.String())
		outputs[model+" quantized"] = stdout.String()
	}
	require.Equal(t, outputs["lstm_proj.safetensors"], outputs["lstm_proj.pt"])
	require.Equal(t, outputs["lstm_proj.safetensors quantized"], outputs["lstm_proj.pt quantized"])
	require.Equal(t, outputs["lstm_proj.safetensors"], outputs["lstm_proj_legacy.pt"])
	require.Equal(t, outputs["lstm_proj.safetensors quantized"], outputs["lstm_proj_legacy.pt quantized"])
	require.NotEqual(t, outputs["lstm_proj.pt"], outputs["lstm_proj.pt quantized"])
}
