package onnx_test

import (
	"math"
	"math/cmplx"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// dftRef is the direct O(n²) transform of x zero-padded or truncated to
// length L, its first bins frequencies, in float64.
func dftRef(x []complex128, L, bins int, inverse bool) []complex128 {
	sign, scale := -1.0, 1.0
	if inverse {
		sign, scale = 1, 1/float64(L)
	}
	y := make([]complex128, bins)
	for k := range y {
		for t := 0; t < min(L, len(x)); t++ {
			y[k] += x[t] * cmplx.Rect(1, sign*2*math.Pi*float64(k*t%L)/float64(L))
		}
		y[k] *= complex(scale, 0)
	}
	return y
}

func requireCloseC(t *testing.T, want []complex128, got []float32, what string) {
	t.Helper()
	require.Len(t, got, 2*len(want), what)
	for i, w := range want {
		require.InDelta(t, real(w), float64(got[2*i]), 1e-5, "%s: re %d", what, i)
		require.InDelta(t, imag(w), float64(got[2*i+1]), 1e-5, "%s: im %d", what, i)
	}
}

func TestWindows(t *testing.T) {
	coef := map[string][3]float64{
		"HannWindow":     {0.5, 0.5, 0},
		"HammingWindow":  {25.0 / 46, 21.0 / 46, 0},
		"BlackmanWindow": {0.42, 0.5, 0.08},
	}
	for op, a := range coef {
		for _, periodic := range []int64{0, 1} {
			out, err := runOp(t, 17, op, 1, []pb{attrInt("periodic", periodic)}, arg{t: it(onnx.Int64, []int{}, 7), init: true})
			require.NoError(t, err, op)
			n := 7.0
			if periodic == 0 {
				n = 6
			}
			require.Equal(t, []int{7}, out[0].Dims)
			for i, v := range out[0].Float {
				x := 2 * math.Pi * float64(i) / n
				require.Equal(t, float32(a[0]-a[1]*math.Cos(x)+a[2]*math.Cos(2*x)), v, "%s periodic=%d [%d]", op, periodic, i)
			}
		}
		out, err := runOp(t, 17, op, 1, nil, arg{t: it(onnx.Int32, []int{}, 0), init: true})
		require.NoError(t, err, op)
		require.Empty(t, out[0].Float)
		// hostile or unsupported
		_, err = runOp(t, 17, op, 1, nil, arg{t: it(onnx.Int64, []int{}, 7)})
		require.ErrorIs(t, err, onnx.ErrValueDependent, op)
		require.ErrorIs(t, err, onnx.ErrUnsupported, op)
		_, err = runOp(t, 17, op, 1, nil, arg{t: it(onnx.Int64, []int{}, -3), init: true})
		require.ErrorIs(t, err, onnx.ErrShape, op)
		_, err = runOp(t, 17, op, 1, nil, arg{t: it(onnx.Int64, []int{}, 1<<50), init: true})
		require.ErrorIs(t, err, onnx.ErrLimit, op)
		_, err = runOp(t, 17, op, 1, nil, arg{t: it(onnx.Int64, []int{2}, 3, 4), init: true})
		require.ErrorIs(t, err, onnx.ErrShape, op)
		_, err = runOp(t, 17, op, 1, []pb{attrInt("output_datatype", int64(onnx.Double))}, arg{t: it(onnx.Int64, []int{}, 7), init: true})
		require.ErrorIs(t, err, onnx.ErrUnsupported, op)
		_, err = runOp(t, 16, op, 1, nil, arg{t: it(onnx.Int64, []int{}, 7), init: true})
		require.ErrorIs(t, err, onnx.ErrUnsupported, op)
	}
}

func TestDFT(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	dims := []int{2, 5, 3}
	for _, cin := range []int{1, 2} {
		x := randFloats(r, 2*5*3*cin)
		xd := append(append([]int(nil), dims...), cin)
		for axis := 1; axis <= 2; axis++ {
			n := dims[axis]
			for _, length := range []int{0, n - 1, n, n + 4} { // 0: no dft_length input
				for _, inverse := range []bool{false, true} {
					for _, onesided := range []bool{false, true} {
						if onesided && (cin == 2 || inverse) {
							continue
						}
						L := length
						args := []arg{{t: ft(xd, x...)}}
						if length > 0 {
							args = append(args, arg{t: it(onnx.Int64, []int{}, int64(length)), init: true})
						} else {
							L = n
						}
						bins := L
						if onesided {
							bins = L/2 + 1
						}
						attrs := []pb{attrInt("axis", int64(axis)), attrInt("inverse", b2i(inverse)), attrInt("onesided", b2i(onesided))}
						out, err := runOp(t, 17, "DFT", 1, attrs, args...)
						require.NoError(t, err)
						wd := append([]int(nil), xd...)
						wd[axis], wd[3] = bins, 2
						require.Equal(t, wd, out[0].Dims)
						// opset 20: the axis as an input, negative
						args20 := append(args[:1:1], arg{}, arg{t: it(onnx.Int64, []int{}, int64(axis-4)), init: true})
						if length > 0 {
							args20[1] = args[1]
						}
						out20, err := runOp(t, 20, "DFT", 1, attrs[1:], args20...)
						require.NoError(t, err)
						require.Equal(t, out[0].Float, out20[0].Float)
						strides := []int{5 * 3, 3, 1}
						for o := 0; o < 2*5*3/n; o++ {
							// the o-th signal along axis: index of its first element
							var base int
							if axis == 1 {
								base = (o/3)*15 + o%3
							} else {
								base = o * 3
							}
							sig := make([]complex128, n)
							for tt := range sig {
								e := (base + tt*strides[axis]) * cin
								sig[tt] = complex(float64(x[e]), 0)
								if cin == 2 {
									sig[tt] = complex(float64(x[e]), float64(x[e+1]))
								}
							}
							want := dftRef(sig, L, bins, inverse)
							got := make([]float32, 0, 2*bins)
							for f := range bins {
								var e int
								if axis == 1 {
									e = ((o/3)*bins*3 + f*3 + o%3) * 2
								} else {
									e = (o*bins + f) * 2
								}
								got = append(got, out[0].Float[e], out[0].Float[e+1])
							}
							requireCloseC(t, want, got, "DFT")
						}
					}
				}
			}
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestDFTRefuses(t *testing.T) {
	x := arg{t: ft([]int{1, 4, 1}, 1, 2, 3, 4)}
	xc := arg{t: ft([]int{1, 2, 2}, 1, 2, 3, 4)}
	for _, c := range []struct {
		name  string
		attrs []pb
		args  []arg
		want  error
	}{
		{"dft_length unknown", nil, []arg{x, {t: it(onnx.Int64, []int{}, 4)}}, onnx.ErrValueDependent},
		{"dft_length 0", nil, []arg{x, {t: it(onnx.Int64, []int{}, 0), init: true}}, onnx.ErrShape},
		{"dft_length negative", nil, []arg{x, {t: it(onnx.Int64, []int{}, -4), init: true}}, onnx.ErrShape},
		{"dft_length huge", nil, []arg{x, {t: it(onnx.Int64, []int{}, 1<<40), init: true}}, onnx.ErrLimit},
		{"axis of the parts", []pb{attrInt("axis", 2)}, []arg{x}, onnx.ErrShape},
		{"axis out of range", []pb{attrInt("axis", 3)}, []arg{x}, onnx.ErrShape},
		{"last dim 3", nil, []arg{{t: ft([]int{1, 1, 3}, 1, 2, 3)}}, onnx.ErrShape},
		{"onesided complex", []pb{attrInt("onesided", 1)}, []arg{xc}, onnx.ErrUnsupported},
		{"onesided inverse", []pb{attrInt("onesided", 1), attrInt("inverse", 1)}, []arg{x}, onnx.ErrUnsupported},
	} {
		_, err := runOp(t, 17, "DFT", 1, c.attrs, c.args...)
		require.ErrorIs(t, err, c.want, c.name)
	}
	_, err := runOp(t, 20, "DFT", 1, nil, x, arg{}, arg{t: it(onnx.Int64, []int{}, 1)})
	require.ErrorIs(t, err, onnx.ErrValueDependent, "axis unknown")
}

// stftRef is the reference STFT of one signal.
func stftRef(sig []complex128, win []float64, step, fl, bins int) [][]complex128 {
	var frames [][]complex128
	for s := 0; s+fl <= len(sig); s += step {
		f := make([]complex128, fl)
		for i := range f {
			f[i] = sig[s+i]
			if win != nil {
				f[i] *= complex(win[i], 0)
			}
		}
		frames = append(frames, dftRef(f, fl, bins, false))
	}
	return frames
}

func TestSTFT(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const batch, length = 2, 50
	for _, cin := range []int{1, 2} {
		x := randFloats(r, batch*length*cin)
		for _, geom := range [][2]int{{7, 16}, {16, 12}, {12, 12}, {100, 9}} { // step, frame_length
			step, fl := geom[0], geom[1]
			for _, winMode := range []string{"none", "init", "input"} {
				win := randFloats(r, fl)
				args := []arg{{t: ft([]int{batch, length, cin}, x...)}, {t: it(onnx.Int64, []int{}, int64(step)), init: true}}
				switch winMode {
				case "none":
					args = append(args, arg{}, arg{t: it(onnx.Int64, []int{}, int64(fl)), init: true})
				case "init":
					args = append(args, arg{t: ft([]int{fl}, win...), init: true})
				case "input":
					args = append(args, arg{t: ft([]int{fl}, win...)}, arg{t: it(onnx.Int32, []int{}, int64(fl)), init: true})
				}
				var attrs []pb
				bins := fl/2 + 1
				if cin == 2 {
					attrs, bins = []pb{attrInt("onesided", 0)}, fl
				}
				out, err := runOp(t, 17, "STFT", 1, attrs, args...)
				require.NoError(t, err, "%v %s", geom, winMode)
				frames := 1 + (length-fl)/step
				require.Equal(t, []int{batch, frames, bins, 2}, out[0].Dims)
				var w64 []float64
				if winMode != "none" {
					for _, v := range win {
						w64 = append(w64, float64(v))
					}
				}
				for b := range batch {
					sig := make([]complex128, length)
					for i := range sig {
						e := (b*length + i) * cin
						sig[i] = complex(float64(x[e]), 0)
						if cin == 2 {
							sig[i] = complex(float64(x[e]), float64(x[e+1]))
						}
					}
					want := stftRef(sig, w64, step, fl, bins)
					require.Len(t, want, frames)
					for i, fr := range want {
						o := (b*frames + i) * bins * 2
						requireCloseC(t, fr, out[0].Float[o:o+2*bins], "STFT")
					}
				}
			}
		}
	}
}

func TestSTFTRefuses(t *testing.T) {
	sig := arg{t: ft([]int{1, 8, 1}, 1, 2, 3, 4, 5, 6, 7, 8)}
	step := func(v int64) arg { return arg{t: it(onnx.Int64, []int{}, v), init: true} }
	fl := step
	win := arg{t: ft([]int{4}, 1, 1, 1, 1)}
	for _, c := range []struct {
		name  string
		attrs []pb
		args  []arg
		want  error
	}{
		{"frame_step 0", nil, []arg{sig, step(0), {}, fl(4)}, onnx.ErrShape},
		{"frame_step negative", nil, []arg{sig, step(-2), {}, fl(4)}, onnx.ErrShape},
		{"frame_step unknown", nil, []arg{sig, {t: it(onnx.Int64, []int{}, 2)}, {}, fl(4)}, onnx.ErrValueDependent},
		{"frame_length unknown", nil, []arg{sig, step(2), {}, {t: it(onnx.Int64, []int{}, 4)}}, onnx.ErrValueDependent},
		{"window and frame_length disagree", nil, []arg{sig, step(2), win, fl(5)}, onnx.ErrShape},
		{"neither window nor frame_length", nil, []arg{sig, step(2)}, onnx.ErrShape},
		{"frame longer than signal", nil, []arg{sig, step(2), {}, fl(9)}, onnx.ErrShape},
		{"frame_length 0", nil, []arg{sig, step(2), {}, fl(0)}, onnx.ErrShape},
		{"frame_length huge", nil, []arg{sig, step(2), {}, fl(1 << 50)}, onnx.ErrLimit},
		{"window of rank 2", nil, []arg{sig, step(2), {t: ft([]int{2, 2}, 1, 1, 1, 1)}}, onnx.ErrShape},
		{"onesided complex", nil, []arg{{t: ft([]int{1, 4, 2}, 1, 2, 3, 4, 5, 6, 7, 8)}, step(1), {}, fl(2)}, onnx.ErrUnsupported},
		{"signal rank 2", nil, []arg{{t: ft([]int{8, 1}, 1, 2, 3, 4, 5, 6, 7, 8)}, step(1), {}, fl(2)}, onnx.ErrShape},
	} {
		_, err := runOp(t, 17, "STFT", 1, c.attrs, c.args...)
		require.ErrorIs(t, err, c.want, c.name)
	}
	// A huge step gives one frame.
	out, err := runOp(t, 17, "STFT", 1, nil, sig, step(1<<62), arg{}, fl(4))
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 3, 2}, out[0].Dims)
}

func TestMelWeightMatrix(t *testing.T) {
	i32 := func(v int64) arg { return arg{t: it(onnx.Int32, []int{}, v), init: true} }
	f32 := func(v float32) arg { return arg{t: ft([]int{}, v), init: true} }
	// 4 bands of a 16-point spectrum (9 bins), 0 to 4000 Hz at 8000 Hz:
	// the band edges fall on bins 0, 0, 1, 2, 3, 5 (numpy agrees), so the
	// first band is a single 1.
	out, err := runOp(t, 17, "MelWeightMatrix", 1, nil, i32(4), i32(16), i32(8000), f32(0), f32(4000))
	require.NoError(t, err)
	require.Equal(t, []int{9, 4}, out[0].Dims)
	points := melPoints(4, 16, 8000, 0, 4000)
	require.Equal(t, []int{0, 0, 1, 2, 3, 5}, points)
	want := make([]float32, 9*4)
	for i := range 4 {
		lo, mid, hi := points[i], points[i+1], points[i+2]
		for j := lo; j <= mid; j++ {
			if mid == lo {
				want[mid*4+i] = 1
			} else {
				want[j*4+i] = float32(j-lo) / float32(mid-lo)
			}
		}
		for j := mid; j < hi; j++ {
			want[j*4+i] = float32(hi-j) / float32(hi-mid)
		}
	}
	require.Equal(t, want, out[0].Float)
	for _, c := range []struct {
		name string
		args []arg
		want error
	}{
		{"unknown", []arg{{t: it(onnx.Int32, []int{}, 4)}, i32(16), i32(8000), f32(0), f32(4000)}, onnx.ErrValueDependent},
		{"negative bands", []arg{i32(-1), i32(16), i32(8000), f32(0), f32(4000)}, onnx.ErrShape},
		{"dft_length 0", []arg{i32(4), i32(0), i32(8000), f32(0), f32(4000)}, onnx.ErrShape},
		{"sample_rate 0", []arg{i32(4), i32(16), i32(0), f32(0), f32(4000)}, onnx.ErrShape},
		{"upper edge past the spectrum", []arg{i32(4), i32(16), i32(8000), f32(0), f32(9000)}, onnx.ErrShape},
		{"negative edge", []arg{i32(4), i32(16), i32(8000), f32(-2000), f32(4000)}, onnx.ErrShape},
		{"infinite edge", []arg{i32(4), i32(16), i32(8000), f32(0), f32(float32(math.Inf(1)))}, onnx.ErrShape},
		{"huge", []arg{i32(1 << 30), i32(1 << 30), i32(8000), f32(0), f32(4000)}, onnx.ErrLimit},
	} {
		_, err := runOp(t, 17, "MelWeightMatrix", 1, nil, c.args...)
		require.ErrorIs(t, err, c.want, c.name)
	}
}

// melPoints are the bins of the band edges, in float64.
func melPoints(mel, dftLen, rate int, lo, hi float64) []int {
	toMel := func(hz float64) float64 { return 2595 * math.Log10(1+hz/700) }
	l, h := toMel(lo), toMel(hi)
	p := make([]int, mel+2)
	for i := range p {
		hz := 700 * (math.Pow(10, (float64(i)*(h-l)/float64(mel+2)+l)/2595) - 1)
		p[i] = int(math.Floor(float64(dftLen+1) * hz / float64(rate)))
	}
	return p
}

func TestSpectralRunAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not kept under -race")
	}
	r := rand.New(rand.NewSource(5))
	for _, c := range []struct {
		name  string
		op    string
		attrs []pb
		args  []arg
	}{
		{"DFT gathered", "DFT", []pb{attrInt("axis", 1)}, []arg{{t: ft([]int{2, 6, 3, 2}, randFloats(r, 72)...)}}},
		{"DFT in place", "DFT", []pb{attrInt("axis", 2), attrInt("onesided", 1)}, []arg{{t: ft([]int{2, 3, 6, 1}, randFloats(r, 36)...)}}},
		{"STFT windowed copy", "STFT", nil, []arg{{t: ft([]int{1, 40, 1}, randFloats(r, 40)...)}, {t: it(onnx.Int64, []int{}, 4), init: true}, {t: ft([]int{8}, randFloats(r, 8)...)}}},
		{"STFT in place", "STFT", nil, []arg{{t: ft([]int{2, 40, 1}, randFloats(r, 80)...)}, {t: it(onnx.Int64, []int{}, 8), init: true}, {t: ft([]int{8}, randFloats(r, 8)...), init: true}}},
	} {
		s, outs, err := opSession(t, 17, c.op, 1, c.attrs, c.args...)
		require.NoError(t, err, c.name)
		_, err = runSession(s, outs, c.args)
		require.NoError(t, err, c.name)
		require.Zero(t, testing.AllocsPerRun(5, func() { _ = s.Run() }), c.name)
	}
}
