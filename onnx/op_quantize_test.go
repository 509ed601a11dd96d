package onnx_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestDynamicQuantizedMatMul runs the graph ONNX Runtime's dynamic
// quantizer writes for a MatMul with int8 weights (DynamicQuantizeLinear
// of the activations, MatMulInteger with the weights' int8 values and
// zero point, Cast to float, the two scales multiplied in) and holds it to
// the float product within the scheme's error, and to the exact integer
// sums; NaN in the activations is an error at Run.
func TestDynamicQuantizedMatMul(t *testing.T) {
	const m, k, n = 3, 40, 6
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, m*k)
	for i := range x {
		x[i] = float32(r.Float64()*4 - 1.5)
	}
	w := make([]float32, k*n)
	wq := make([]int64, k*n)
	const ws = float32(0.02) // weights in [−127, 127]·0.02
	for i := range w {
		wq[i] = int64(r.IntN(255)) - 127
		w[i] = float32(wq[i]) * ws
	}
	spec := graphSpec{
		inputs:  []pb{valueInfo("x", onnx.Float, m, k)},
		outputs: []pb{pb{}.str(1, "y"), pb{}.str(1, "xq")},
		inits: []pb{intTensor("w", onnx.Int8, []int64{k, n}, wq...), intTensor("wz", onnx.Int8, nil, 0),
			floatTensor("ws", nil, ws)},
		nodes: []pb{
			node("DynamicQuantizeLinear", []string{"x"}, []string{"xq", "xs", "xz"}),
			node("MatMulInteger", []string{"xq", "w", "xz", "wz"}, []string{"acc"}),
			node("Cast", []string{"acc"}, []string{"accf"}, attrInt("to", int64(onnx.Float))),
			node("Mul", []string{"xs", "ws"}, []string{"scale"}),
			node("Mul", []string{"accf", "scale"}, []string{"y"}),
		},
	}
	md, err := onnx.Parse(model(13, graph("g", spec)))
	require.NoError(t, err)
	s, err := onnx.NewSession(md, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, x)
	require.NoError(t, s.Run())
	y, xq := s.Output("y").Float, s.Output("xq").Int

	// The activations' scheme, as ONNX defines it.
	var mx, mn float32
	for _, v := range x {
		mx, mn = max(mx, v), min(mn, v)
	}
	xs := (mx - mn) / 255
	xz := int64(math.RoundToEven(float64(-mn / xs)))
	for i, v := range x {
		q := int64(math.RoundToEven(float64(v/xs))) + xz
		require.Equal(t, min(max(q, 0), 255), xq[i], "x[%d]", i)
	}
	for i := range m {
		for j := range n {
			var exact int64
			var float, bound float64
			for p := range k {
				exact += (xq[i*k+p] - xz) * wq[p*n+j]
				float += float64(x[i*k+p]) * float64(w[p*n+j])
				bound += math.Abs(float64(w[p*n+j]))
			}
			require.Equal(t, float32(float32(exact)*(xs*ws)), y[i*n+j], "y[%d,%d]", i, j)
			require.InDelta(t, float, float64(y[i*n+j]), bound*float64(xs)/2+1e-4, "y[%d,%d] against the float product", i, j)
		}
	}

	s.Input("x").Float[5] = float32(math.NaN())
	require.ErrorIs(t, s.Run(), onnx.ErrInput)
}

// TestQuantizeLinearAxis: per-axis scales and zero points, saturation,
// ties to even, and DequantizeLinear inverting it; a zero point of the
// wrong shape, and a per-axis scale before opset 13, are refused.
func TestQuantizeLinearAxis(t *testing.T) {
	x := ft([]int{2, 3}, 0.5, 1.5, -300, 2.5, 1000, -0.25)
	scale := ft([]int{3}, 1, 1, 0.5)
	zp := it(onnx.Int8, []int{3}, 0, 1, -2)
	out, err := runOp(t, 13, "QuantizeLinear", 1, []pb{attrInt("axis", 1)}, arg{t: x}, arg{t: scale, init: true}, arg{t: zp, init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Int8, out[0].DType)
	// 0.5→0, 1.5→2+1, −300/0.5→−600−2 saturates; 2.5→2, 1000→127, −0.5→−0 −2
	require.Equal(t, []int64{0, 3, -128, 2, 127, -2}, out[0].Int)
	back, err := runOp(t, 13, "DequantizeLinear", 1, []pb{attrInt("axis", 1)}, arg{t: out[0]}, arg{t: scale, init: true}, arg{t: zp, init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{0, 2, -63, 2, 126, 0}, back[0].Float)
	_, err = runOp(t, 13, "QuantizeLinear", 1, nil, arg{t: x}, arg{t: scale, init: true}, arg{t: it(onnx.Int8, []int{2}, 0, 0), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 10, "QuantizeLinear", 1, nil, arg{t: x}, arg{t: scale, init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
}

// TestMatMulIntegerPaths: MatMulInteger over uint8 and int8 A, int8 B (the
// kernel.DotInt8 path) and B holding −128 (the Go loop), with scalar and
// per-row/per-column zero points and batch broadcasting, against the
// exact sums wrapped to int32.
func TestMatMulIntegerPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const bt, m, k, n = 2, 3, 70, 4
	for _, c := range []struct {
		at       onnx.DataType
		minB     int
		perRowZP bool
	}{{onnx.Uint8, -127, false}, {onnx.Int8, -127, true}, {onnx.Uint8, -128, true}, {onnx.Int8, -128, false}} {
		lo, hi := int64(0), int64(255)
		if c.at == onnx.Int8 {
			lo, hi = -128, 127
		}
		a := make([]int64, bt*m*k)
		for i := range a {
			a[i] = lo + r.Int64N(hi-lo+1)
		}
		b := make([]int64, k*n)
		for i := range b {
			b[i] = int64(c.minB) + r.Int64N(int64(127-c.minB+1))
		}
		b[0] = int64(c.minB)
		za, zb := []int64{lo + 7}, []int64{-3}
		zaDims, zbDims := []int{1}, []int{1}
		if c.perRowZP {
			za, zb = []int64{lo + 1, lo + 200, lo + 128}, []int64{5, -9, 0, 127}
			zaDims, zbDims = []int{m}, []int{n}
		}
		for _, bInit := range []bool{true, false} { // B packed once while planning, or at every run
			out, err := runOp(t, 13, "MatMulInteger", 1, nil, arg{t: it(c.at, []int{bt, m, k}, a...)},
				arg{t: it(onnx.Int8, []int{k, n}, b...), init: bInit}, arg{t: it(c.at, zaDims, za...)}, arg{t: it(onnx.Int8, zbDims, zb...)})
			require.NoError(t, err)
			require.Equal(t, []int{bt, m, n}, out[0].Dims)
			for x := range bt {
				for i := range m {
					for j := range n {
						zai, zbj := za[0], zb[0]
						if c.perRowZP {
							zai, zbj = za[i], zb[j]
						}
						var s int64
						for p := range k {
							s += (a[(x*m+i)*k+p] - zai) * (b[p*n+j] - zbj)
						}
						require.Equal(t, int64(int32(s)), out[0].Int[(x*m+i)*n+j], "%v B initializer %v: y[%d,%d,%d]", c, bInit, x, i, j)
					}
				}
			}
		}
	}
}

// TestConvIntegerAgainstConv: ConvInteger (uint8 x, int8 w, a zero point
// per output channel, two groups, strides, dilations, pads) equals the
// float Conv of x and w less their zero points (exact here: every sum is
// below 2^24), and QLinearConv requantizes it with its bias.
func TestConvIntegerAgainstConv(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const n, c, m, h, w = 2, 4, 6, 7, 9
	xs := make([]int64, n*c*h*w)
	for i := range xs {
		xs[i] = r.Int64N(256)
	}
	ws := make([]int64, m*(c/2)*3*3)
	for i := range ws {
		ws[i] = r.Int64N(255) - 127
	}
	zw := []int64{0, 3, -5, 127, -128, 1}
	const zx = 17
	attrs := []pb{attrInt("group", 2), attrInts("strides", 2, 1), attrInts("dilations", 1, 2), attrInts("pads", 1, 2, 0, 1)}
	got, err := runOp(t, 13, "ConvInteger", 1, attrs, arg{t: it(onnx.Uint8, []int{n, c, h, w}, xs...)},
		arg{t: it(onnx.Int8, []int{m, c / 2, 3, 3}, ws...), init: true}, arg{t: it(onnx.Uint8, nil, zx)}, arg{t: it(onnx.Int8, []int{m}, zw...), init: true})
	require.NoError(t, err)
	xf, wf := make([]float32, len(xs)), make([]float32, len(ws))
	for i, v := range xs {
		xf[i] = float32(v - zx)
	}
	per := len(ws) / m
	for i, v := range ws {
		wf[i] = float32(v - zw[i/per])
	}
	want, err := runOp(t, 13, "Conv", 1, attrs, arg{t: ft([]int{n, c, h, w}, xf...)}, arg{t: ft([]int{m, c / 2, 3, 3}, wf...), init: true})
	require.NoError(t, err)
	require.Equal(t, want[0].Dims, got[0].Dims)
	require.Equal(t, onnx.Int32, got[0].DType)
	for i, v := range want[0].Float {
		require.Equal(t, int64(v), got[0].Int[i], "y[%d]", i)
	}

	// QLinearConv: the same sums plus a bias, times 0.5·0.25/2, rounded
	// half to even, plus 100, saturated to uint8.
	bias := []int64{5, -5, 1000, 0, -1000, 7}
	q, err := runOp(t, 13, "QLinearConv", 1, attrs, arg{t: it(onnx.Uint8, []int{n, c, h, w}, xs...)}, arg{t: ft(nil, 0.5), init: true},
		arg{t: it(onnx.Uint8, nil, zx), init: true}, arg{t: it(onnx.Int8, []int{m, c / 2, 3, 3}, ws...), init: true},
		arg{t: ft(nil, 0.25), init: true}, arg{t: it(onnx.Int8, []int{m}, zw...), init: true}, arg{t: ft(nil, 2), init: true},
		arg{t: it(onnx.Uint8, nil, 100), init: true}, arg{t: it(onnx.Int32, []int{m}, bias...), init: true})
	require.NoError(t, err)
	plane := len(got[0].Int) / (n * m)
	for i, v := range got[0].Int {
		acc := v + bias[i/plane%m]
		e := math.RoundToEven(float64(float32(acc)*(0.5*0.25/2))) + 100
		require.Equal(t, int64(min(max(e, 0), 255)), q[0].Int[i], "y[%d]", i)
	}
}

// TestQuantizeLinearOpset21: output_dtype gives the output's type where
// there is no zero point (it was ignored: uint8 came out where int8 was
// asked) and must agree with the zero point's; int16 and uint16; a
// float8 output_dtype is refused. (ONNX Runtime 1.31 agrees on each.)
func TestQuantizeLinearOpset21(t *testing.T) {
	x := ft([]int{5}, -300, -1.5, 0.5, 2.5, 300)
	s := ft(nil, 1)
	out, err := runOp(t, 21, "QuantizeLinear", 1, []pb{attrInt("output_dtype", int64(onnx.Int8))}, arg{t: x}, arg{t: s, init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Int8, out[0].DType)
	require.Equal(t, []int64{-128, -2, 0, 2, 127}, out[0].Int)
	_, err = runOp(t, 21, "QuantizeLinear", 1, []pb{attrInt("output_dtype", int64(onnx.Uint8))}, arg{t: x}, arg{t: s, init: true}, arg{t: it(onnx.Int8, nil, 0), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 21, "QuantizeLinear", 1, []pb{attrInt("output_dtype", 17)}, arg{t: x}, arg{t: s, init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)

	big := ft([]int{3}, -1e6, 0.5, 1e6)
	out, err = runOp(t, 21, "QuantizeLinear", 1, nil, arg{t: big}, arg{t: ft(nil, 2), init: true}, arg{t: it(onnx.Int16, nil, 10), init: true})
	require.NoError(t, err)
	require.Equal(t, onnx.Int16, out[0].DType)
	require.Equal(t, []int64{-32768, 10, 32767}, out[0].Int)
	out, err = runOp(t, 21, "QuantizeLinear", 1, nil, arg{t: big}, arg{t: ft(nil, 2), init: true}, arg{t: it(onnx.Uint16, nil, 10), init: true})
	require.NoError(t, err)
	require.Equal(t, []int64{0, 10, 65535}, out[0].Int)
	// before opset 21 int16 is not a quantized type
	_, err = runOp(t, 19, "QuantizeLinear", 1, nil, arg{t: big}, arg{t: ft(nil, 2), init: true}, arg{t: it(onnx.Int16, nil, 10), init: true})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestQuantizeLinearBlocked: opset 21's block_size, a scale and zero point
// per block of indices along the axis (the last block shorter), and
// DequantizeLinear's; a scale not of x's rank, or of the wrong block
// count, is refused, as is block_size with a per-tensor scale.
func TestQuantizeLinearBlocked(t *testing.T) {
	// x [2, 5], axis 1, blocks {0,1} {2,3} {4}
	x := ft([]int{2, 5}, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5)
	scale := ft([]int{2, 3}, 1, 2, 0.5, 0.25, 4, 1)
	zp := it(onnx.Int8, []int{2, 3}, 0, 1, -1, 2, 0, 3)
	attrs := []pb{attrInt("axis", 1), attrInt("block_size", 2)}
	out, err := runOp(t, 21, "QuantizeLinear", 1, attrs, arg{t: x}, arg{t: scale, init: true}, arg{t: zp, init: true})
	require.NoError(t, err)
	// row 0: 1/1, 2/1 | 3/2+1 = 2.5 → 2+1, 4/2+1 | 5/0.5 − 1
	// row 1: −1/0.25+2, −2/0.25+2 | −3/4 → −1, −4/4 → −1 | −5/1 + 3
	require.Equal(t, []int64{1, 2, 3, 3, 9, -2, -6, -1, -1, -2}, out[0].Int)
	back, err := runOp(t, 21, "DequantizeLinear", 1, attrs, arg{t: out[0]}, arg{t: scale, init: true}, arg{t: zp, init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2, 4, 4, 5, -1, -2, -4, -4, -5}, back[0].Float)

	_, err = runOp(t, 21, "QuantizeLinear", 1, attrs, arg{t: x}, arg{t: ft([]int{2, 2}, 1, 1, 1, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 21, "QuantizeLinear", 1, attrs, arg{t: x}, arg{t: ft([]int{6}, 1, 1, 1, 1, 1, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
	_, err = runOp(t, 21, "QuantizeLinear", 1, []pb{attrInt("block_size", 2)}, arg{t: x}, arg{t: ft(nil, 1), init: true})
	require.ErrorIs(t, err, onnx.ErrShape)
}

// TestDequantizeLinearInt32ZeroPoint: x − zero point is exact before the
// one rounding to float32 (it was float32(x) − float32(zero point), two).
func TestDequantizeLinearInt32ZeroPoint(t *testing.T) {
	out, err := runOp(t, 13, "DequantizeLinear", 1, nil, arg{t: it(onnx.Int32, []int{2}, 16777217, 7)}, arg{t: ft(nil, 1), init: true}, arg{t: it(onnx.Int32, nil, 1), init: true})
	require.NoError(t, err)
	require.Equal(t, []float32{16777216, 6}, out[0].Float)
}

// TestMatMulIntegerBatchedParams: zero points of one row of A per matrix
// ([batch, m, 1]) and one column of B per matrix ([batch, 1, n]), which
// ONNX defines for N-D operands and which were refused, on the DotInt8
// path and the Go loop's (B holding −128); and QLinearMatMul with such
// zero points and scales, and with B's per column ([n]), which were
// refused as well; against the exact sums and ONNX's requantization.
func TestMatMulIntegerBatchedParams(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const bt, m, k, n = 2, 3, 9, 4
	a, b := make([]int64, bt*m*k), make([]int64, bt*k*n)
	for i := range a {
		a[i] = int64(r.IntN(256))
	}
	for i := range b {
		b[i] = int64(r.IntN(256)) - 128
	}
	za, zb := make([]int64, bt*m), make([]int64, bt*n)
	for i := range za {
		za[i] = int64(r.IntN(256))
	}
	for i := range zb {
		zb[i] = int64(r.IntN(256)) - 128
	}
	sums := func(bb []int64) []int64 {
		s := make([]int64, bt*m*n)
		for x := range bt {
			for i := range m {
				for j := range n {
					for p := range k {
						s[(x*m+i)*n+j] += (a[(x*m+i)*k+p] - za[x*m+i]) * (bb[(x*k+p)*n+j] - zb[x*n+j])
					}
				}
			}
		}
		return s
	}
	for _, minB := range []int64{-127, -128} { // the DotInt8 path, the Go loop
		bb := slices.Clone(b)
		for i := range bb {
			bb[i] = max(bb[i], -127)
		}
		bb[5] = minB
		out, err := runOp(t, 13, "MatMulInteger", 1, nil, arg{t: it(onnx.Uint8, []int{bt, m, k}, a...)},
			arg{t: it(onnx.Int8, []int{bt, k, n}, bb...), init: true}, arg{t: it(onnx.Uint8, []int{bt, m, 1}, za...)}, arg{t: it(onnx.Int8, []int{bt, 1, n}, zb...)})
		require.NoError(t, err)
		require.Equal(t, sums(bb), out[0].Int, "min B %d", minB)
	}
	_, err := runOp(t, 13, "MatMulInteger", 1, nil, arg{t: it(onnx.Uint8, []int{bt, m, k}, a...)},
		arg{t: it(onnx.Int8, []int{bt, k, n}, b...)}, arg{t: it(onnx.Uint8, []int{m, 1, bt}, za...)})
	require.ErrorIs(t, err, onnx.ErrShape)

	// QLinearMatMul: per-matrix rows of A and columns of B
	sa, sb := make([]float32, bt*m), make([]float32, bt*n)
	for i := range sa {
		sa[i] = float32(r.Float64()*0.05 + 0.001)
	}
	for i := range sb {
		sb[i] = float32(r.Float64()*0.05 + 0.001)
	}
	const sy, zy = float32(0.02), 3
	want := func(s []int64, sa, sb func(x, i, j int) float32) []int64 {
		w := make([]int64, len(s))
		for x := range bt {
			for i := range m {
				for j := range n {
					o := (x*m+i)*n + j
					q := math.RoundToEven(float64(float32(int32(s[o])) * (sa(x, i, j) * sb(x, i, j) / sy)))
					w[o] = int64(min(max(q+zy, -128), 127))
				}
			}
		}
		return w
	}
	out, err := runOp(t, 13, "QLinearMatMul", 1, nil, arg{t: it(onnx.Uint8, []int{bt, m, k}, a...)},
		arg{t: ft([]int{bt, m, 1}, sa...)}, arg{t: it(onnx.Uint8, []int{bt, m, 1}, za...)},
		arg{t: it(onnx.Int8, []int{bt, k, n}, b...), init: true}, arg{t: ft([]int{bt, 1, n}, sb...)}, arg{t: it(onnx.Int8, []int{bt, 1, n}, zb...)},
		arg{t: ft(nil, sy)}, arg{t: it(onnx.Int8, nil, zy)})
	require.NoError(t, err)
	require.Equal(t, want(sums(b), func(x, i, _ int) float32 { return sa[x*m+i] }, func(x, _, j int) float32 { return sb[x*n+j] }), out[0].Int)

	// B's per column, the same for each matrix; A per tensor
	for x := range bt {
		copy(zb[x*n:], zb[:n])
		for i := range m {
			za[x*m+i] = za[0]
		}
	}
	out, err = runOp(t, 13, "QLinearMatMul", 1, nil, arg{t: it(onnx.Uint8, []int{bt, m, k}, a...)},
		arg{t: ft(nil, sa[0])}, arg{t: it(onnx.Uint8, nil, za[0])},
		arg{t: it(onnx.Int8, []int{bt, k, n}, b...)}, arg{t: ft([]int{n}, sb[:n]...)}, arg{t: it(onnx.Int8, []int{n}, zb[:n]...)},
		arg{t: ft(nil, sy)}, arg{t: it(onnx.Int8, nil, zy)})
	require.NoError(t, err)
	require.Equal(t, want(sums(b), func(int, int, int) float32 { return sa[0] }, func(_, _, j int) float32 { return sb[j] }), out[0].Int)
}

// TestRound: half to even, and "x itself" for ±0, ±Inf and NaN (ONNX's
// Round), bit for bit: a NaN's payload and a signalling NaN as they are,
// as ONNX Runtime 1.31's FLOAT Round gives them.
func TestRound(t *testing.T) {
	bits := []uint32{0x3fc00000, 0x40200000, 0xbf000000, 0x80000000, 0x7f800000, 0xff800000,
		0x7fc00000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x7fa00000, 0xff800001}
	want := []uint32{0x40000000, 0x40000000, 0x80000000, 0x80000000, 0x7f800000, 0xff800000,
		0x7fc00000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x7fa00000, 0xff800001}
	x := ft([]int{len(bits)})
	for _, b := range bits {
		x.Float = append(x.Float, math.Float32frombits(b))
	}
	for _, init := range []bool{false, true} {
		out, err := runOp(t, 11, "Round", 1, nil, arg{t: x, init: init})
		require.NoError(t, err)
		for i, w := range want {
			require.Equal(t, w, math.Float32bits(out[0].Float[i]), "Round(%#x), folded %v", bits[i], init)
		}
	}
}

// TestQuantizeLinearNaN: NaN quantizes to the zero point, int8 and uint8
// (ONNX Runtime 1.31 gives the type's minimum: −128 and 0), and ±Inf
// saturate.
func TestQuantizeLinearNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := ft([]int{4}, nan, -nan, float32(math.Inf(1)), float32(math.Inf(-1)))
	for _, zp := range []*onnx.Tensor{it(onnx.Int8, nil, 5), it(onnx.Uint8, nil, 128)} {
		out, err := runOp(t, 13, "QuantizeLinear", 1, nil, arg{t: x}, arg{t: ft(nil, 0.5), init: true}, arg{t: zp, init: true})
		require.NoError(t, err)
		lo, hi := int64(-128), int64(127)
		if zp.DType == onnx.Uint8 {
			lo, hi = 0, 255
		}
		require.Equal(t, []int64{zp.Int[0], zp.Int[0], hi, lo}, out[0].Int, "%v", zp.DType)
	}
}
