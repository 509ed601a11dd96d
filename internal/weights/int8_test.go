package weights

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInt8RoundTrip writes I8 tensors (every value −128..127) beside F32
// ones and reads them back bit for bit; Int8s refuses another dtype, shape
// or name, and Tensor refuses an I8 tensor.
func TestInt8RoundTrip(t *testing.T) {
	q := make([]int8, 256)
	for i := range q {
		q[i] = int8(i - 128)
	}
	var b bytes.Buffer
	require.NoError(t, Write(&b, []Tensor{
		{Name: "w", Shape: []int{16, 16}, Int8: q},
		{Name: "w.scale", Shape: []int{16}, Data: make([]float32, 16)},
		{Name: "empty", Shape: []int{0, 3}, Int8: []int8{}},
	}, map[string]string{"k": "v"}))
	f, err := readBytes(b.Bytes())
	require.NoError(t, err)
	info, ok := f.Info("w")
	require.True(t, ok)
	require.Equal(t, I8, info.DType)
	require.Equal(t, int64(256), info.End-info.Begin)
	got, err := f.Int8s("w", 16, 16)
	require.NoError(t, err)
	require.Equal(t, q, got)
	e, err := f.Int8s("empty", 0, 3)
	require.NoError(t, err)
	require.Empty(t, e)

	_, err = f.Int8s("w", 256)
	require.ErrorIs(t, err, ErrShape)
	_, err = f.Int8s("w.scale", 16)
	require.ErrorIs(t, err, ErrFormat)
	_, err = f.Int8s("nope")
	require.ErrorIs(t, err, ErrMissing)
	_, err = f.Tensor("w")
	require.ErrorIs(t, err, ErrFormat)
	_, err = f.Float32s("w", 16, 16)
	require.ErrorIs(t, err, ErrFormat)
}

// TestInt8WriteErrors: an I8 tensor whose data does not fit its shape, or
// that holds float32 data too, is refused and nothing is written.
func TestInt8WriteErrors(t *testing.T) {
	for _, ts := range [][]Tensor{
		{{Name: "a", Shape: []int{3}, Int8: []int8{1, 2}}},
		{{Name: "a", Shape: []int{1}, Int8: []int8{1, 2}}},
		{{Name: "a", Shape: []int{2}, Int8: []int8{1, 2}, Data: []float32{1, 2}}},
	} {
		var b bytes.Buffer
		require.ErrorIs(t, Write(&b, ts, nil), ErrShape)
		require.Zero(t, b.Len())
	}
}

// TestInt8Hostile: an I8 tensor whose byte range disagrees with its shape
// (one byte per element) is refused as malformed before anything is read.
func TestInt8Hostile(t *testing.T) {
	for _, hdr := range []string{
		`{"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,5]}}`,
		`{"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,7]}}`,
		`{"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,24]}}`,
	} {
		data := build(hdr, make([]byte, 24))
		_, err := readBytes(data)
		require.ErrorIs(t, err, ErrFormat, hdr)
	}
}
