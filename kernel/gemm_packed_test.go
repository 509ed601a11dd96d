package kernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/internal/race"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestGemmPackedIsGemm: GemmPacked with B packed once gives Gemm's bits,
// at every level, for both layouts of a and b, alpha and beta, shapes
// with edges in every tile and block (small blocks force several), and a
// B repacked in place for a second shape.
func TestGemmPackedIsGemm(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := rand.New(rand.NewPCG(5, 9))
		fill := func(rows, cols int) kernel.Matrix { return normalMatrix(r, rows, cols) }
		var p kernel.PackedB
		for _, blocks := range [][3]int{{0, 0, 0}, {7, 5, 9}} {
			restore := kernel.SetGemmBlocks(blocks[0], blocks[1], blocks[2])
			for _, sh := range [][3]int{{1, 1, 1}, {3, 17, 5}, {32, 40, 33}, {6, 256, 100}, {50, 7, 64}} {
				m, k, n := sh[0], sh[1], sh[2]
				for _, tA := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
					for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
						a := fill(m, k)
						if tA {
							a = fill(k, m)
						}
						b := fill(k, n)
						if tB {
							b = fill(n, k)
						}
						c0 := fill(m, n)
						want := kernel.NewMatrix(m, n)
						copy(want.Data, c0.Data)
						got := kernel.NewMatrix(m, n)
						copy(got.Data, c0.Data)
						kernel.Gemm(tA, tB, 0.5, a, b, 1.5, want)
						p.Pack(tB, b)
						require.Equal(t, [2]int{k, n}, [2]int{p.Rows(), p.Cols()})
						kernel.GemmPacked(tA, 0.5, a, &p, 1.5, got)
						require.Equal(t, want.Data, got.Data, "blocks %v m=%d k=%d n=%d tA=%v tB=%v", blocks, m, k, n, tA, tB)
					}
				}
			}
			restore()
		}
	})
}

// TestGemmPackedSingleRow: a single row, which Gemm runs as Gemv (GemvT,
// GemvAdd) when alpha is 1, comes out of GemmPacked as that row of any
// taller product, which Gemm computes with its microkernel too.
func TestGemmPackedSingleRow(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := rand.New(rand.NewPCG(7, 3))
		var p kernel.PackedB
		for _, sh := range [][2]int{{1, 1}, {17, 5}, {300, 77}, {64, 130}} {
			k, n := sh[0], sh[1]
			for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
				for _, beta := range []float32{0, 1} {
					b := normalMatrix(r, k, n)
					if tB {
						b = normalMatrix(r, n, k)
					}
					a := normalMatrix(r, 3, k)
					c0 := normalMatrix(r, 3, n)
					tall := kernel.NewMatrix(3, n)
					copy(tall.Data, c0.Data)
					kernel.Gemm(kernel.NoTrans, tB, 1, a, b, beta, tall)
					p.Pack(tB, b)
					for i := range 3 {
						row := kernel.NewMatrix(1, n)
						copy(row.Data, c0.Row(i))
						kernel.GemmPacked(kernel.NoTrans, 1, a.Slice(i, i+1, 0, k), &p, beta, row)
						require.Equal(t, tall.Row(i), row.Data, "k=%d n=%d tB=%v beta=%v row %d", k, n, tB, beta, i)
					}
				}
			}
		}
	})
}

func TestGemmPackedPanics(t *testing.T) {
	b := kernel.NewMatrix(4, 5)
	var p kernel.PackedB
	p.Pack(kernel.NoTrans, b)
	require.PanicsWithValue(t, "kernel.GemmPacked: op(a) is 2×3, B is 4×5, c is 2×5",
		func() { kernel.GemmPacked(kernel.NoTrans, 1, kernel.NewMatrix(2, 3), &p, 0, kernel.NewMatrix(2, 5)) })
	require.Panics(t, func() { kernel.GemmPacked(kernel.NoTrans, 1, kernel.NewMatrix(2, 4), &p, 0, kernel.NewMatrix(3, 5)) })
	a := kernel.NewMatrix(2, 9)
	c := kernel.MatrixFrom(2, 5, a.Data[:10])
	require.Panics(t, func() { kernel.GemmPacked(kernel.NoTrans, 1, a.Slice(0, 2, 0, 4), &p, 0, c) }, "c overlaps a")
	if kernel.Active() != kernel.Generic {
		old := kernel.Active()
		restore, err := kernel.SetLevel(kernel.Generic)
		require.NoError(t, err)
		defer restore()
		require.PanicsWithValue(t, fmt.Sprintf("kernel.GemmPacked: B was packed at level %v, the active level is %v", old, kernel.Generic),
			func() { kernel.GemmPacked(kernel.NoTrans, 1, kernel.NewMatrix(2, 4), &p, 0, kernel.NewMatrix(2, 5)) })
	}
}

func TestGemmPackedAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	a, b, c := kernel.NewMatrix(32, 256), kernel.NewMatrix(1024, 256), kernel.NewMatrix(32, 1024)
	var p kernel.PackedB
	p.Pack(kernel.Trans, b)
	kernel.GemmPacked(kernel.NoTrans, 1, a, &p, 1, c)
	require.Zero(t, testing.AllocsPerRun(10, func() {
		p.Pack(kernel.Trans, b)
		kernel.GemmPacked(kernel.NoTrans, 1, a, &p, 1, c)
	}))
}

// TestGemmPackedThreads: GemmPacked split by rows across goroutines gives
// the bits of the serial call (and so Gemm's), for row counts that do and
// do not fill the register tiles, several packed operands sharing the
// threads at once.
func TestGemmPackedThreads(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := rand.New(rand.NewPCG(7, 3))
		fill := func(rows, cols int) kernel.Matrix { return normalMatrix(r, rows, cols) }
		for _, sh := range [][3]int{{2, 9, 5}, {13, 40, 33}, {64, 70, 100}, {97, 33, 17}} {
			m, k, n := sh[0], sh[1], sh[2]
			a, b, c0 := fill(m, k), fill(n, k), fill(m, n)
			var p kernel.PackedB
			p.Pack(kernel.Trans, b)
			want := kernel.NewMatrix(m, n)
			copy(want.Data, c0.Data)
			kernel.GemmPacked(kernel.NoTrans, 0.5, a, &p, 1.5, want)
			for _, threads := range []int{2, 3, 8} {
				restoreFlops := kernel.SetGemmSplitFlops(1)
				kernel.SetThreads(threads)
				got := kernel.NewMatrix(m, n)
				copy(got.Data, c0.Data)
				kernel.GemmPacked(kernel.NoTrans, 0.5, a, &p, 1.5, got)
				kernel.SetThreads(0)
				restoreFlops()
				require.Equal(t, want.Data, got.Data, "m=%d k=%d n=%d threads=%d", m, k, n, threads)
			}
		}
	})
}

// normalMatrix returns a rows×cols matrix of N(0,1) draws from r.
func normalMatrix(r *rand.Rand, rows, cols int) kernel.Matrix {
	m := kernel.NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(r.NormFloat64())
	}
	return m
}

// TestGemmPackedStridedA: a short NoTrans a, which GemmPacked reads in
// place (full tiles) and packs (the last partial tile), as a view inside
// a larger matrix whose elements outside the view are NaN: the result is
// Gemm's bits, at every level, with default and small blocks (several kc
// slices, so the in-place reads start at column offsets), its rows k+7
// elements apart or 4 KiB apart (which GemmPacked copies, since they
// alias in L1). A read outside the view would put a NaN in c.
func TestGemmPackedStridedA(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := rand.New(rand.NewPCG(3, 14))
		var p kernel.PackedB
		for _, blocks := range [][3]int{{0, 0, 0}, {7, 5, 9}} {
			restore := kernel.SetGemmBlocks(blocks[0], blocks[1], blocks[2])
			for _, m := range []int{4, 6, 13, 32, 64, 65} {
				for _, kw := range [][2]int{{17, 24}, {256, 263}, {17, 1024}, {256, 1024}} {
					k, n := kw[0], 40
					parent := normalMatrix(r, m+3, kw[1])
					a := parent.Slice(2, 2+m, 3, 3+k)
					for i := 0; i < parent.Rows; i++ {
						for j := 0; j < parent.Cols; j++ {
							if i < 2 || i >= 2+m || j < 3 || j >= 3+k {
								parent.Set(i, j, float32(math.NaN()))
							}
						}
					}
					b := normalMatrix(r, k, n)
					c0 := normalMatrix(r, m, n)
					want := kernel.NewMatrix(m, n)
					copy(want.Data, c0.Data)
					got := kernel.NewMatrix(m, n)
					copy(got.Data, c0.Data)
					kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 0.5, a, b, 1.5, want)
					p.Pack(kernel.NoTrans, b)
					kernel.GemmPacked(kernel.NoTrans, 0.5, a, &p, 1.5, got)
					for i, v := range got.Data {
						require.False(t, math.IsNaN(float64(v)), "blocks %v m=%d k=%d stride=%d: c[%d] is NaN", blocks, m, k, kw[1], i)
					}
					require.Equal(t, want.Data, got.Data, "blocks %v m=%d k=%d stride=%d", blocks, m, k, kw[1])
				}
			}
			restore()
		}
	})
}
