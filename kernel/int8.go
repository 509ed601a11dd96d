package kernel

import (
	"fmt"
	"math"
)

// # The int8 scheme
//
// Weights are quantized once, per output row and symmetrically: row r of
// a Matrix, with m_r = max_j |a[r,j]|, gets the float32 scale
// s_r = m_r/127 and the int8 values
//
//	q[r,j] = clamp(roundHalfEven(a[r,j] · (127/m_r)), −127, 127)
//
// where 127/m_r and the product are float32 (one rounding each), and a
// row whose m_r is below qTiny = 2^−120 (zeros, or so small that 127/m_r
// would overflow float32) gets s_r = 0 and q = 0. Activations are quantized the
// same way at call time, per vector (per row for a batch): s_x = m/127,
// q_x[j] = clamp(roundHalfEven(x[j]·(127/m)), −127, 127). −128 is never
// produced, so both sides lie in [−127, 127].
//
// A row's dot product acc_r = Σ_j q[r,j]·q_x[j] is computed in int32
// and is exact: at most 65536 columns per row (MaxQCols) keep
// |acc| ≤ 65536·127·127 < 2^31. Every level computes this integer, so
// every level returns the same bits. The float32 result is
//
//	y_r = float32(acc_r) · (s_r · s_x)
//
// with one rounding for the conversion (round to nearest even, exact
// below 2^24), one for s_r·s_x and one for the product; QGemvAdd and
// QGemmAdd then add y_r to dst (one more rounding). An activation vector
// holding NaN or ±Inf has s_x = NaN and all q_x = 0, so every result of
// that vector is NaN.
//
// # How the levels compute the int32
//
//   - generic: the plain loop.
//   - avx2 (AVX2 without VNNI): VPMADDUBSW multiplies unsigned by signed
//     bytes and adds pairs with int16 saturation. It is fed |x| (0..128,
//     as unsigned) and w·sign(x) (VPSIGNB), so a pair is at most
//     2·128·127 = 32512 < 32767 and never saturates; VPMADDWD by ones
//     widens the pairs to int32.
//   - avxvnni (AVX-VNNI, VEX VPDPBUSD on ymm) and avx512vnni (AVX-512
//     VNNI, EVEX VPDPBUSD on zmm): VPDPBUSD adds four u8×s8 products to an
//     int32 lane without saturation. It is fed u = x+128 (0..255, x XOR
//     0x80), so Σ u·w = Σ x·w + 128·Σ w; the row sums Σ w (QMatrix.RowSums,
//     kept at quantization; computed alongside for DotInt8) remove the
//     bias. The int32 lanes wrap, but the true result fits in int32, so
//     the wrapped arithmetic gives it exactly.
//   - neondot (NEON with the dot-product extension, ASIMDDP): SDOT, four
//     s8×s8 products per int32 lane.
//   - neon (plain NEON, Cortex-A53): SMULL and SMLAL2 (two products per
//     int16 lane, at most 2·128·127 = 32512) then SADALP into int32.
//
// The bounds above need one operand in [−127, 127]: the weights (the
// second operand of DotInt8, QMatrix.Data). The first operand (the
// activations) may hold −128.

// MaxQCols is the most columns a QMatrix (and the most elements a
// QVector) may have: the int32 accumulation of 65536 products of
// magnitude at most 128·127 cannot overflow.
const MaxQCols = 1 << 16

// qAlign is the padding of a quantized row: every row (and every
// QVector) is zero-padded to a multiple of 64 bytes, one zmm register, so
// that the assembly never needs a tail.
const qAlign = 64

// QMatrix is a Matrix quantized to int8 per output row (see the scheme
// above): row r is Data[r*Stride:][:Cols], worth Scales[r]·Data; the
// padding up to Stride is zero. RowSums[r] = Σ_j Data[r*Stride+j], which
// the VNNI levels need. Build it with QuantizeMatrix; its fields are
// read-only once built.
type QMatrix struct {
	Rows, Cols, Stride int
	Data               []int8
	Scales             []float32
	RowSums            []int32
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

// QVector is a float32 vector quantized to int8 (see the scheme above):
// x ≈ Scale·Data[:N]. Data is zero-padded to a multiple of 64. A QVector
// is reused from call to call: Quantize grows Data only when a longer
// vector comes, so steady-state use allocates nothing.
type QVector struct {
	N     int
	Scale float32
	Data  []int8
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

// QBatch is a batch of float32 row vectors quantized to int8 per row:
// row i is Scales[i]·Data[i*Stride:][:Cols], zero-padded to Stride (a
// multiple of 64). Like QVector it is reused from call to call.
type QBatch struct {
	Rows, Cols, Stride int
	Data               []int8
	Scales             []float32
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
	var m float32
	for _, v := range src {
		a := float32(math.Abs(float64(v)))
		if !(a <= math.MaxFloat32) { // NaN or ±Inf
			clear(dst)
			return float32(math.NaN())
		}
		m = max(m, a)
	}
	if m < qTiny {
		clear(dst)
		return 0
	}
	inv := 127 / m
	for i, v := range src {
		dst[i] = quantize1(v, inv)
	}
	return m / 127
}

// quantize1 is one element of the scheme: clamp(roundHalfEven(v·inv),
// −127, 127), the product rounded to float32 first.
func quantize1(v, inv float32) int8 {
	r := math.RoundToEven(float64(v * inv))
	return int8(max(-127, min(127, r)))
}

// dequant returns acc·(sw·sx), one rounding per operation (see the
// scheme): every level's float32 result.
func dequant(acc int32, sw, sx float32) float32 {
	c := sw * sx
	return float32(float32(acc) * c) // the conversion forbids fusing into a caller's add
}
