package torchpickle_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/torchpickle"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/stretchr/testify/require"
)

// TestArchiveReadsBack builds a checkpoint of one contiguous tensor and one
// transposed view of the same storage, stored and deflated, and reads both
// back through the weights package's torch reader.
func TestArchiveReadsBack(t *testing.T) {
	var data []byte
	for k := range 6 {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(k)))
	}
	size, stride := torchpickle.Contiguous([]int{2, 3})
	require.Equal(t, []int64{2, 3}, size)
	require.Equal(t, []int64{3, 1}, stride)
	pkl := torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 6, 0, size, stride)
		p.Str("wt").Tensor("FloatStorage", "0", 6, 0, []int64{3, 2}, []int64{1, 3})
	})
	for _, deflate := range []bool{false, true} {
		b, err := torchpickle.Archive("net", pkl, map[string][]byte{"data/0": data, "byteorder": []byte("little")}, deflate)
		require.NoError(t, err)
		f, err := weights.Read(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err, "deflate %v", deflate)
		w, err := f.Float32s("w", 2, 3)
		require.NoError(t, err)
		require.Equal(t, []float32{0, 1, 2, 3, 4, 5}, w)
		wt, err := f.Float32s("wt", 3, 2)
		require.NoError(t, err)
		require.Equal(t, []float32{0, 3, 1, 4, 2, 5}, wt)
	}
}

// TestLegacyReadsBack builds a legacy-format file of a tensor and a
// tensor on a view of the same storage, and reads both back through the
// weights package's torch reader.
func TestLegacyReadsBack(t *testing.T) {
	var data []byte
	for k := range 6 {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(k)))
	}
	pkl := torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").LegacyTensor("FloatStorage", "7", 6, nil, 0, []int64{2, 3}, []int64{3, 1})
		p.Str("v").LegacyTensor("FloatStorage", "7", 6, &torchpickle.View{Key: "8", Offset: 2, Numel: 3}, 1, []int64{2}, []int64{1})
	})
	b := torchpickle.Legacy(pkl, []string{"7"}, []torchpickle.Storage{{Count: 6, Data: data}})
	f, err := weights.Read(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	w, err := f.Float32s("w", 2, 3)
	require.NoError(t, err)
	require.Equal(t, []float32{0, 1, 2, 3, 4, 5}, w)
	v, err := f.Float32s("v", 2)
	require.NoError(t, err)
	require.Equal(t, []float32{3, 4}, v)
}

// TestPickleOpcodes pins the bytes of the integer and string opcodes.
func TestPickleOpcodes(t *testing.T) {
	p := (&torchpickle.Pickle{}).Int(-2).Long(1).Str("ab").Global("m", "n").BinString("c")
	require.Equal(t, []byte{'J', 0xfe, 0xff, 0xff, 0xff, 0x8a, 8, 1, 0, 0, 0, 0, 0, 0, 0,
		'X', 2, 0, 0, 0, 'a', 'b', 'c', 'm', '\n', 'n', '\n', 'U', 1, 'c'}, p.Bytes())
}
