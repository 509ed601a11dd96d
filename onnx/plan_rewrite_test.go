package onnx_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestIsInfOfWideningCast: IsInf and IsNaN of Cast(x, DOUBLE), as
// torch.onnx.export writes torch.isinf, run on x itself; the Cast stays
// (and is refused, DOUBLE not being computed with) when anything else
// reads its output, and an input that is not FLOAT is refused by IsInf.
func TestIsInfOfWideningCast(t *testing.T) {
	cast := node("Cast", []string{"x"}, []string{"xd"}, attrInt("to", int64(onnx.Double)))
	isinf := node("IsInf", []string{"xd"}, []string{"inf"})
	isnan := node("IsNaN", []string{"xd"}, []string{"nan"})
	plan := func(dt onnx.DataType, outs []string, nodes ...pb) (*onnx.Session, error) {
		spec := graphSpec{nodes: nodes, inputs: []pb{valueInfo("x", dt, 4)}}
		for _, o := range outs {
			spec.outputs = append(spec.outputs, pb{}.str(1, o))
		}
		m, err := onnx.Parse(model(14, graph("g", spec)))
		require.NoError(t, err)
		return onnx.NewSession(m, nil, nil)
	}
	s, err := plan(onnx.Float, []string{"inf", "nan"}, cast, isinf, isnan)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{1, float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32})
	require.NoError(t, s.Run())
	require.Equal(t, []int64{0, 1, 0, 0}, s.Output("inf").Int)
	require.Equal(t, []int64{0, 0, 1, 0}, s.Output("nan").Int)

	// The DOUBLE value is a graph output, or another operator reads it.
	_, err = plan(onnx.Float, []string{"inf", "xd"}, cast, isinf)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	_, err = plan(onnx.Float, []string{"inf", "y"}, cast, isinf, node("Abs", []string{"xd"}, []string{"y"}))
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	// An INT64 x: IsInf refuses it (ONNX would answer false everywhere).
	_, err = plan(onnx.Int64, []string{"inf"}, cast, isinf)
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}
