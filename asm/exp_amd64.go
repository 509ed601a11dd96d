//go:build !purego && !noasm

package asm

// ExpAVX512 computes dst[i] = e^src[i] for i < len(src) with AVX-512F:
// Cody–Waite reduction with two constants, a degree-6 polynomial by FMA,
// and VSCALEFPS for 2^n; four vectors per iteration, a K-masked tail.
// len(dst) must be at least len(src); dst may be src.
//
//	for i, x := range src {
//		dst[i] = exp(x) // kernel.expGeneric, within 1 ulp
//	}
//
//go:noescape
func ExpAVX512(dst, src []float32)

// TanhAVX512 computes dst[i] = tanh(src[i]) for i < len(src) with
// AVX-512F+DQ: e^(−2|x|) reduced as in ExpAVX512, expm1 of the reduced
// argument by a degree-7 polynomial, and a compensated quotient started
// from VRCP14PS; four vectors per iteration, K-masked tail.
//
//	for i, x := range src {
//		dst[i] = tanh(x) // kernel.tanhGeneric, within 2 ulp
//	}
//
//go:noescape
func TanhAVX512(dst, src []float32)

// SigmoidAVX512 computes dst[i] = 1/(1+e^−src[i]) for i < len(src) with
// AVX-512F+DQ: e^(−|x|) as in ExpAVX512 (gradual underflow), then
// num/(1+e) with num = 1 or e by sign, a compensated quotient started
// from VRCP14PS; four vectors per iteration, K-masked tail.
//
//	for i, x := range src {
//		dst[i] = sigmoid(x) // kernel.sigmoidGeneric, within 2 ulp
//	}
//
//go:noescape
func SigmoidAVX512(dst, src []float32)

// ExpAVX2 is ExpAVX512 for AVX2+FMA3: the same steps, with 2^n built in
// the exponent bits (in two factors where it would not be normal); four
// vectors per iteration, a VMASKMOVPS tail that never touches memory past
// len(src).
//
//	for i, x := range src {
//		dst[i] = exp(x) // kernel.expGeneric, within 1 ulp
//	}
//
//go:noescape
func ExpAVX2(dst, src []float32)

// TanhAVX2 is TanhAVX512 for AVX2+FMA3, with q0 from VDIVPS and the
// correction's reciprocal from VRCPPS; four vectors per iteration, a
// VMASKMOVPS tail that never touches memory past len(src).
//
//	for i, x := range src {
//		dst[i] = tanh(x) // kernel.tanhGeneric, within 2 ulp
//	}
//
//go:noescape
func TanhAVX2(dst, src []float32)

// SigmoidAVX2 is SigmoidAVX512 for AVX2+FMA3: e^(−|x|) as in ExpAVX2,
// q0 from VDIVPS and the correction's reciprocal from VRCPPS; four
// vectors per iteration, a VMASKMOVPS tail that never touches memory past
// len(src).
//
//	for i, x := range src {
//		dst[i] = sigmoid(x) // kernel.sigmoidGeneric, within 2 ulp
//	}
//
//go:noescape
func SigmoidAVX2(dst, src []float32)
