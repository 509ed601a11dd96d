package kernel_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestPackedConvSilero checks PackedConv on Silero VAD's layers (the
// STFT of v5 and of the legacy model, the encoder, the legacy model's
// depthwise and pointwise layers, and the head), which take each of its
// paths, and the taps it keeps: a kernel of 3 with a padding of 1 over an
// input of 1 reads its middle tap only.
func TestPackedConvSilero(t *testing.T) {
	pad := func(n int) ([]int, []int) { return []int{n}, []int{n} }
	p1b, p1e := pad(1)
	p2b, p2e := pad(2)
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range []kernel.ConvShape{
		{Channels: 1, Filters: 258, Groups: 1, In: []int{640}, Kernel: []int{256}, Stride: []int{128}},
		{Channels: 1, Filters: 258, Groups: 1, In: []int{704}, Kernel: []int{256}, Stride: []int{64}},
		{Channels: 129, Filters: 128, Groups: 1, In: []int{4}, Kernel: []int{3}, PadBegin: p1b, PadEnd: p1e},
		{Channels: 128, Filters: 64, Groups: 1, In: []int{4}, Kernel: []int{3}, Stride: []int{2}, PadBegin: p1b, PadEnd: p1e},
		{Channels: 64, Filters: 64, Groups: 1, In: []int{2}, Kernel: []int{3}, Stride: []int{2}, PadBegin: p1b, PadEnd: p1e},
		{Channels: 64, Filters: 128, Groups: 1, In: []int{1}, Kernel: []int{3}, PadBegin: p1b, PadEnd: p1e},
		{Channels: 258, Filters: 258, Groups: 258, In: []int{8}, Kernel: []int{5}, PadBegin: p2b, PadEnd: p2e},
		{Channels: 258, Filters: 16, Groups: 1, In: []int{8}, Kernel: []int{1}},
		{Channels: 16, Filters: 16, Groups: 1, In: []int{8}, Kernel: []int{1}, Stride: []int{2}},
		{Channels: 32, Filters: 32, Groups: 32, In: []int{1}, Kernel: []int{5}, PadBegin: p2b, PadEnd: p2e},
		{Channels: 1, Filters: 1, Groups: 1, In: []int{14}, Kernel: []int{7}},
		{Channels: 128, Filters: 1, Groups: 1, In: []int{1}, Kernel: []int{1}},
	} {
		checkConvs(t, r, s, s.Channels != 1 || s.Filters == 1)
	}
	var p kernel.PackedConv
	s := kernel.ConvShape{Channels: 64, Filters: 128, Groups: 1, In: []int{1}, Kernel: []int{3}, PadBegin: p1b, PadEnd: p1e}
	p.Pack(s, make([]float32, 128*64*3), nil)
	require.Equal(t, 64+128, p.ColSize(), "the middle tap only: a patch of 64, by Gemv")
}

// TestPackedConvDeadTaps: when no tap reaches the input (a kernel of 1 at
// stride 2 over one element padded on both sides reads only padding at
// both outputs), y is the bias.
func TestPackedConvDeadTaps(t *testing.T) {
	s := kernel.ConvShape{Channels: 2, Filters: 3, Groups: 1, In: []int{1}, Kernel: []int{1}, Stride: []int{2}, PadBegin: []int{1}, PadEnd: []int{1}}
	require.Equal(t, []int{2}, s.Out())
	var p kernel.PackedConv
	p.Pack(s, []float32{1, 2, 3, 4, 5, 6}, []float32{7, 8, 9})
	require.Zero(t, p.ColSize())
	y := []float32{-1, -1, -1, -1, -1, -1}
	p.Conv(y, []float32{100, 200}, nil)
	require.Equal(t, []float32{7, 7, 8, 8, 9, 9}, y)
	checkConvs(t, rand.New(rand.NewPCG(1, 1)), s, true)
}

// TestPackedConvCopies: Pack copies the shape, the weights and the bias,
// repacking for the same sizes allocates nothing, and Conv allocates
// nothing.
func TestPackedConvCopies(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	in, kern := []int{9}, []int{3}
	s := kernel.ConvShape{Channels: 12, Filters: 10, Groups: 2, In: in, Kernel: kern, PadBegin: []int{1}, PadEnd: []int{1}}
	x, w, bias := randSlice(r, 12*9), randSlice(r, 10*6*3), randSlice(r, 10)
	var p kernel.PackedConv
	p.Pack(s, w, bias)
	y := make([]float32, 10*9)
	col := make([]float32, p.ColSize())
	p.Conv(y, x, col)
	want := append([]float32(nil), y...)
	in[0], kern[0], w[0], bias[0] = 5, 1, 100, 100
	p.Conv(y, x, col)
	require.Equal(t, want, y)
	require.Equal(t, []int{9}, p.Shape().In)
	in[0], kern[0] = 9, 3
	require.Zero(t, testing.AllocsPerRun(3, func() { p.Conv(y, x, col) }))
	require.Zero(t, testing.AllocsPerRun(3, func() { p.Pack(s, w, bias) }))
}

func TestPackedConvPanics(t *testing.T) {
	s := kernel.ConvShape{Channels: 4, Filters: 4, Groups: 1, In: []int{8}, Kernel: []int{5}}
	var p kernel.PackedConv
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.Conv(nil, nil, nil) })), "kernel.PackedConv.Conv: not packed")
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.ColSize() })), "kernel.PackedConv.ColSize: not packed")
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.Pack(s, make([]float32, 79), nil) })), "kernel.PackedConv.Pack: len(w)=79")
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.Pack(s, make([]float32, 80), make([]float32, 3)) })), "kernel.PackedConv.Pack: len(bias)=3")
	bad := s
	bad.Groups = 3
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.Pack(bad, make([]float32, 80), nil) })), "kernel.PackedConv.Pack: sizes must be positive")
	p.Pack(s, make([]float32, 80), nil)
	y, x, col := make([]float32, 16), make([]float32, 32), make([]float32, p.ColSize())
	for name, f := range map[string]func(){
		"short y":   func() { p.Conv(y[:15], x, col) },
		"short x":   func() { p.Conv(y, x[:31], col) },
		"short col": func() { p.Conv(y, x, col[:len(col)-1]) },
	} {
		require.Contains(t, fmt.Sprint(panicMessage(f)), "kernel.PackedConv.Conv: len(", name)
	}
	levels := kernel.Available()
	if len(levels) < 2 {
		return
	}
	restore, err := kernel.SetLevel(levels[0])
	require.NoError(t, err)
	defer restore()
	p.Pack(s, make([]float32, 80), nil)
	_, err = kernel.SetLevel(levels[len(levels)-1])
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(panicMessage(func() { p.Conv(y, x, col) })), "kernel.PackedConv.Conv: packed at level")
}
