package regfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(p, []byte("hello"), 0o644))
	b, err := ReadFile(p, 5)
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))
	_, err = ReadFile(p, 4)
	require.ErrorIs(t, err, ErrTooLarge)
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	b, err = ReadFile(p, 0)
	require.NoError(t, err)
	require.Empty(t, b)
	_, err = ReadFile(dir, 1<<20)
	require.ErrorIs(t, err, ErrNotRegular)
	_, _, err = OpenStream(dir)
	require.ErrorIs(t, err, ErrNotRegular)
	_, err = ReadFile(filepath.Join(dir, "missing"), 1)
	require.ErrorIs(t, err, os.ErrNotExist)
}
