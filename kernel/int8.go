package kernel

import (
	"fmt"
	"math"
	"unsafe"
)

// MaxQCols is the most columns a QMatrix (and the most elements a
// QVector) may have: the int32 accumulation of 65536 products of
// magnitude at most 128·127 cannot overflow.
const MaxQCols = 1 << 16

// qAlign is the padding of a quantized row: every row (and every
// QVector) is zero-padded to a multiple of 64 bytes, one zmm register, so
// that the assembly never needs a tail.
const qAlign = 64

// QMatrix is a Matrix quantized to int8 per output row (see Int8 kernels
// in the package documentation): row r is Data[r*Stride:][:Cols], worth
// Scales[r]·Data; the padding up to Stride is zero. RowSums[r] = Σ_j Data[r*Stride+j], which
// the VNNI levels need. Build it with QuantizeMatrix; its fields are
// read-only once built. At the avx512vnni and avx2 int8 paths, QGemm
// packs a copy of the weights on its first call with at least four rows
// of x and keeps it with the matrix (as much memory again as Data).
type QMatrix struct {
	Rows, Cols, Stride int
	Data               []int8
	Scales             []float32
	RowSums            []int32

	pk unsafe.Pointer // *qPacked, or nil: see packed
}

// QuantizeMatrix quantizes a once (per-row symmetric int8, float32
// scales) and returns the QMatrix. It returns an error if a holds NaN or
// ±Inf, or has more than MaxQCols columns; it panics if a is not well
// formed (Matrix.Valid).
func QuantizeMatrix(a Matrix) (*QMatrix, error) {
	mustValid("QuantizeMatrix", "a", a)
	if a.Cols > MaxQCols {
		return nil, fmt.Errorf("kernel.QuantizeMatrix: %d columns, at most %d (MaxQCols)", a.Cols, MaxQCols)
	}
	stride := qPadded(a.Cols)
	q := &QMatrix{Rows: a.Rows, Cols: a.Cols, Stride: stride,
		Data: make([]int8, a.Rows*stride), Scales: make([]float32, a.Rows), RowSums: make([]int32, a.Rows)}
	for r := 0; r < a.Rows; r++ {
		row := a.Data[r*a.Stride:][:a.Cols]
		s := quantizeRow(q.Data[r*stride:][:a.Cols], row)
		if s != s {
			return nil, fmt.Errorf("kernel.QuantizeMatrix: row %d holds NaN or ±Inf", r)
		}
		q.Scales[r] = s
		var sum int32
		for _, v := range q.Data[r*stride:][:a.Cols] {
			sum += int32(v)
		}
		q.RowSums[r] = sum
	}
	return q, nil
}

// Row returns the int8 values of row i (Cols of them).
func (q *QMatrix) Row(i int) []int8 {
	if uint(i) >= uint(q.Rows) {
		panic(fmt.Sprintf("kernel.QMatrix.Row: row %d out of range [0,%d)", i, q.Rows))
	}
	return q.Data[i*q.Stride:][:q.Cols:q.Cols]
}

// QVector is a float32 vector quantized to int8 (see Int8 kernels in the
// package documentation): x ≈ Scale·Data[:N]. Data is zero-padded to a multiple of 64. A QVector
// is reused from call to call: Quantize grows Data only when a longer
// vector comes, so steady-state use allocates nothing.
type QVector struct {
	N     int
	Scale float32
	Data  []int8

	rem []float32 // QuantizeRemainder's float32 remainder, reused
}

// Quantize sets q to x quantized: per-vector symmetric int8, the scale
// max|x|/127 (NaN if x holds NaN or ±Inf). It panics if len(x) >
// MaxQCols.
func (q *QVector) Quantize(x []float32) {
	if len(x) > MaxQCols {
		panic(fmt.Sprintf("kernel.QVector.Quantize: len(x)=%d > MaxQCols=%d", len(x), MaxQCols))
	}
	p := qPadded(len(x))
	if cap(q.Data) < p {
		q.Data = make([]int8, p)
	}
	q.Data = q.Data[:p]
	q.N = len(x)
	q.Scale = quantizeRow(q.Data[:len(x)], x)
	clear(q.Data[len(x):])
}

// QuantizeRemainder sets q to what hi, a quantization of the same x,
// leaves of it: r[i] = x[i] − hi.Scale·hi.Data[i] (the product exact and
// the difference rounded once in float64, then to float32, the same on
// every platform), quantized as Quantize quantizes a vector. Then
// hi.Scale·hi.Data + q.Scale·q.Data is within q.Scale/2 ≤ hi.Scale/254
// of x per element instead of hi.Scale/2, and a product with a QMatrix is
// two int8 products, the second added (QGemvAdd). It panics if hi does
// not hold len(x) elements. Steady-state use allocates nothing.
func (q *QVector) QuantizeRemainder(x []float32, hi *QVector) {
	if hi.N != len(x) || len(hi.Data) < len(x) {
		panic(fmt.Sprintf("kernel.QVector.QuantizeRemainder: len(x)=%d, hi holds %d elements", len(x), hi.N))
	}
	if cap(q.rem) < len(x) {
		q.rem = make([]float32, len(x))
	}
	r := q.rem[:len(x)]
	remainder(r, x, hi.Data[:len(x)], hi.Scale)
	q.Quantize(r)
}

// Reserve grows q so that Quantize and QuantizeRemainder of up to n
// elements allocate nothing, even on their first call.
func (q *QVector) Reserve(n int) {
	if p := qPadded(n); cap(q.Data) < p {
		q.Data = make([]int8, p)
	}
	if cap(q.rem) < n {
		q.rem = make([]float32, n)
	}
}

// remainder sets r[i] = x[i] − s·q[i]: s·q[i] is exact in float64 (24 by
// 8 bits), the difference rounded to float64 and then to float32.
func remainder(r, x []float32, q []int8, s float32) {
	r, q = r[:len(x)], q[:len(x)]
	s64 := float64(s)
	for i, v := range x {
		r[i] = float32(float64(v) - s64*float64(q[i]))
	}
}

// QBatch is a batch of float32 row vectors quantized to int8 per row:
// row i is Scales[i]·Data[i*Stride:][:Cols], zero-padded to Stride (a
// multiple of 64). Like QVector it is reused from call to call.
type QBatch struct {
	Rows, Cols, Stride int
	Data               []int8
	Scales             []float32

	rem []float32 // QuantizeRemainder's float32 remainder, reused
}

// QuantizeRemainder sets q to what hi, a quantization of the same a (by
// Quantize), leaves of it, row by row as QVector.QuantizeRemainder does
// for a vector. It panics if a is not well formed or hi does not hold
// a's shape. Steady-state use allocates nothing.
func (q *QBatch) QuantizeRemainder(a Matrix, hi *QBatch) {
	mustValid("QBatch.QuantizeRemainder", "a", a)
	if hi.Rows != a.Rows || hi.Cols != a.Cols || hi.Stride < hi.Cols || len(hi.Data) < hi.Rows*hi.Stride || len(hi.Scales) < hi.Rows {
		panic(fmt.Sprintf("kernel.QBatch.QuantizeRemainder: a is %d×%d, hi %d×%d stride %d, len(Data)=%d, len(Scales)=%d",
			a.Rows, a.Cols, hi.Rows, hi.Cols, hi.Stride, len(hi.Data), len(hi.Scales)))
	}
	n := a.Rows * a.Cols
	if cap(q.rem) < n {
		q.rem = make([]float32, n)
	}
	r := MatrixFrom(a.Rows, a.Cols, q.rem[:n])
	for i := range a.Rows {
		remainder(r.Row(i), a.Data[i*a.Stride:][:a.Cols], hi.Data[i*hi.Stride:][:a.Cols], hi.Scales[i])
	}
	q.Quantize(r)
}

// Quantize sets q to the rows of a, each quantized as QVector.Quantize
// quantizes a vector. It panics if a is not well formed or has more than
// MaxQCols columns.
func (q *QBatch) Quantize(a Matrix) {
	mustValid("QBatch.Quantize", "a", a)
	if a.Cols > MaxQCols {
		panic(fmt.Sprintf("kernel.QBatch.Quantize: a.Cols=%d > MaxQCols=%d", a.Cols, MaxQCols))
	}
	stride := qPadded(a.Cols)
	n := a.Rows * stride
	if cap(q.Data) < n {
		q.Data = make([]int8, n)
	}
	if cap(q.Scales) < a.Rows {
		q.Scales = make([]float32, a.Rows)
	}
	q.Rows, q.Cols, q.Stride = a.Rows, a.Cols, stride
	q.Data, q.Scales = q.Data[:n], q.Scales[:a.Rows]
	for r := 0; r < a.Rows; r++ {
		row := q.Data[r*stride:][:stride]
		q.Scales[r] = quantizeRow(row[:a.Cols], a.Data[r*a.Stride:][:a.Cols])
		clear(row[a.Cols:])
	}
}

// qTiny is the smallest max|row| quantized as such: below it 127/m
// could overflow float32, and the row is quantized as zeros.
const qTiny = 0x1p-120

// qPadded rounds n up to a multiple of qAlign.
func qPadded(n int) int { return (n + qAlign - 1) &^ (qAlign - 1) }

// quantizeRow writes src quantized into dst (len(dst) == len(src)) and
// returns the scale: max|src|/127, 0 for a row below qTiny (or no row), NaN
// if src holds NaN or ±Inf (dst is then all zeros).
func quantizeRow(dst []int8, src []float32) float32 {
	dst = dst[:len(src)]
	raceReadF32(src)
	raceWriteI8(dst)
	bits := maxAbsBits(src)
	if bits >= 0x7f800000 { // NaN or ±Inf
		clear(dst)
		return float32(math.NaN())
	}
	m := math.Float32frombits(bits)
	if m < qTiny {
		clear(dst)
		return 0
	}
	inv := 127 / m
	quantizeInt8(dst, src, inv)
	return m / 127
}

// maxAbsBitsGeneric is maxAbsBits in Go: the largest of the bits of
// |x[i]| (the bits of a float32 with the sign cleared order as the
// magnitudes, NaNs above +Inf).
func maxAbsBitsGeneric(x []float32) uint32 {
	var m uint32
	for _, v := range x {
		m = max(m, math.Float32bits(v)&^(1<<31))
	}
	return m
}

// quantizeInt8Generic is quantizeInt8 in Go: quantize1 of each element.
func quantizeInt8Generic(dst []int8, src []float32, inv float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = quantize1(v, inv)
	}
}

// qRound is 1.5·2^23: for |t| ≤ 2^22, (t + qRound) − qRound is t rounded
// to an integer, half to even (float32 addition rounds so).
const qRound = 0x1.8p23

// quantize1 is one element of the scheme: clamp(roundHalfEven(v·inv),
// −127, 127), the product rounded to float32 first. |v·inv| ≤ 127 up to
// the product's rounding, well within qRound's range.
func quantize1(v, inv float32) int8 {
	t := float32(v * inv) // the conversion forbids fusing into the addition
	r := float32(t+qRound) - qRound
	return int8(max(-127, min(127, r)))
}

// dequant returns acc·(sw·sx), one rounding per operation (see the
// scheme): every level's float32 result.
func dequant(acc int32, sw, sx float32) float32 {
	c := sw * sx
	return float32(float32(acc) * c) // the conversion forbids fusing into a caller's add
}
