package onnx

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCopyRunsIsGather: index maps of runs (consecutive indices, fills,
// and runs that restart elsewhere) copied run by run give what the
// element-by-element gather gives; maps of short runs are left to gather.
func TestCopyRunsIsGather(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 1000)
	for i := range src {
		src[i] = float32(i) + 0.5
	}
	copied := 0
	for trial := 0; trial < 200; trial++ {
		var idx []int32
		for len(idx) < 300 {
			n, from := 1+r.IntN(40), int32(r.IntN(len(src)-40))
			if r.IntN(4) == 0 {
				from = -1
			}
			for i := 0; i < n; i++ {
				if from < 0 {
					idx = append(idx, -1)
				} else {
					idx = append(idx, from+int32(i))
				}
			}
		}
		want, got := make([]float32, len(idx)), make([]float32, len(idx))
		gather(want, src, idx, -7)
		rs := runsOf(idx)
		if rs == nil {
			continue
		}
		copyRuns(got, src, rs, -7)
		require.Equal(t, want, got)
		copied++
	}
	require.Greater(t, copied, 50)
	require.Nil(t, runsOf([]int32{3, 2, 1, 0, 5, 9, 8, 7}), "runs of one")
	require.Equal(t, []indexRun{{0, 4, 16}, {16, -1, 16}}, runsOf(append(seq(4, 16), seq(-1, 16)...)))
}

// seq returns n consecutive indices from i (n times -1 for i < 0).
func seq(i int32, n int) []int32 {
	s := make([]int32, n)
	for k := range s {
		s[k] = i
		if i >= 0 {
			s[k] = i + int32(k)
		}
	}
	return s
}
