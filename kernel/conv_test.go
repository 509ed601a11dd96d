package kernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
	"github.com/stretchr/testify/require"
)

// convCase is one shape of the Conv suite.
type convCase struct {
	name string
	s    kernel.ConvShape
	bias bool
}

func convCases() []convCase {
	ones := func(n, v int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	cs := []convCase{
		{"1d plain", kernel.ConvShape{Channels: 3, Filters: 4, Groups: 1, In: []int{10}, Kernel: []int{3}}, true},
		{"1d stft-like", kernel.ConvShape{Channels: 1, Filters: 18, Groups: 1, In: []int{96}, Kernel: []int{16}, Stride: []int{8}, PadBegin: []int{0}, PadEnd: []int{0}}, false},
		{"1d stride pad dil", kernel.ConvShape{Channels: 4, Filters: 6, Groups: 2, In: []int{11}, Kernel: []int{3}, Stride: []int{2}, Dilation: []int{2}, PadBegin: []int{3}, PadEnd: []int{1}}, true},
		{"1d kernel beyond input (pads only)", kernel.ConvShape{Channels: 2, Filters: 2, Groups: 1, In: []int{2}, Kernel: []int{5}, PadBegin: []int{2}, PadEnd: []int{2}}, true},
		{"1d pointwise", kernel.ConvShape{Channels: 5, Filters: 3, Groups: 1, In: []int{7}, Kernel: []int{1}}, true},
		{"1d pointwise grouped", kernel.ConvShape{Channels: 6, Filters: 9, Groups: 3, In: []int{4}, Kernel: []int{1}, Stride: []int{1}}, false},
		{"1d pointwise wide grouped", kernel.ConvShape{Channels: 6, Filters: 4, Groups: 2, In: []int{20}, Kernel: []int{1}}, true},
		{"1d wide grouped strided", kernel.ConvShape{Channels: 6, Filters: 4, Groups: 2, In: []int{40}, Kernel: []int{4}, Stride: []int{3}, Dilation: []int{2}, PadBegin: []int{1}, PadEnd: []int{2}}, true},
		{"1d kernel 1 stride 2", kernel.ConvShape{Channels: 2, Filters: 3, Groups: 1, In: []int{9}, Kernel: []int{1}, Stride: []int{3}}, true},
		{"2d plain", kernel.ConvShape{Channels: 2, Filters: 3, Groups: 1, In: []int{6, 5}, Kernel: []int{3, 2}}, true},
		{"2d asymmetric pads strides", kernel.ConvShape{Channels: 3, Filters: 2, Groups: 1, In: []int{7, 5}, Kernel: []int{3, 3}, Stride: []int{2, 3}, PadBegin: []int{1, 0}, PadEnd: []int{0, 2}}, true},
		{"2d depthwise dilated", kernel.ConvShape{Channels: 4, Filters: 8, Groups: 4, In: []int{9, 8}, Kernel: []int{3, 3}, Dilation: []int{2, 3}, PadBegin: []int{2, 1}, PadEnd: []int{2, 1}}, true},
		{"3d grouped strided", kernel.ConvShape{Channels: 4, Filters: 4, Groups: 2, In: []int{5, 6, 4}, Kernel: []int{2, 3, 2}, Stride: []int{2, 1, 2}, Dilation: []int{1, 2, 1}, PadBegin: []int{1, 1, 0}, PadEnd: []int{0, 1, 1}}, false},
		{"3d narrow dilated padded", kernel.ConvShape{Channels: 2, Filters: 3, Groups: 1, In: []int{3, 4, 3}, Kernel: []int{2, 2, 2}, Stride: []int{2, 2, 2}, Dilation: []int{1, 2, 1}, PadBegin: []int{1, 0, 1}, PadEnd: []int{0, 1, 0}}, true},
		{"2d narrow grouped dilated", kernel.ConvShape{Channels: 4, Filters: 2, Groups: 2, In: []int{5, 6}, Kernel: []int{2, 3}, Stride: []int{3, 2}, Dilation: []int{2, 2}, PadBegin: []int{0, 2}, PadEnd: []int{1, 0}}, false},
		{"4d", kernel.ConvShape{Channels: 2, Filters: 2, Groups: 1, In: []int{3, 4, 3, 5}, Kernel: []int{2, 2, 2, 3}, PadBegin: ones(4, 1), PadEnd: ones(4, 0)}, true},
		{"1d wide gemm", kernel.ConvShape{Channels: 64, Filters: 48, Groups: 1, In: []int{40}, Kernel: []int{3}, PadBegin: []int{1}, PadEnd: []int{1}}, true},
	}
	return cs
}

// TestConv checks Conv against the float64 definition on every shape of
// convCases, at Gemm's error bound with k = C/G·∏Kernel, and that the
// scratch's prior contents and y's do not matter.
func TestConv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range convCases() {
		s := tc.s
		out := s.Out()
		nd := len(s.In)
		P, K, inSize := 1, 1, 1
		for j := 0; j < nd; j++ {
			P, K, inSize = P*out[j], K*s.Kernel[j], inSize*s.In[j]
		}
		x := randSlice(r, s.Channels*inSize)
		w := randSlice(r, s.Filters*s.Channels/s.Groups*K)
		var bias []float32
		if tc.bias {
			bias = randSlice(r, s.Filters)
		}
		col := make([]float32, s.ColSize())
		for i := range col {
			col[i] = float32(math.NaN())
		}
		y := make([]float32, s.Filters*P)
		for i := range y {
			y[i] = float32(math.NaN())
		}
		kernel.Conv(y, x, w, bias, col, s)
		want, abs := make([]float64, len(y)), make([]float64, len(y))
		fill := func(v []int, d int) []int {
			if v == nil {
				v = make([]int, nd)
				for i := range v {
					v[i] = d
				}
			}
			return v
		}
		ref.Conv(want, abs, x, w, bias, s.Channels, s.Filters, s.Groups, s.In, s.Kernel, out,
			fill(s.Stride, 1), fill(s.Dilation, 1), fill(s.PadBegin, 0))
		k := s.Channels / s.Groups * K
		for i := range y {
			bound := float64(k+4) * 0x1p-24 * abs[i]
			require.LessOrEqual(t, math.Abs(float64(y[i])-want[i]), bound, "%s: y[%d]=%v want %v", tc.name, i, y[i], want[i])
		}
		if !race.Enabled { // Gemm's pooled pack buffers: sync.Pool drops items at random under -race
			require.Zero(t, testing.AllocsPerRun(3, func() { kernel.Conv(y, x, w, bias, col, s) }), tc.name)
		}
	}
}

// convSweep lists valid shapes over channels × groups × input sizes ×
// kernels × strides × dilations × pads: 1-D ones, from a single channel
// to depthwise (below and above convDepthwiseMin, 16 channels) and to
// patches long enough for Gemm, over outputs of 1 to
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
	for _, cfg := range [][3]int{{1, 18, 1}, {3, 4, 1}, {4, 6, 2}, {6, 6, 6}, {20, 8, 1}, {12, 9, 3}, {16, 16, 16}, {21, 21, 21}} {
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

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(2*r.Float64() - 1)
	}
	return v
}

func TestConvOut(t *testing.T) {
	s := kernel.ConvShape{Channels: 1, Filters: 258, Groups: 1, In: []int{640}, Kernel: []int{256}, Stride: []int{128}}
	require.Equal(t, []int{4}, s.Out())
	require.Equal(t, 256*4+258, s.ColSize(), "the patches, and a column of y (4 positions: by Gemv)")
	s = kernel.ConvShape{Channels: 2, Filters: 2, Groups: 1, In: []int{5, 5}, Kernel: []int{3, 3}, Stride: []int{2, 2}, Dilation: []int{2, 1}, PadBegin: []int{1, 0}, PadEnd: []int{1, 1}}
	require.Equal(t, []int{2, 2}, s.Out()) // (5+2−5)/2+1, (5+1−3)/2+1
	require.Zero(t, kernel.ConvShape{Channels: 3, Filters: 3, Groups: 1, In: []int{4, 4}, Kernel: []int{1, 1}}.ColSize(), "pointwise")
	require.Equal(t, 3*4+3, kernel.ConvShape{Channels: 3, Filters: 3, Groups: 1, In: []int{2, 2}, Kernel: []int{1, 1}}.ColSize(), "pointwise, narrow")
}

func TestConvPanics(t *testing.T) {
	ok := kernel.ConvShape{Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}}
	bad := map[string]kernel.ConvShape{
		"no dims":          {Channels: 2, Filters: 2, Groups: 1},
		"groups":           {Channels: 3, Filters: 2, Groups: 2, In: []int{4}, Kernel: []int{3}},
		"zero channels":    {Channels: 0, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}},
		"kernel len":       {Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3, 1}},
		"stride len":       {Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}, Stride: []int{1, 1}},
		"zero stride":      {Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}, Stride: []int{0}},
		"negative pad":     {Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}, PadBegin: []int{-1}},
		"kernel too large": {Channels: 2, Filters: 2, Groups: 1, In: []int{4}, Kernel: []int{3}, Dilation: []int{2}},
		"huge":             {Channels: 2, Filters: 2, Groups: 1, In: []int{1 << 40, 1 << 40}, Kernel: []int{1, 1}},
	}
	for name, s := range bad {
		require.PanicsWithValue(t, panicMessage(func() { s.Out() }), func() { s.Out() }, name)
		require.Contains(t, fmt.Sprint(panicMessage(func() { s.Out() })), "kernel.ConvShape.Out", name)
	}
	y, x, w, col := make([]float32, 4), make([]float32, 8), make([]float32, 12), make([]float32, ok.ColSize())
	kernel.Conv(y, x, w, nil, col, ok)
	for name, f := range map[string]func(){
		"short y":    func() { kernel.Conv(y[:3], x, w, nil, col, ok) },
		"short x":    func() { kernel.Conv(y, x[:7], w, nil, col, ok) },
		"short w":    func() { kernel.Conv(y, x, w[:11], nil, col, ok) },
		"short col":  func() { kernel.Conv(y, x, w, nil, col[:len(col)-1], ok) },
		"short bias": func() { kernel.Conv(y, x, w, []float32{1}, col, ok) },
	} {
		require.Contains(t, fmt.Sprint(panicMessage(f)), "kernel.Conv:", name)
	}
}

// panicMessage returns what f panics with (nil if it returns).
func panicMessage(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// BenchmarkConv: Silero VAD's shapes, by Conv and by PackedConv (packed
// once, outside the loop): v5's STFT (a Conv1d of 1 channel into 258
// filters of 256 taps, stride 128, over one 512-sample chunk with its
// 64-sample context, reflect-padded to 640), the legacy model's (stride
// 64 over 704), v5's first and second encoder layers (129 → 128 channels,
// kernel 3, pad 1, over 4 frames; 128 → 64 at stride 2), and the legacy
// model's depthwise (258 channels, kernel 5, pad 2, over 8 frames) and
// pointwise (258 → 16) layers.
func BenchmarkConv(b *testing.B) {
	one, two := []int{1}, []int{2}
	for _, bc := range []struct {
		name string
		s    kernel.ConvShape
	}{
		{"stft", kernel.ConvShape{Channels: 1, Filters: 258, Groups: 1, In: []int{640}, Kernel: []int{256}, Stride: []int{128}}},
		{"stft_legacy", kernel.ConvShape{Channels: 1, Filters: 258, Groups: 1, In: []int{704}, Kernel: []int{256}, Stride: []int{64}}},
		{"encoder", kernel.ConvShape{Channels: 129, Filters: 128, Groups: 1, In: []int{4}, Kernel: []int{3}, PadBegin: one, PadEnd: one}},
		{"encoder_stride2", kernel.ConvShape{Channels: 128, Filters: 64, Groups: 1, In: []int{4}, Kernel: []int{3}, Stride: two, PadBegin: one, PadEnd: one}},
		{"depthwise", kernel.ConvShape{Channels: 258, Filters: 258, Groups: 258, In: []int{8}, Kernel: []int{5}, PadBegin: two, PadEnd: two}},
		{"pointwise", kernel.ConvShape{Channels: 258, Filters: 16, Groups: 1, In: []int{8}, Kernel: []int{1}}},
	} {
		s := bc.s
		r := rand.New(rand.NewPCG(3, 4))
		P := s.Out()[0]
		x := randSlice(r, s.Channels*s.In[0])
		w := randSlice(r, s.Filters*s.Channels/s.Groups*s.Kernel[0])
		bias := randSlice(r, s.Filters)
		y := make([]float32, s.Filters*P)
		b.Run(bc.name+"/conv", func(b *testing.B) {
			col := make([]float32, s.ColSize())
			b.SetBytes(int64(4 * len(w)))
			for b.Loop() {
				kernel.Conv(y, x, w, bias, col, s)
			}
		})
		b.Run(bc.name+"/packed", func(b *testing.B) {
			var p kernel.PackedConv
			p.Pack(s, w, bias)
			col := make([]float32, p.ColSize())
			b.SetBytes(int64(4 * len(w)))
			for b.Loop() {
				p.Conv(y, x, col)
			}
		})
	}
}
