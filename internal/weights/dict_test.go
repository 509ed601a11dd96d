package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var errLoaderShape = errors.New("loader: shape mismatch")

// dictOf writes tensors and metadata and opens them as a Dict.
func dictOf(t *testing.T, meta map[string]string, ts ...Tensor) *Dict {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, ts, meta))
	f, err := readBytes(b.Bytes())
	require.NoError(t, err)
	return NewDict(f, "loader: m.safetensors: ", errLoaderShape)
}

// requireOnly checks that err wraps want (and, for ErrShape, the loader's
// sentinel) and none of the other sentinels, and that its message starts
// with the prefix, contains msg and is one line.
func requireOnly(t *testing.T, err, want error, msg string) {
	t.Helper()
	require.ErrorIs(t, err, want)
	for _, other := range []error{ErrFormat, ErrMissing, ErrShape} {
		if other != want {
			require.NotErrorIs(t, err, other)
		}
	}
	require.Equal(t, want == ErrShape, errors.Is(err, errLoaderShape), "the loader's shape sentinel goes with ErrShape only")
	require.True(t, strings.HasPrefix(err.Error(), "loader: m.safetensors: "), err.Error())
	require.ErrorContains(t, err, msg)
	require.NotContains(t, err.Error(), "\n")
}

func TestDictTake(t *testing.T) {
	d := dictOf(t, nil,
		Tensor{Name: "w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		Tensor{Name: "b", Shape: []int{2}, Data: []float32{7, 8}},
		Tensor{Name: "extra", Shape: []int{1}, Data: []float32{9}})

	_, err := d.TakeRank("w", 1, "")
	requireOnly(t, err, ErrShape, `tensor "w" has shape [2 3], want 1 dimensions`)
	require.False(t, d.Taken("w"), "a failed take takes nothing")
	s, err := d.TakeRank("w", 2, "")
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, s)
	require.True(t, d.Taken("w"))

	_, err = d.TakeRank("nope", 2, " (the head)")
	requireOnly(t, err, ErrMissing, `tensor "nope" missing (the head)`)
	requireOnly(t, d.TakeShape("b", " (the bias)", 3), ErrShape, `tensor "b" has shape [2], want [3] (the bias)`)
	requireOnly(t, d.TakeShape("b", "", 2, 1), ErrShape, `tensor "b" has shape [2], want [2 1]`)
	requireOnly(t, d.TakeShape("c", "", 2), ErrMissing, `tensor "c" missing`)
	data, err := d.Take("b", "", 2)
	require.NoError(t, err)
	require.Equal(t, []float32{7, 8}, data)

	requireOnly(t, d.Leftovers(" (hint)"), ErrFormat, `malformed model: tensor "extra" is not part of the model (hint)`)
	require.NoError(t, d.TakeShape("extra", "", 1))
	require.NoError(t, d.Leftovers(" (hint)"))
}

func TestDictTakeConverts(t *testing.T) {
	// An integer tensor has the right shape but no float32 data.
	f, err := readBytes(build(`{"i":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	require.NoError(t, err)
	d := NewDict(f, "loader: m.safetensors: ", nil)
	_, err = d.Take("i", "", 1)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "I32")
	requireShape := d.Shapef("x %d", 1)
	require.ErrorIs(t, requireShape, ErrShape, "without a loader sentinel a shape error wraps ErrShape alone")
	require.Equal(t, "loader: m.safetensors: x 1", requireShape.Error())
}

func TestDictMetadata(t *testing.T) {
	d := dictOf(t, map[string]string{
		"n": "12", "neg": "-1", "word": "two", "yes": "True", "no": "False", "maybe": "perhaps",
		"x": "0.25", "act": "ReLU",
	})
	v, ok := d.Text("word")
	require.True(t, ok)
	require.Equal(t, "two", v)
	_, ok = d.Text("absent")
	require.False(t, ok)

	n, ok, err := d.Int("n", 1)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 12, n)
	_, ok, err = d.Int("absent", 1)
	require.NoError(t, err)
	require.False(t, ok)
	n, ok, err = d.Int("neg", -1)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, -1, n)
	_, _, err = d.Int("neg", 0)
	requireOnly(t, err, ErrFormat, `metadata neg="-1" is not an integer ≥ 0`)
	_, _, err = d.Int("word", 0)
	requireOnly(t, err, ErrFormat, `metadata word="two" is not an integer ≥ 0`)

	b, ok, err := d.Bool("yes")
	require.NoError(t, err)
	require.True(t, ok && b)
	b, ok, err = d.Bool("no")
	require.NoError(t, err)
	require.True(t, ok && !b)
	_, ok, err = d.Bool("absent")
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = d.Bool("maybe")
	requireOnly(t, err, ErrFormat, `metadata maybe="perhaps" is not a boolean`)

	x, ok, err := d.Float("x")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 0.25, x)
	_, ok, err = d.Float("absent")
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = d.Float("word")
	requireOnly(t, err, ErrFormat, `metadata word="two" is not a number`)

	i, ok, err := d.Choice("act", "tanh", "relu")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 1, i, "compared without regard to case")
	_, ok, err = d.Choice("absent", "tanh")
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = d.Choice("word", "tanh", "relu")
	requireOnly(t, err, ErrFormat, `metadata word="two" is not one of [tanh relu]`)
}

// TestDictIgnore: tensors under an ignored prefix are invisible to the
// model's view (Names, Has, the Take methods, Leftovers) but not to the
// File's.
func TestDictIgnore(t *testing.T) {
	d := dictOf(t, nil,
		Tensor{Name: "w", Shape: []int{2}, Data: []float32{1, 2}},
		Tensor{Name: "optim.m.w", Shape: []int{2}, Data: []float32{3, 4}},
		Tensor{Name: "optim.v.w", Shape: []int{1, 2}, Data: []float32{5, 6}})
	requireOnly(t, d.Leftovers(""), ErrFormat, `tensor "optim.m.w" is not part of the model`)
	d.Ignore("optim.")
	require.Equal(t, []string{"w"}, d.Names())
	require.False(t, d.Has("optim.m.w"))
	require.True(t, d.Has("w"))
	require.True(t, d.File.Has("optim.m.w"))
	require.Equal(t, 3, d.Len())
	_, err := d.TakeRank("optim.v.w", 2, "")
	requireOnly(t, err, ErrMissing, `tensor "optim.v.w" missing`)
	requireOnly(t, d.TakeShape("optim.m.w", "", 2), ErrMissing, `tensor "optim.m.w" missing`)
	requireOnly(t, d.Leftovers(""), ErrFormat, `tensor "w" is not part of the model`)
	require.NoError(t, d.TakeShape("w", "", 2))
	require.NoError(t, d.Leftovers(""))
}

func TestDictRefusesNonFinite(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(-1))
	for _, c := range []struct {
		name string
		t    Tensor
		want string
	}{
		{"NaN", Tensor{Name: "w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, nan, 6}}, `tensor "w" holds NaN at index [1 1]`},
		{"Inf", Tensor{Name: "b", Shape: []int{3}, Data: []float32{1, inf, 3}}, `tensor "b" holds -Inf at index [1]`},
		{"first bad", Tensor{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, inf, nan}}, `tensor "w" holds -Inf at index [1 0]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := dictOf(t, nil, c.t)
			_, err := d.Take(c.t.Name, "", c.t.Shape...)
			requireOnly(t, err, ErrFormat, c.want)
			require.ErrorIs(t, err, ErrNonFinite)
			_, err = d.Float32s(c.t.Name, c.t.Shape...)
			require.ErrorIs(t, err, ErrNonFinite)

			d = dictOf(t, nil, c.t)
			d.AllowNonFinite()
			got, err := d.Take(c.t.Name, "", c.t.Shape...)
			require.NoError(t, err)
			require.Equal(t, len(c.t.Data), len(got))
		})
	}
}

// TestDictRefusesF64BeyondFloat32: a finite F64 weight that float32
// cannot hold converts to an infinity, which is refused like one.
func TestDictRefusesF64BeyondFloat32(t *testing.T) {
	data := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1))
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(1e300))
	f, err := readBytes(build(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, data))
	require.NoError(t, err)
	d := NewDict(f, "loader: m.safetensors: ", errLoaderShape)
	_, err = d.Take("w", "", 2)
	requireOnly(t, err, ErrFormat, `tensor "w" holds +Inf at index [1]`)
}
