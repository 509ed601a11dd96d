package kernel

import "github.com/simdcore/simdcore/kernel/internal/table"

// Class is a kernel's signature class: which of Spec's function fields
// holds it.
type Class = table.Class

// The signature classes of the public kernels.
const (
	ClassUnary  = table.ClassUnary  // Spec.Unary: f(dst, src), elementwise
	ClassBinary = table.ClassBinary // Spec.Binary: f(dst, a, b), elementwise
	ClassReduce = table.ClassReduce // Spec.Reduce: f(x) float32
	ClassDot    = table.ClassDot    // Spec.Dot: f(x, y) float32
	ClassAxpy   = table.ClassAxpy   // Spec.Axpy: f(alpha, x, y)
	ClassScale  = table.ClassScale  // Spec.Scale: f(alpha, x)
	ClassArgmax = table.ClassArgmax // Spec.Argmax: f(x) int
	ClassRow    = table.ClassRow    // Spec.Unary: f(dst, src), each result depending on the whole row
	ClassGemv   = table.ClassGemv   // Spec.Gemv: f(dst, a, x)
	ClassGemm   = table.ClassGemm   // Spec.Gemm

	ClassQDot  = table.ClassQDot  // Spec.QDot: f(x, w []int8) int64
	ClassQGemv = table.ClassQGemv // Spec.QGemv: f(dst, w *QMatrix, x *QVector)
	ClassQGemm = table.ClassQGemm // Spec.QGemm: f(c, x *QBatch, w *QMatrix)

	ClassLSTMCell = table.ClassLSTMCell // Spec.LSTMCell: f(h, c, cPrev, gates)
	ClassGRUCell  = table.ClassGRUCell  // Spec.GRUCell: f(h, hPrev, xg, hg)

	ClassLayerNorm = table.ClassLayerNorm // Spec.LayerNorm: f(dst, x, gamma, beta, eps), one row
	ClassRMSNorm   = table.ClassRMSNorm   // Spec.RMSNorm: f(dst, x, gamma, eps), one row
)

// ContractKind says how a kernel's results relate to its float64
// reference in package ref.
type ContractKind = table.ContractKind

// The contracts a kernel may have.
const (
	// Exact: every result is the reference rounded once to float32 (Max
	// and Argmax: the reference itself), at every level.
	Exact = table.Exact
	// Fused: each result is one fused multiply-add, rounded once, at
	// every SIMD level; the generic level may round twice.
	Fused = table.Fused
	// ULP: every result is within Contract.ULP units in the last place of
	// the reference, over all 2^32 float32 inputs.
	ULP = table.ULP
	// Reduction: a float32 sum in a level-dependent order, within
	// n·ε·Σ|terms| of the reference (ε = 2^-24; the kernel's doc comment
	// gives n).
	Reduction = table.Reduction
	// RowSum: within Contract.ULP ulp of the reference plus the relative
	// error of a float32 sum of the row (the kernel's doc comment gives
	// the bound).
	RowSum = table.RowSum
	// Composed: a recurrent cell's results, within the bound that the
	// activations' Contract.ULP gives carried through the cell's formula,
	// one rounding per float32 operation of the order its doc comment
	// states.
	Composed = table.Composed
	// Int8: the int8 kernels' int32 sums are exact, so every level and
	// int8 path returns the same bits; the float32 results are within
	// three roundings (four when adding) of the float64 evaluation of the
	// same quantized product (package ref's DotInt8, QGemv, QGemm).
	Int8 = table.Int8
	// Norm: LayerNorm's and RMSNorm's results, the moments summed in
	// float64 in a level-dependent order, within the bound their doc
	// comments state.
	Norm = table.Norm
)

// Contract is what the tests hold a kernel to: its kind and, for ULP and
// RowSum, the bound in ulps.
type Contract = table.Contract

// Spec describes one public kernel, as the kernel table lists it. Exactly
// one function field, chosen by Class, is set.
type Spec struct {
	Name     string // the function's name: "Dot"
	Class    Class
	Doc      string // what it computes, in one line
	Contract Contract
	Ref      string                  // its float64 reference in package ref: "ref.Dot"
	Ref1     func(x float32) float64 // the scalar reference, for elementwise ULP kernels; else nil
	Sizes    []int                   // benchmark sizes: n, or n×n matrices (n³ for Gemm)
	Short    []int                   // the sizes of a quick run (may be empty)
	// Flops is the floating-point operations per element (per n² for the
	// Gemv family, per n³ for Gemm); 0 where only ns/element is reported.
	Flops float64

	Unary  func(dst, src []float32)
	Binary func(dst, a, b []float32)
	Reduce func(x []float32) float32
	Dot    func(x, y []float32) float32
	Axpy   func(alpha float32, x, y []float32)
	Scale  func(alpha float32, x []float32)
	Argmax func(x []float32) int
	Gemv   func(dst []float32, a Matrix, x []float32)
	Gemm   func(tA, tB Transpose, alpha float32, a, b Matrix, beta float32, c Matrix)

	QDot  func(x, w []int8) int64
	QGemv func(dst []float32, w *QMatrix, x *QVector)
	QGemm func(c Matrix, x *QBatch, w *QMatrix)

	LSTMCell func(h, c, cPrev, gates []float32)
	GRUCell  func(h, hPrev, xg, hg []float32)

	LayerNorm func(dst, x, gamma, beta []float32, eps float32)
	RMSNorm   func(dst, x, gamma []float32, eps float32)
}

// Specs returns every public kernel of the table, in the table's order.
// The slices are copies: changing them changes nothing here.
func Specs() []Spec {
	var out []Spec
	for _, k := range table.Kernels {
		if k.Class != table.ClassInternal {
			out = append(out, specOf(k))
		}
	}
	return out
}

// SpecOf returns the Spec of the public kernel name ("Dot"), and false
// if there is none.
func SpecOf(name string) (Spec, bool) {
	for _, k := range table.Kernels {
		if k.Name == name && k.Class != table.ClassInternal {
			return specOf(k), true
		}
	}
	return Spec{}, false
}

func specOf(k table.Kernel) Spec {
	s := Spec{
		Name: k.Name, Class: k.Class, Doc: k.Doc, Contract: k.Contract, Ref: k.Ref,
		Ref1:  scalarRefs[k.Name],
		Sizes: append([]int(nil), k.Bench.Sizes...),
		Short: append([]int(nil), k.Bench.Short...),
		Flops: k.Bench.Flops,
	}
	// The cells share a Go type: their class tells them apart.
	switch f, _ := publicFuncs[k.Name].(func(a, b, c, d []float32)); k.Class {
	case table.ClassLSTMCell:
		s.LSTMCell = f
		return s
	case table.ClassGRUCell:
		s.GRUCell = f
		return s
	}
	switch f := publicFuncs[k.Name].(type) {
	case func(dst, src []float32):
		s.Unary = f
	case func(dst, a, b []float32):
		s.Binary = f
	case func(x []float32) float32:
		s.Reduce = f
	case func(x, y []float32) float32:
		s.Dot = f
	case func(alpha float32, x, y []float32):
		s.Axpy = f
	case func(alpha float32, x []float32):
		s.Scale = f
	case func(x []float32) int:
		s.Argmax = f
	case func(dst []float32, a Matrix, x []float32):
		s.Gemv = f
	case func(tA, tB Transpose, alpha float32, a, b Matrix, beta float32, c Matrix):
		s.Gemm = f
	case func(x, w []int8) int64:
		s.QDot = f
	case func(dst []float32, w *QMatrix, x *QVector):
		s.QGemv = f
	case func(c Matrix, x *QBatch, w *QMatrix):
		s.QGemm = f
	case func(dst, x, gamma, beta []float32, eps float32):
		s.LayerNorm = f
	case func(dst, x, gamma []float32, eps float32):
		s.RMSNorm = f
	default:
		panic("kernel: table row " + k.Name + " has a function of no known class")
	}
	return s
}
