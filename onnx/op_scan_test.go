package onnx_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// TestScanAxesAndDirections: a running sum over the columns of x read in
// reverse (scan_input_axes 1, scan_input_directions 1), stacked as columns
// forward and as rows in reverse. ONNX Runtime (1.31) gives the same
// values for the same graph.
func TestScanAxesAndDirections(t *testing.T) {
	body := graph("body", graphSpec{
		nodes: []pb{
			node("Add", []string{"s", "xt"}, []string{"s_out"}),
			node("Identity", []string{"s_out"}, []string{"y1"}),
			node("Identity", []string{"s_out"}, []string{"y2"}),
		},
		inputs:  []pb{valueInfo("s", onnx.Float, 2), valueInfo("xt", onnx.Float, 2)},
		outputs: []pb{valueInfo("s_out", onnx.Float, 2), valueInfo("y1", onnx.Float, 2), valueInfo("y2", onnx.Float, 2)},
	})
	g := graph("g", graphSpec{
		inputs: []pb{valueInfo("s0", onnx.Float, 2), valueInfo("x", onnx.Float, 2, 3)},
		nodes: []pb{node("Scan", []string{"s0", "x"}, []string{"s", "y1", "y2"}, attrGraph("body", body),
			attrInt("num_scan_inputs", 1), attrInts("scan_input_axes", 1), attrInts("scan_input_directions", 1),
			attrInts("scan_output_axes", 1, 0), attrInts("scan_output_directions", 0, 1))},
		outputs: []pb{pb{}.str(1, "s"), pb{}.str(1, "y1"), pb{}.str(1, "y2")},
	})
	m, err := onnx.Parse(model(16, g))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("x").Float, []float32{1, 2, 3, 4, 5, 6})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{6, 15}, s.Output("s").Float)
	require.Equal(t, []int{2, 3}, s.Output("y1").Dims)
	require.Equal(t, []float32{3, 5, 6, 6, 11, 15}, s.Output("y1").Float)
	require.Equal(t, []int{3, 2}, s.Output("y2").Dims)
	require.Equal(t, []float32{6, 15, 5, 11, 3, 6}, s.Output("y2").Float)
	if !raceEnabled {
		require.Zero(t, testing.AllocsPerRun(10, func() { require.NoError(t, s.Run()) }))
	}
}

func TestScanRefusals(t *testing.T) {
	grow := graph("body", graphSpec{
		nodes:   []pb{node("Concat", []string{"s", "xt"}, []string{"s_out"}, attrInt("axis", 0))},
		inputs:  []pb{valueInfo("s", onnx.Float, -1), valueInfo("xt", onnx.Float, 2)},
		outputs: []pb{valueInfo("s_out", onnx.Float, -1)},
	})
	for name, tc := range map[string]struct {
		body  pb
		attrs []pb
		want  error
	}{
		"state grows":         {grow, []pb{attrInt("num_scan_inputs", 1)}, onnx.ErrUnsupported},
		"no scan input":       {grow, nil, onnx.ErrShape},
		"too many directions": {grow, []pb{attrInt("num_scan_inputs", 1), attrInts("scan_input_directions", 0, 1)}, onnx.ErrShape},
		"direction 2":         {grow, []pb{attrInt("num_scan_inputs", 1), attrInts("scan_input_directions", 2)}, onnx.ErrShape},
		"axis out of range":   {grow, []pb{attrInt("num_scan_inputs", 1), attrInts("scan_input_axes", 2)}, onnx.ErrShape},
	} {
		g := graph("g", graphSpec{
			inputs:  []pb{valueInfo("s0", onnx.Float, 2), valueInfo("x", onnx.Float, 3, 2)},
			nodes:   []pb{node("Scan", []string{"s0", "x"}, []string{"s"}, append(tc.attrs, attrGraph("body", tc.body))...)},
			outputs: []pb{pb{}.str(1, "s")},
		})
		m, err := onnx.Parse(model(16, g))
		require.NoError(t, err)
		_, err = onnx.NewSession(m, nil, nil)
		require.ErrorIs(t, err, tc.want, name)
	}
}

// TestScanOpset8SequenceLens: opset 8's batched Scan with sequence_lens
// and a reversed scan input; the expected values are ONNX Runtime's
// (1.31) for the same graph: scan outputs in iteration order, zero past
// each entry's length.
func TestScanOpset8SequenceLens(t *testing.T) {
	body := graph("body", graphSpec{
		nodes:   []pb{node("Add", []string{"s", "x"}, []string{"s_out"}), node("Identity", []string{"s_out"}, []string{"y"})},
		inputs:  []pb{valueInfo("s", onnx.Float, 2), valueInfo("x", onnx.Float, 2)},
		outputs: []pb{valueInfo("s_out", onnx.Float, 2), valueInfo("y", onnx.Float, 2)},
	})
	g := graph("g", graphSpec{
		inputs: []pb{valueInfo("lens", onnx.Int64, 2), valueInfo("s0", onnx.Float, 2, 2), valueInfo("xs", onnx.Float, 2, 3, 2)},
		nodes: []pb{node("Scan", []string{"lens", "s0", "xs"}, []string{"s", "ys"}, attrGraph("body", body),
			attrInt("num_scan_inputs", 1), attrInts("directions", 1))},
		outputs: []pb{pb{}.str(1, "s"), pb{}.str(1, "ys")},
	})
	m, err := onnx.Parse(model(8, g))
	require.NoError(t, err)
	s, err := onnx.NewSession(m, nil, nil)
	require.NoError(t, err)
	copy(s.Input("lens").Int, []int64{2, 3})
	copy(s.Input("s0").Float, []float32{0, 0, 10, 10})
	copy(s.Input("xs").Float, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	require.NoError(t, s.Run())
	require.Equal(t, []float32{4, 6, 37, 40}, s.Output("s").Float)
	require.Equal(t, []float32{3, 4, 4, 6, 0, 0, 21, 22, 30, 32, 37, 40}, s.Output("ys").Float)
	s.Input("lens").Int[1] = 4
	require.ErrorIs(t, s.Run(), onnx.ErrInput)
}
