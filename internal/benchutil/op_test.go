package benchutil

import (
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NewOp makes a call for every kernel of the table, on operands of the
// size asked, with the costs of its class; the call computes what the
// kernel computes on those operands.
func TestNewOp(t *testing.T) {
	const n = 64
	for _, s := range kernel.Specs() {
		t.Run(s.Name, func(t *testing.T) {
			op := NewOp(s, n)
			require.NotNil(t, op.Call)
			assert.Equal(t, s.Name, op.Spec.Name)
			assert.Equal(t, n, op.N)
			op.Call()
			switch s.Class {
			case kernel.ClassGemv:
				assert.Equal(t, [2]int{n, n}, [2]int{op.A.Rows, op.A.Cols})
				assert.Equal(t, s.Flops*n*n, op.Flops)
				assert.Zero(t, op.Elems)
				assert.Equal(t, float64(4*n*n), op.Load)
				assert.True(t, op.Bounded)
			case kernel.ClassGemm:
				want := kernel.NewMatrix(n, n)
				kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, op.A, op.B, 0, want)
				assert.Equal(t, want.Data, op.C.Data)
				assert.Equal(t, s.Flops*n*n*n, op.Flops)
				assert.Zero(t, op.Elems)
			case kernel.ClassQDot:
				assert.Len(t, op.I8X, n)
				assert.Equal(t, n, op.Elems)
				assert.False(t, op.Bounded)
			case kernel.ClassQGemv:
				want := make([]float32, n)
				var qx kernel.QVector
				qx.Quantize(op.X)
				if s.Name == "QGemvAdd" {
					kernel.QGemvAdd(want, op.QW, &qx)
				} else {
					kernel.QGemv(want, op.QW, &qx)
				}
				assert.Equal(t, want, op.Dst)
				assert.Equal(t, s.Flops*n*n, op.Flops)
				assert.Equal(t, float64(n*op.QW.Stride), op.Load)
			case kernel.ClassQGemm:
				want := kernel.NewMatrix(n, n)
				var qb kernel.QBatch
				qb.Quantize(op.B)
				if s.Name == "QGemmAdd" {
					kernel.QGemmAdd(want, &qb, op.QW)
				} else {
					kernel.QGemm(want, &qb, op.QW)
				}
				assert.Equal(t, want.Data, op.C.Data)
				assert.Equal(t, s.Flops*n*n*n, op.Flops)
			case kernel.ClassLSTMCell, kernel.ClassGRUCell:
				gates := map[kernel.Class]int{kernel.ClassLSTMCell: 4, kernel.ClassGRUCell: 3}[s.Class]
				assert.Len(t, op.X, gates*n)
				assert.Len(t, op.Dst, n)
				assert.Equal(t, n, op.Elems)
				assert.Positive(t, op.Load)
				assert.False(t, op.Bounded)
			case kernel.ClassLayerNorm, kernel.ClassRMSNorm:
				want := make([]float32, n)
				if s.Class == kernel.ClassLayerNorm {
					kernel.LayerNorm(want, op.X, op.Y[:n], op.Y[n:], kernel.DefaultLayerNormEps)
				} else {
					kernel.RMSNorm(want, op.X, op.Y, kernel.DefaultRMSNormEps)
				}
				assert.Equal(t, want, op.Dst)
				assert.Equal(t, n, op.Elems)
				assert.Positive(t, op.Load)
			default:
				assert.Len(t, op.X, n)
				assert.Equal(t, n, op.Elems)
				assert.Equal(t, s.Flops*n, op.Flops)
				assert.Positive(t, op.Load)
			}
			switch {
			case s.Class == kernel.ClassUnary || s.Class == kernel.ClassRow:
				want := make([]float32, n)
				s.Unary(want, op.X)
				assert.Equal(t, want, op.Dst)
				assert.Equal(t, ActivationInput(n), op.X)
				assert.False(t, op.Bounded)
			case s.Class == kernel.ClassBinary:
				want := make([]float32, n)
				s.Binary(want, op.X, op.Y)
				assert.Equal(t, want, op.Dst)
				assert.Equal(t, float64(12*n), op.Load+op.Store)
			case s.Contract.Kind == kernel.RowSum:
				assert.Equal(t, ActivationInput(n), op.X)
				assert.False(t, op.Bounded)
			}
		})
	}
}
