package packcache_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/internal/packcache"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

func random(r *rand.Rand, rows, cols int) kernel.Matrix {
	m := kernel.NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(r.NormFloat64())
	}
	return m
}

// gemmT is what MulT must equal: Gemm(NoTrans, Trans, 1, x, w, beta, dst).
func gemmT(x, w, c0 kernel.Matrix, beta float32) []float32 {
	c := kernel.NewMatrix(c0.Rows, c0.Cols)
	copy(c.Data, c0.Data)
	kernel.Gemm(kernel.NoTrans, kernel.Trans, 1, x, w, beta, c)
	return c.Data
}

// TestMulTIsGemm: MulT gives Gemm's bits at every level, for one row and
// many, beta 0 and 1, on one thread and split, with W packed on the first
// call and reused on the next.
func TestMulTIsGemm(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := rand.New(rand.NewPCG(1, 2))
		// The last shape is large enough for Gemm and GemmPacked to split
		// it on two threads.
		for _, sh := range [][3]int{{1, 7, 5}, {2, 33, 17}, {37, 64, 70}, {258, 256, 260}} {
			rows, in, out := sh[0], sh[1], sh[2]
			var c packcache.Cache
			w := random(r, out, in)
			for _, threads := range []int{1, 2} {
				kernel.SetThreads(threads)
				for _, beta := range []float32{0, 1} {
					for range 2 {
						x, c0 := random(r, rows, in), random(r, rows, out)
						want := gemmT(x, w, c0, beta)
						got := kernel.NewMatrix(rows, out)
						copy(got.Data, c0.Data)
						c.MulT(got, x, w, beta)
						require.Equal(t, want, got.Data, "%v threads=%d beta=%v", sh, threads, beta)
					}
				}
				kernel.SetThreads(0)
			}
		}
	})
}

// TestCacheFollowsTheMatrix: the packed form is reused for the same
// matrix, rebuilt for another matrix (a new one, a window of the old one)
// and after Reset, and otherwise stale by design: a change in place
// without Reset is not seen.
func TestCacheFollowsTheMatrix(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var c packcache.Cache
	w := random(r, 12, 8)
	p := c.Transposed(w)
	require.Same(t, p, c.Transposed(w), "the same matrix reuses its packing")
	require.Equal(t, [2]int{8, 12}, [2]int{p.Rows(), p.Cols()})

	x := random(r, 5, 8)
	before := gemmT(x, w, kernel.NewMatrix(5, 12), 0)
	w.Data[3] += 1 // in place, not announced: the old packing stays
	got := kernel.NewMatrix(5, 12)
	c.MulT(got, x, w, 0)
	require.Equal(t, before, got.Data)
	c.Reset()
	c.MulT(got, x, w, 0)
	require.Equal(t, gemmT(x, w, kernel.NewMatrix(5, 12), 0), got.Data, "Reset repacks")

	w2 := random(r, 12, 8)
	c.MulT(got, x, w2, 0)
	require.Equal(t, gemmT(x, w2, kernel.NewMatrix(5, 12), 0), got.Data, "another matrix repacks")
	top := w2.Slice(0, 6, 0, 8)
	got6 := kernel.NewMatrix(5, 6)
	c.MulT(got6, x, top, 0)
	require.Equal(t, gemmT(x, top, kernel.NewMatrix(5, 6), 0), got6.Data, "a window of the matrix repacks")
}

// TestCacheFollowsTheLevel: a packing is rebuilt for another level
// (GemmPacked would panic on the old one).
func TestCacheFollowsTheLevel(t *testing.T) {
	if kernel.Active() == kernel.Generic {
		t.Skip("only the generic level")
	}
	r := rand.New(rand.NewPCG(5, 6))
	var c packcache.Cache
	w, x := random(r, 20, 16), random(r, 9, 16)
	got := kernel.NewMatrix(9, 20)
	c.MulT(got, x, w, 0)
	restore, err := kernel.SetLevel(kernel.Generic)
	require.NoError(t, err)
	defer restore()
	c.MulT(got, x, w, 0)
	require.Equal(t, gemmT(x, w, kernel.NewMatrix(9, 20), 0), got.Data)
}

// TestCacheShared: goroutines sharing one empty Cache race to pack it and
// all get Gemm's bits (the race detector checks the rest), and once it is
// packed a product allocates nothing.
func TestCacheShared(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var c packcache.Cache
	w, x := random(r, 64, 48), random(r, 16, 48)
	want := gemmT(x, w, kernel.NewMatrix(16, 64), 0)
	var wg sync.WaitGroup
	outs := make([]kernel.Matrix, 8)
	for i := range outs {
		outs[i] = kernel.NewMatrix(16, 64)
		wg.Go(func() {
			for range 20 {
				c.MulT(outs[i], x, w, 0)
			}
		})
	}
	wg.Wait()
	for _, o := range outs {
		require.Equal(t, want, o.Data)
	}
	if !race.Enabled {
		require.Zero(t, testing.AllocsPerRun(20, func() { c.MulT(outs[0], x, w, 0) }))
	}
}
