package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestQLinearAddMul: com.microsoft's QLinearAdd and QLinearMul, B
// broadcast over A's rows, against ONNX Runtime 1.31's outputs for the
// same graph (small enough to derive by hand).
// With sa = sb = 0.25, za = 113, zb = −48 and zc = −41, QLinearAdd (sc =
// 0.5) of 127 and 9 is (14·0.25 + 57·0.25)/0.5 − 41 = −5.5, a tie: −6
// (rounding after adding zc), not 36 − 41 = −5; QLinearMul (sc = 4) of 33
// and −58 is (−20)(−2.5)/4 − 41 = −28.5: −28, not 12 − 41 = −29. Per-axis
// parameters are refused.
func TestQLinearAddMul(t *testing.T) {
	for _, c := range []struct {
		op   string
		sc   float32
		want []int64
	}{
		{"QLinearAdd", 0.5, []int64{-86, -74, -6, -102, -8, -72}},
		{"QLinearMul", 4, []int64{-28, -128, -29, -23, -128, -128}},
	} {
		spec := graphSpec{
			inputs:  []pb{valueInfo("A", onnx.Int8, 2, 3), valueInfo("B", onnx.Int8, 3)},
			outputs: []pb{pb{}.str(1, "C")},
			inits: []pb{floatTensor("sa", nil, 0.25), intTensor("za", onnx.Int8, nil, 113),
				floatTensor("sb", nil, 0.25), intTensor("zb", onnx.Int8, nil, -48),
				floatTensor("sc", nil, c.sc), intTensor("zc", onnx.Int8, nil, -41)},
			nodes: []pb{node(c.op, []string{"A", "sa", "za", "B", "sb", "zb", "sc", "zc"}, []string{"C"}).str(7, "com.microsoft")},
		}
		md, err := onnx.Parse(msModel(13, graph("g", spec)))
		require.NoError(t, err)
		s, err := onnx.NewSession(md, nil, nil)
		require.NoError(t, err)
		copy(s.Input("A").Int, []int64{33, -128, 127, 0, 5, -7})
		copy(s.Input("B").Int, []int64{-58, 127, 9})
		require.NoError(t, s.Run())
		require.Equal(t, onnx.Int8, s.Output("C").DType)
		require.Equal(t, []int{2, 3}, s.Output("C").Dims)
		require.Equal(t, c.want, s.Output("C").Int, c.op)

		spec.inits[0] = floatTensor("sa", []int64{3}, 0.25, 0.25, 0.25)
		md, err = onnx.Parse(msModel(13, graph("g", spec)))
		require.NoError(t, err)
		_, err = onnx.NewSession(md, nil, nil)
		require.ErrorIs(t, err, onnx.ErrUnsupported, c.op)
	}
}

// TestQLinearAddMulDegenerateScales: QLinearAdd and QLinearMul whose
// scales make a result NaN (a scale of 0 over a scale of 0, an infinite
// scale times 0) or beyond int32 (a tiny C scale, an infinite one) give
// the type's minimum, as ONNX Runtime 1.31's x86 kernels do (CVTPS2DQ
// gives the "integer indefinite" INT32_MIN, which the saturating packs
// take to −128 or 0); results within int32 saturate as usual. A is
// [100, −100, 0, 1, −3] (int8) or [100, 0, 1, 2, 3] (uint8), B = 1, zero
// points 0 and zc = 10; the outputs are ONNX Runtime's for the same
// graphs. They were zc for NaN and the type's maximum past int32.
func TestQLinearAddMulDegenerateScales(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		op         string
		dt         onnx.DataType
		sa, sb, sc float32
		want       []int64
	}{
		{"QLinearAdd", onnx.Int8, 1, 1, 1e-8, []int64{-128, -128, 127, 127, -128}},
		{"QLinearAdd", onnx.Int8, 0, 1, 0, []int64{-128, -128, -128, -128, -128}},
		{"QLinearAdd", onnx.Int8, 1, inf, 1, []int64{-128, -128, -128, -128, -128}},
		{"QLinearAdd", onnx.Int8, 1, 1, 1e-3, []int64{127, -128, 127, 127, -128}},
		{"QLinearAdd", onnx.Uint8, 1, 1, 1e-8, []int64{0, 255, 255, 255, 255}},
		{"QLinearAdd", onnx.Uint8, 0, 1, 0, []int64{0, 0, 0, 0, 0}},
		{"QLinearAdd", onnx.Uint8, 1, inf, 1, []int64{0, 0, 0, 0, 0}},
		{"QLinearAdd", onnx.Uint8, 1, 1, 1e-3, []int64{255, 255, 255, 255, 255}},
		{"QLinearMul", onnx.Int8, 1, 1, 1e-8, []int64{-128, -128, 10, 127, -128}},
		{"QLinearMul", onnx.Int8, 0, 1, 0, []int64{-128, -128, -128, -128, -128}},
		{"QLinearMul", onnx.Int8, 1, inf, 1, []int64{-128, -128, -128, -128, -128}},
		{"QLinearMul", onnx.Int8, 1, 1, 1e-3, []int64{127, -128, 10, 127, -128}},
		{"QLinearMul", onnx.Uint8, 1, 1, 1e-8, []int64{0, 10, 255, 255, 255}},
		{"QLinearMul", onnx.Uint8, 0, 1, 0, []int64{0, 0, 0, 0, 0}},
		{"QLinearMul", onnx.Uint8, 1, inf, 1, []int64{0, 0, 0, 0, 0}},
		{"QLinearMul", onnx.Uint8, 1, 1, 1e-3, []int64{255, 10, 255, 255, 255}},
	} {
		spec := graphSpec{
			inputs:  []pb{valueInfo("A", c.dt, 5)},
			outputs: []pb{pb{}.str(1, "C")},
			inits: []pb{floatTensor("sa", nil, c.sa), intTensor("za", c.dt, nil, 0),
				intTensor("B", c.dt, []int64{1}, 1), floatTensor("sb", nil, c.sb), intTensor("zb", c.dt, nil, 0),
				floatTensor("sc", nil, c.sc), intTensor("zc", c.dt, nil, 10)},
			nodes: []pb{node(c.op, []string{"A", "sa", "za", "B", "sb", "zb", "sc", "zc"}, []string{"C"}).str(7, "com.microsoft")},
		}
		md, err := onnx.Parse(msModel(13, graph("g", spec)))
		require.NoError(t, err)
		s, err := onnx.NewSession(md, nil, nil)
		require.NoError(t, err)
		a := []int64{100, -100, 0, 1, -3}
		if c.dt == onnx.Uint8 {
			a = []int64{100, 0, 1, 2, 3}
		}
		copy(s.Input("A").Int, a)
		require.NoError(t, s.Run())
		require.Equal(t, c.want, s.Output("C").Int, "%s %v sa %v sb %v sc %v", c.op, c.dt, c.sa, c.sb, c.sc)
	}
}

// TestQLinearAddRounding: QLinearAdd computes as ONNX Runtime 1.31's
// MLAS kernel, whose rounding differs from (a−za)·ra + (b−zb)·rb + zc in
// about one element in 500,000 of random ones: r = s/sc for each
// operand, f = zc − fma(ra, za, rb·zb), c = fma(a, ra, fma(b, rb, f)),
// with A and B swapped where A is the scalar of a broadcast (its
// "input0 scalar" path). Each case is one such element, A and B
// vectors, B a scalar, or A a scalar; want is ONNX Runtime's output, and
// the result was one more or one less.
func TestQLinearAddRounding(t *testing.T) {
	for _, c := range []struct {
		qlinearQuant
		a, b, want []int64
	}{
		{qlinearQuant{onnx.Int8, 0.008878983, -34, 0.106189266, -113, 0.09240784, -11}, []int64{-119, -119}, []int64{-75, -75}, []int64{24, 24}},
		{qlinearQuant{onnx.Uint8, 0.17067394, 164, 0.118995264, 88, 0.05275939, 215}, []int64{151, 151}, []int64{98, 98}, []int64{195, 195}},
		{qlinearQuant{onnx.Int8, 0.017326957, 126, 0.18543424, -99, 0.12484036, -90}, []int64{-11, -11}, []int64{-100}, []int64{-111, -111}},
		{qlinearQuant{onnx.Uint8, 0.111555375, 40, 0.15165102, 253, 0.15550366, 219}, []int64{96, 96}, []int64{38}, []int64{49, 49}},
		{qlinearQuant{onnx.Int8, 0.053326502, 63, 0.059359048, -7, 0.033853907, 80}, []int64{-93}, []int64{61, 61}, []int64{-47, -47}},
	} {
		got := runQLinearBinary(t, "QLinearAdd", c.qlinearQuant, c.a, c.b)
		require.Equal(t, c.want, got, "%+v", c)
	}
}

// qlinearQuant is a QLinear binary operator's element type and its
// operands' and result's scales and zero points.
type qlinearQuant struct {
	dt onnx.DataType
	sa float32
	za int64
	sb float32
	zb int64
	sc float32
	zc int64
}

// runQLinearBinary runs op (com.microsoft QLinearAdd or QLinearMul) on
// inputs a and b with q's type, scales and zero points as initializers,
// and returns C.
func runQLinearBinary(t *testing.T, op string, q qlinearQuant, a, b []int64) []int64 {
	t.Helper()
	dt, sa, za, sb, zb, sc, zc := q.dt, q.sa, q.za, q.sb, q.zb, q.sc, q.zc
	spec := graphSpec{
		inputs:  []pb{valueInfo("A", dt, int64(len(a))), valueInfo("B", dt, int64(len(b)))},
		outputs: []pb{pb{}.str(1, "C")},
		inits: []pb{floatTensor("sa", nil, sa), intTensor("za", dt, nil, za),
			floatTensor("sb", nil, sb), intTensor("zb", dt, nil, zb),
			floatTensor("sc", nil, sc), intTensor("zc", dt, nil, zc)},
		nodes: []pb{node(op, []string{"A", "sa", "za", "B", "sb", "zb", "sc", "zc"}, []string{"C"}).str(7, "com.microsoft")},
	}
	md, err := onnx.Parse(msModel(13, graph("g", spec)))
	require.NoError(t, err)
	s, err := onnx.NewSession(md, nil, nil)
	require.NoError(t, err)
	copy(s.Input("A").Int, a)
	copy(s.Input("B").Int, b)
	require.NoError(t, s.Run())
	return s.Output("C").Int
}

// TestQLinearMulRounding: QLinearMul computes as ONNX Runtime 1.31's
// kernel, (a−za)(b−zb) (exact) times S = sa·sb/sc (rounded after each
// step), plus zc, which differs in rounding from
// (sa·(a−za))·(sb·(b−zb))/sc + zc in some elements: each case is one,
// want is ONNX Runtime's output, and the result was one more or one
// less.
func TestQLinearMulRounding(t *testing.T) {
	for _, c := range []struct {
		qlinearQuant
		a, b, want int64
	}{
		{qlinearQuant{onnx.Int8, 0.13857608, 0, 0.036535803, -127, 1.9933556, 34}, 95, 74, 82},
		{qlinearQuant{onnx.Int8, 0.09613508, -105, 0.077922344, -102, 3.4978309, -79}, 82, 104, 4},
		{qlinearQuant{onnx.Uint8, 0.07845903, 89, 0.098496795, 103, 1.6292999, 87}, 206, 194, 138},
		{qlinearQuant{onnx.Uint8, 0.17780143, 36, 0.09209719, 176, 2.36879, 171}, 152, 17, 43},
	} {
		got := runQLinearBinary(t, "QLinearMul", c.qlinearQuant, []int64{c.a, c.a}, []int64{c.b, c.b})
		require.Equal(t, []int64{c.want, c.want}, got, "%+v", c)
	}
}
