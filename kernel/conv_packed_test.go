package kernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// convSweep lists valid shapes over channels × groups × input sizes ×
// kernels × strides × dilations × pads: 1-D ones, from a single channel
// to depthwise and to patches long enough for Gemm, over outputs of 1 to
// 17 positions and inputs smaller than the padding (taps that read only
// zeros), and a smaller set of 2-D ones.
func convSweep() []kernel.ConvShape {
	var shapes []kernel.ConvShape
	valid := func(s kernel.ConvShape) bool {
		for j := range s.In {
			if s.In[j]+s.PadBegin[j]+s.PadEnd[j] < s.Dilation[j]*(s.Kernel[j]-1)+1 {
				return false
			}
		}
		return true
	}
	for _, cfg := range [][3]int{{1, 18, 1}, {3, 4, 1}, {4, 6, 2}, {6, 6, 6}, {20, 8, 1}, {12, 9, 3}} {
		for _, in := range []int{1, 2, 4, 9, 17} {
			for _, k := range []int{1, 3, 5} {
				for _, st := range []int{1, 2, 3} {
					for _, dl := range []int{1, 2} {
						for _, pad := range [][2]int{{0, 0}, {1, 1}, {2, 0}, {0, 3}} {
							s := kernel.ConvShape{Channels: cfg[0], Filters: cfg[1], Groups: cfg[2], In: []int{in}, Kernel: []int{k},
								Stride: []int{st}, Dilation: []int{dl}, PadBegin: []int{pad[0]}, PadEnd: []int{pad[1]}}
							if valid(s) {
								shapes = append(shapes, s)
							}
						}
					}
				}
			}
		}
	}
	for _, cfg := range [][3]int{{1, 3, 1}, {4, 6, 2}, {8, 5, 1}} {
		for _, in := range [][2]int{{1, 1}, {3, 5}, {6, 4}} {
			for _, k := range [][2]int{{1, 1}, {3, 3}, {2, 3}} {
				for _, st := range [][2]int{{1, 1}, {2, 1}} {
					for _, pad := range [][2]int{{0, 0}, {1, 1}} {
						s := kernel.ConvShape{Channels: cfg[0], Filters: cfg[1], Groups: cfg[2], In: in[:], Kernel: k[:],
							Stride: st[:], Dilation: []int{1, 2}, PadBegin: []int{pad[0], pad[1]}, PadEnd: []int{pad[1], 0}}
						if valid(s) {
							shapes = append(shapes, s)
						}
					}
				}
			}
		}
	}
	return shapes
}

// checkConvs runs Conv and PackedConv.Conv on random data for s, from
// NaN-filled scratch and outputs, and checks both against the float64
// definition at Gemm's error bound with k = C/G·∏Kernel (plus the bias's
// rounding), and that PackedConv.Conv allocates nothing.
func checkConvs(t *testing.T, r *rand.Rand, s kernel.ConvShape, withBias bool) {
	t.Helper()
	name := fmt.Sprintf("%+v bias=%v", s, withBias)
	out := s.Out()
	P, K, inSize := 1, 1, 1
	for j := range s.In {
		P, K, inSize = P*out[j], K*s.Kernel[j], inSize*s.In[j]
	}
	x := randSlice(r, s.Channels*inSize)
	w := randSlice(r, s.Filters*s.Channels/s.Groups*K)
	var bias []float32
	if withBias {
		bias = randSlice(r, s.Filters)
	}
	want, abs := make([]float64, s.Filters*P), make([]float64, s.Filters*P)
	or := func(v []int, d int) []int {
		if v == nil {
			v = make([]int, len(s.In))
			for i := range v {
				v[i] = d
			}
		}
		return v
	}
	ref.Conv(want, abs, x, w, bias, s.Channels, s.Filters, s.Groups, s.In, s.Kernel, out, or(s.Stride, 1), or(s.Dilation, 1), or(s.PadBegin, 0))
	nans := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.NaN())
		}
		return v
	}
	var p kernel.PackedConv
	p.Pack(s, w, bias)
	col := nans(p.ColSize())
	y := make([]float32, s.Filters*P)
	if allocs := testing.AllocsPerRun(2, func() { p.Conv(y, x, col) }); allocs != 0 {
		t.Fatalf("PackedConv.Conv %s: %v allocations", name, allocs)
	}
	for _, run := range []struct {
		how string
		f   func(y []float32)
	}{
		{"Conv", func(y []float32) { kernel.Conv(y, x, w, bias, nans(s.ColSize()), s) }},
		{"PackedConv", func(y []float32) { p.Conv(y, x, nans(p.ColSize())) }},
	} {
		y := nans(s.Filters * P)
		run.f(y)
		k := s.Channels / s.Groups * K
		for i := range y {
			bound := float64(k+4) * 0x1p-24 * abs[i]
			if !(math.Abs(float64(y[i])-want[i]) <= bound) {
				t.Fatalf("%s %s: y[%d]=%v want %v (bound %g)", run.how, name, i, y[i], want[i], bound)
			}
		}
	}
}

// TestConvSweep checks Conv and PackedConv over convSweep's shapes, with
// and without bias, at every level.
func TestConvSweep(t *testing.T) {
	shapes := convSweep()
	kerneltest.ForEachLevel(t, func(t *testing.T, _ kernel.Level) {
		r := rand.New(rand.NewPCG(5, 6))
		for i, s := range shapes {
			checkConvs(t, r, s, i%2 == 0)
		}
	})
}

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
