package onnx

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFmafRoundsOnce: fmaf(a, b, c) is a·b + c rounded once to float32
// (the exact value, in big.Float, rounded half to even), on random
// operands and on ones whose float64 sum lands on a float32 tie while the
// exact sum does not (where a sum rounded to float64 first would round
// twice).
func TestFmafRoundsOnce(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(300).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(300).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(300).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func() float32 {
		return float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(40)-20)))
	}
	for range 200000 {
		a, b, c := rnd(), rnd(), rnd()
		require.Equal(t, math.Float32bits(exact(a, b, c)), math.Float32bits(fmaf(a, b, c)), "%v·%v+%v", a, b, c)
	}
	// 1 + 2^-24 is a float32 tie. a·b = 2^-24 + 7·2^-71 (9010893 ×
	// 15618595 = 2^47 + 7) puts the exact sum just above it, but its
	// float64 sum is the tie, which a second rounding takes to 1, the
	// even neighbour.
	a, b := float32(9010893)*0x1p-23, float32(15618595)*0x1p-48
	require.Equal(t, float32(1+0x1p-23), exact(a, b, 1))
	require.Equal(t, float32(1), float32(float64(a)*float64(b)+1), "the double rounding this guards against")
	require.Equal(t, float32(1+0x1p-23), fmaf(a, b, 1))
}
