package tlm

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// allocBytes returns the bytes allocated while f runs.
func allocBytes(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// withMaxLen returns m's file (as Encode writes it) with the metadata
// max_len replaced by maxLen, and edit applied to its tensors.
func withMaxLen(t *testing.T, m *LM, maxLen string, edit func([]weights.Tensor) []weights.Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, m.Encode(&buf, nil))
	f, err := weights.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var ts []weights.Tensor
	for _, n := range f.Names() {
		x, err := f.Tensor(n)
		require.NoError(t, err)
		ts = append(ts, x)
	}
	meta := f.Metadata()
	meta[metaMaxLen] = maxLen
	if edit != nil {
		ts = edit(ts)
	}
	buf.Reset()
	require.NoError(t, weights.Write(&buf, ts, meta))
	return buf.Bytes()
}

// TestHugeMaxLenCostsWhatIsUsed: a file of a few KB whose metadata
// declares a context of 2²⁰ tokens loads, generates and decodes in memory
// proportional to its weights and the tokens decoded. Before, Load built
// the 2²⁰×DModel sinusoidal table (32 MiB here, up to 1 GiB within the
// configuration's bound) and Generate and NewState caches of 2²⁰ tokens
// per layer (64 MiB here); a learned table's shape is checked before the
// table is allocated.
func TestHugeMaxLenCostsWhatIsUsed(t *testing.T) {
	m := tiny(t, Config{Vocab: 4, DModel: 8, Heads: 2, FF: 4, Layers: 1, MaxLen: 16})
	m.Tokenizer = rnn.NewChars("abcd")
	data := withMaxLen(t, m, "1048576", nil)
	require.Less(t, len(data), 8<<10)
	const budget = 1 << 20 // bytes: the weights, a State and slack for other goroutines

	var big *LM
	var err error
	n := allocBytes(func() { big, err = Read(bytes.NewReader(data), int64(len(data))) })
	require.NoError(t, err)
	require.Equal(t, 1<<20, big.MaxLen())
	require.Less(t, n, uint64(budget), "Load allocated %d bytes", n)

	// The same tokens as the model of 16 positions, which holds them.
	prompt := []int{1, 2, 3}
	want, err := m.Generate(prompt, 5, rnn.GenerateOptions{})
	require.NoError(t, err)
	var got []int
	n = allocBytes(func() { got, err = big.Generate(prompt, 5, rnn.GenerateOptions{}) })
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Less(t, n, uint64(budget), "Generate allocated %d bytes", n)

	var st *State
	n = allocBytes(func() { st, err = big.NewState() })
	require.NoError(t, err)
	require.Less(t, n, uint64(budget), "NewState allocated %d bytes", n)
	// The cache grows as tokens come, past its first capacity, and
	// decodes as the model of 16 positions does.
	small, err := m.NewState()
	require.NoError(t, err)
	p, q := make([]float32, 4), make([]float32, 4)
	for i := range 16 {
		require.NoError(t, st.Step(p, i%4))
		require.NoError(t, small.Step(q, i%4))
		require.Equal(t, q, p, "token %d", i)
	}
	require.NoError(t, st.Reserve(stateCap0+1))
	require.ErrorIs(t, st.Reserve(1<<20+1), attn.ErrCacheFull)
	for range stateCap0 - 16 + 1 {
		require.NoError(t, st.Step(p, 1))
	}
	require.Equal(t, stateCap0+1, st.Len())
	require.NoError(t, st.Prefill(p, make([]int, stateCap0)))
	require.Equal(t, 2*stateCap0+1, st.Len())

	// Learned positions: a table that is not MaxLen×DModel is refused
	// before MaxLen rows are allocated.
	ml := tiny(t, Config{Vocab: 4, DModel: 8, Heads: 2, FF: 4, Layers: 1, MaxLen: 16, Learned: true})
	ml.Tokenizer = rnn.NewChars("abcd")
	data = withMaxLen(t, ml, "1048576", nil)
	n = allocBytes(func() { _, err = Read(bytes.NewReader(data), int64(len(data))) })
	require.ErrorIs(t, err, ErrShape)
	require.Less(t, n, uint64(budget), "Load allocated %d bytes", n)
	data = withMaxLen(t, ml, "16", func(ts []weights.Tensor) []weights.Tensor {
		for i, x := range ts {
			if x.Name == "pos_embedding.weight" {
				return append(ts[:i], ts[i+1:]...)
			}
		}
		return ts
	})
	_, err = Read(bytes.NewReader(data), int64(len(data)))
	require.ErrorIs(t, err, weights.ErrMissing)
}
