package benchutil

import "github.com/simdcore/simdcore/kernel"

// Op is one call of a kernel of the table on deterministic operands of
// size n, with what the call costs: the root module's benchmarks,
// bench/peers and the bench command of cmd/simdcore all time kernels
// through it.
type Op struct {
	Spec kernel.Spec
	N    int
	// Call calls the kernel once on the operands below.
	Call func()

	// The operands Call uses (the others are nil or zero): vectors X and Y
	// of n elements, Dst for the kernels that write one; n×n matrices A
	// (the Gemv family's and Gemm's), B and C (Gemm's: C = A·B). The
	// recurrent cells, of n units: LSTMCell's gates in X (4n), its state c
	// in Y (updated in place) and h in Dst; GRUCell's xg in X and hg in Y
	// (3n each), its state h in Dst (updated in place). Their calls
	// overwrite the gates with the activated ones, so from the second call
	// on the pre-activations lie in [−1, 1]: the cost per unit does not
	// depend on the values. The norms, of one row of n: x in X, γ in Y
	// (RMSNorm) or γ then β in Y (LayerNorm, 2n), the result in Dst.
	X, Y, Dst []float32
	A, B, C   kernel.Matrix
	// The int8 kernels': DotInt8's vectors I8X and I8W (n each, in
	// [−127, 127]); the QGemv family's and QGemm's weights QW (A
	// quantized), QX (X quantized, QGemv) and QB (B quantized, QGemm).
	// Their calls quantize the activations each time, as a model's step
	// must: QGemv's call is QX.Quantize(X) then the kernel.
	I8X, I8W []int8
	QW       *kernel.QMatrix
	QX       *kernel.QVector
	QB       *kernel.QBatch

	// Flops is the floating-point operations of one call that GFLOP/s
	// figures count (0: the kernel is timed per element only).
	Flops float64
	// Elems is the elements one call processes, for ns/element figures (0
	// for the matrix kernels).
	Elems int
	// Load and Store are the bytes one call reads and writes, and Set its
	// working set in bytes.
	Load, Store, Set float64
	// Bounded says whether a memory and FMA model of the core bounds the
	// call's time (false where exponentials dominate: the exp family and
	// the softmax family).
	Bounded bool
}

// Axpy and Scale factors: they keep the operands normal over many calls
// (Scale's alternates the sign).
const (
	AxpyAlpha  = 1e-6
	ScaleAlpha = -1
)

// NewOp returns a call of kernel s on operands of size n that its class
// defines: vectors with elements in [-1, 1) (Filled with seeds 1 and 2),
// except the inputs of the exp family and of the softmax family, which are
// in [-8, 8) (ActivationInput); n×n matrices for the Gemv family and Gemm.
func NewOp(s kernel.Spec, n int) Op {
	op := Op{Spec: s, N: n, Flops: s.Flops * float64(n), Elems: n, Bounded: true}
	// stream sets the traffic of a kernel that loads ld float32s per
	// element and stores st (working set: what it loads).
	stream := func(ld, st float64) {
		op.Load, op.Store, op.Set = 4*ld*float64(n), 4*st*float64(n), 4*ld*float64(n)
	}
	switch s.Class {
	case kernel.ClassDot:
		op.X, op.Y = Filled(n, 1), Filled(n, 2)
		op.Call = func() { sinkF32 += s.Dot(op.X, op.Y) }
		stream(2, 0)
	case kernel.ClassReduce:
		if s.Contract.Kind == kernel.RowSum { // LogSumExp: bound by its exponentials
			op.X, op.Bounded = ActivationInput(n), false
		} else {
			op.X = Filled(n, 1)
		}
		op.Call = func() { sinkF32 += s.Reduce(op.X) }
		stream(1, 0)
	case kernel.ClassArgmax:
		op.X = Filled(n, 1)
		op.Call = func() { sinkInt += s.Argmax(op.X) }
		stream(1, 0)
	case kernel.ClassAxpy:
		op.X, op.Y = Filled(n, 1), Filled(n, 2)
		op.Call = func() { s.Axpy(AxpyAlpha, op.X, op.Y) }
		stream(2, 1)
	case kernel.ClassScale:
		op.X = Filled(n, 1)
		op.Call = func() { s.Scale(ScaleAlpha, op.X) }
		stream(1, 1)
	case kernel.ClassBinary:
		op.X, op.Y, op.Dst = Filled(n, 1), Filled(n, 2), make([]float32, n)
		op.Call = func() { s.Binary(op.Dst, op.X, op.Y) }
		op.Load, op.Store, op.Set = 8*float64(n), 4*float64(n), 12*float64(n)
	case kernel.ClassUnary, kernel.ClassRow:
		op.X, op.Dst = ActivationInput(n), make([]float32, n)
		op.Call = func() { s.Unary(op.Dst, op.X) }
		stream(1, 1)
		op.Bounded = false
	case kernel.ClassLSTMCell:
		op.X, op.Y, op.Dst = ActivationInput(4*n), Filled(n, 1), make([]float32, n)
		op.Call = func() { s.LSTMCell(op.Dst, op.Y, op.Y, op.X) }
		op.Load, op.Store, op.Set = 4*5*float64(n), 4*6*float64(n), 4*6*float64(n)
		op.Bounded = false
	case kernel.ClassGRUCell:
		op.X, op.Y, op.Dst = ActivationInput(3*n), Filled(3*n, 2), Filled(n, 1)
		op.Call = func() { s.GRUCell(op.Dst, op.Dst, op.X, op.Y) }
		op.Load, op.Store, op.Set = 4*7*float64(n), 4*4*float64(n), 4*7*float64(n)
		op.Bounded = false
	case kernel.ClassLayerNorm:
		op.X, op.Y, op.Dst = Filled(n, 1), Filled(2*n, 2), make([]float32, n)
		op.Call = func() { s.LayerNorm(op.Dst, op.X, op.Y[:n], op.Y[n:], kernel.DefaultLayerNormEps) }
		op.Load, op.Store, op.Set = 4*4*float64(n), 4*float64(n), 4*4*float64(n) // x twice, γ, β
	case kernel.ClassRMSNorm:
		op.X, op.Y, op.Dst = Filled(n, 1), Filled(n, 2), make([]float32, n)
		op.Call = func() { s.RMSNorm(op.Dst, op.X, op.Y, kernel.DefaultRMSNormEps) }
		op.Load, op.Store, op.Set = 4*3*float64(n), 4*float64(n), 4*3*float64(n) // x twice, γ
	case kernel.ClassGemv:
		op.A, op.X, op.Dst = Matrix(n, n, 1), Filled(n, 2), make([]float32, n)
		op.Call = func() { s.Gemv(op.Dst, op.A, op.X) }
		op.Flops *= float64(n)
		op.Elems = 0
		op.Load = 4 * float64(n) * float64(n)
		op.Set = op.Load
	case kernel.ClassGemm:
		op.A, op.B, op.C = Matrix(n, n, 1), Matrix(n, n, 2), kernel.NewMatrix(n, n)
		op.Call = func() { s.Gemm(kernel.NoTrans, kernel.NoTrans, 1, op.A, op.B, 0, op.C) }
		op.Flops *= float64(n) * float64(n)
		op.Elems = 0 // the bound is the FMA peak alone
	case kernel.ClassQDot:
		op.I8X, op.I8W = Int8s(n, 1), Int8s(n, 2)
		op.Call = func() { sinkInt += int(s.QDot(op.I8X, op.I8W)) }
		op.Load, op.Set = 2*float64(n), 2*float64(n)
		op.Bounded = false // integer multiply-adds: the float FMA model does not apply
	case kernel.ClassQGemv:
		op.A, op.X, op.Dst = Matrix(n, n, 1), Filled(n, 2), make([]float32, n)
		op.QW, op.QX = mustQuantize(op.A), &kernel.QVector{}
		op.Call = func() {
			op.QX.Quantize(op.X)
			s.QGemv(op.Dst, op.QW, op.QX)
		}
		op.Flops *= float64(n)
		op.Elems = 0
		op.Load = float64(len(op.QW.Data))
		op.Set = op.Load
		op.Bounded = false
	case kernel.ClassQGemm:
		op.A, op.B, op.C = Matrix(n, n, 1), Matrix(n, n, 2), kernel.NewMatrix(n, n)
		op.QW, op.QB = mustQuantize(op.A), &kernel.QBatch{}
		op.Call = func() {
			op.QB.Quantize(op.B)
			s.QGemm(op.C, op.QB, op.QW)
		}
		op.Flops *= float64(n) * float64(n)
		op.Elems = 0
		op.Bounded = false
	default:
		panic("benchutil: no operands for kernel class " + string(s.Class))
	}
	return op
}

// Sinks keep the compiler from dropping the results of timed calls.
var (
	sinkF32 float32
	sinkInt int
)

// mustQuantize quantizes benchmark weights (finite by construction).
func mustQuantize(a kernel.Matrix) *kernel.QMatrix {
	q, err := kernel.QuantizeMatrix(a)
	if err != nil {
		panic("benchutil: " + err.Error())
	}
	return q
}
