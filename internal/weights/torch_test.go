package weights

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// torchDir holds the files scripts/torch_fixtures.py wrote with PyTorch.
const torchDir = "../../testdata/torch"

// TestTorchInterop reads tensors of every float dtype as PyTorch stored
// them and checks each against PyTorch's own float32 conversion.
func TestTorchInterop(t *testing.T) {
	f, err := Open(filepath.Join(torchDir, "interop.safetensors"))
	require.NoError(t, err)
	want, err := Open(filepath.Join(torchDir, "interop.io.safetensors"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"format": "pt", "note": "naïve <&> \"quoted\""}, f.Metadata())
	dtypes := map[string]DType{"f32": F32, "f16": F16, "bf16": BF16, "f64": F64, "scalar": F32, "empty": F32}
	for name, dt := range dtypes {
		info, ok := f.Info(name)
		require.True(t, ok, name)
		require.Equal(t, dt, info.DType, name)
		got, err := f.Tensor(name)
		require.NoError(t, err, name)
		exp, err := want.Tensor(name)
		require.NoError(t, err, name)
		require.Equal(t, exp.Shape, got.Shape, name)
		require.Len(t, got.Data, len(exp.Data), name)
		for i := range exp.Data {
			if exp.Data[i] != exp.Data[i] {
				require.True(t, got.Data[i] != got.Data[i], "%s[%d]", name, i)
				continue
			}
			require.Equal(t, math.Float32bits(exp.Data[i]), math.Float32bits(got.Data[i]), "%s[%d]: %v want %v", name, i, got.Data[i], exp.Data[i])
		}
	}
	info, ok := f.Info("steps")
	require.True(t, ok)
	require.Equal(t, I64, info.DType)
	_, err = f.Tensor("steps")
	require.ErrorIs(t, err, ErrFormat)
}

// TestTorchBytes checks that Write reproduces, byte for byte, every F32
// file without metadata that the Python writer (which follows the reference
// implementation's layout) produced.
func TestTorchBytes(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(torchDir, "*.io.safetensors"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		orig, err := os.ReadFile(path)
		require.NoError(t, err)
		f, err := readBytes(orig)
		require.NoError(t, err, path)
		var ts []Tensor
		for _, n := range f.Names() {
			tt, err := f.Tensor(n)
			require.NoError(t, err)
			ts = append(ts, tt)
		}
		var b bytes.Buffer
		require.NoError(t, Write(&b, ts, f.Metadata()))
		require.Equal(t, orig, b.Bytes(), path)
	}
}
