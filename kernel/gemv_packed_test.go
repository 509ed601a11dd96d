package kernel_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// GemvPacked's suite: dst = W·x from Wᵀ packed by PackedB.Pack, held to
// Gemv's Reduction contract against a float64 loop, at every level, over
// shapes that cross every panel and cache-block edge (with the blocks
// forced small too), with NaN guard bands, guarded memory, specials,
// allocations and a fuzz target.

// checkGemvPacked packs w, runs GemvPacked (or GemvPackedAdd) into dst
// and checks every element, and that x and the guard bands are kept.
func checkGemvPacked(t testing.TB, what string, w kernel.Matrix, x, dst []float32, add bool) {
	t.Helper()
	var b kernel.PackedB
	b.Pack(kernel.Trans, w)
	dst0, x0 := slices.Clone(dst), slices.Clone(x)
	if add {
		kernel.GemvPackedAdd(dst, &b, x)
	} else {
		kernel.GemvPacked(dst, &b, x)
	}
	require.True(t, sameBits(x0, x), "%s: x changed", what)
	for i := range dst {
		var want, abs, fin float64
		n := len(x)
		term := func(p float64) {
			want += p
			abs += math.Abs(p)
			if !math.IsInf(p, 0) && !math.IsNaN(p) {
				fin += math.Abs(p)
			}
		}
		for k := range x {
			term(float64(w.Data[i*w.Stride+k]) * float64(x[k]))
		}
		if add {
			term(float64(dst0[i]))
			n++
		}
		checkGemvElem(t, what, i, dst[i], want, abs, fin, n)
	}
}

// gemvPackedShapes are W's rows (dst) and columns (x): every panel edge
// of every level (nr 4, 12, 16, 32) and kc edges.
func gemvPackedShapes() [][2]int {
	rows := []int{0, 1, 3, 4, 5, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 64, 65, 97}
	cols := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 65, 191, 192, 193, 300}
	if !testing.Short() {
		rows = append(rows, 255, 256, 257, 1030)
		cols = append(cols, 511, 512, 513, 1000)
	}
	var out [][2]int
	for _, r := range rows {
		for _, c := range cols {
			out = append(out, [2]int{r, c})
		}
	}
	return out
}

func TestGemvPacked(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(31)
		for _, blocks := range [][3]int{{}, {8, 5, 40}, {1, 1, 1}} {
			restore := kernel.SetGemmBlocks(blocks[0], blocks[1], blocks[2])
			for n, sh := range gemvPackedShapes() {
				rows, cols := sh[0], sh[1]
				stride := cols + n%3
				w := fillMatrix(r, make([]float32, max(rows*stride, 1)), rows, cols, stride)
				x := make([]float32, cols)
				kerneltest.Fill(r, x, -1, 1)
				for _, add := range []bool{false, true} {
					band := kerneltest.NewBanded(rows, n%kerneltest.MaxOffset)
					dst := band.S()
					kerneltest.Fill(r, dst, -1, 1)
					what := fmt.Sprintf("%d×%d blocks %v add=%v", rows, cols, blocks, add)
					checkGemvPacked(t, what, w, x, dst, add)
					band.Check(t, what)
				}
			}
			restore()
		}
	})
}

// TestGemvPackedGuarded runs GemvPacked with x and dst against, or right
// after, an unmapped page.
func TestGemvPackedGuarded(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(32)
		for _, sh := range [][2]int{{1, 1}, {5, 3}, {16, 7}, {17, 64}, {33, 65}, {64, 193}} {
			rows, cols := sh[0], sh[1]
			w := fillMatrix(r, make([]float32, rows*cols), rows, cols, cols)
			xe, xs := kerneltest.Guarded(t, cols)
			de, ds := kerneltest.Guarded(t, rows)
			kerneltest.Fill(r, xe, -1, 1)
			copy(xs, xe)
			what := fmt.Sprintf("%d×%d", rows, cols)
			kerneltest.NoFault(t, what, func() {
				for _, add := range []bool{false, true} {
					checkGemvPacked(t, what+" end-guarded", w, xe, de, add)
					checkGemvPacked(t, what+" start-guarded", w, xs, ds, add)
				}
			})
		}
	})
}

// TestGemvPackedSpecials: NaN in W poisons its row of dst, +Inf gives
// +Inf, Inf·0 gives NaN, NaN in x poisons every row; as Gemv.
func TestGemvPackedSpecials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		for _, sz := range [][2]int{{1, 1}, {3, 7}, {17, 33}, {33, 67}, {40, 200}} {
			rows, cols := sz[0], sz[1]
			for pi := 0; pi < rows; pi += max(1, rows/3) {
				for pj := 0; pj < cols; pj += max(1, cols/4) {
					what := fmt.Sprintf("%d×%d at (%d,%d)", rows, cols, pi, pj)
					data := make([]float32, rows*cols)
					for i := range data {
						data[i] = 1
					}
					w := kernel.MatrixFrom(rows, cols, data)
					x := make([]float32, cols)
					for i := range x {
						x[i] = 1
					}
					dst := make([]float32, rows)
					var b kernel.PackedB
					run := func() {
						b.Pack(kernel.Trans, w)
						kernel.GemvPacked(dst, &b, x)
					}
					w.Set(pi, pj, nan)
					run()
					for i, v := range dst {
						require.Equal(t, i == pi, v != v, "%s: NaN in W, dst[%d]=%v", what, i, v)
					}
					w.Set(pi, pj, inf)
					run()
					require.Equal(t, inf, dst[pi], what)
					x[pj] = 0
					run()
					require.True(t, dst[pi] != dst[pi], "%s: Inf·0 = %v", what, dst[pi])
					w.Set(pi, pj, 1)
					x[pj] = nan
					run()
					for i, v := range dst {
						require.True(t, v != v, "%s: NaN in x, dst[%d]=%v", what, i, v)
					}
				}
			}
		}
	})
}

// TestGemvPackedContract: the panics that name the sizes, the level
// check, zero allocations, the same bits twice, and GemvPackedAdd onto
// zeros equal to GemvPacked.
func TestGemvPackedContract(t *testing.T) {
	r := kerneltest.Rand(33)
	w := fillMatrix(r, make([]float32, 70*131), 70, 131, 131)
	x := make([]float32, 131)
	kerneltest.Fill(r, x, -1, 1)
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		var b kernel.PackedB
		b.Pack(kernel.Trans, w)
		d1, d2 := make([]float32, 70), make([]float32, 70)
		require.PanicsWithValue(t, "kernel.GemvPacked: len(x)=130 != b.Rows()=131", func() { kernel.GemvPacked(d1, &b, x[:130]) })
		require.PanicsWithValue(t, "kernel.GemvPackedAdd: len(dst)=69 != b.Cols()=70", func() { kernel.GemvPackedAdd(d1[:69], &b, x) })
		require.Zero(t, testing.AllocsPerRun(50, func() { kernel.GemvPacked(d1, &b, x) }))
		kernel.GemvPacked(d2, &b, x)
		require.True(t, sameBits(d1, d2))
		clear(d2)
		kernel.GemvPackedAdd(d2, &b, x)
		require.True(t, sameBits(d1, d2))
		if len(kernel.Available()) > 1 {
			other := kernel.Available()[0]
			if other == l {
				other = kernel.Available()[1]
			}
			restore, err := kernel.SetLevel(other)
			require.NoError(t, err)
			require.Panics(t, func() { kernel.GemvPacked(d1, &b, x) }, "packed at %v, run at %v", l, other)
			restore()
		}
	})
}

// FuzzGemvPacked decodes a shape, blocks and values from the fuzzer's
// bytes and checks GemvPacked and GemvPackedAdd at every level.
func FuzzGemvPacked(f *testing.F) {
	f.Add([]byte{3, 5, 0, 0, 0, 128, 63, 0, 0, 0, 64})
	f.Add(append([]byte{40, 70, 1}, make([]byte, 4*300)...))
	f.Add([]byte{33, 9, 2, 0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) < 3 {
			return
		}
		rows, cols := int(raw[0]%70), int(raw[1])+int(raw[0]&0x80)
		blocks := [][3]int{{}, {8, 5, 40}, {1, 3, 1}}[int(raw[2])%3]
		take := fuzzFloats(raw[3:])
		w := kernel.Matrix{Rows: rows, Cols: cols, Stride: cols, Data: take(rows * cols)}
		x, dst0 := take(cols), take(rows)
		kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
			restore := kernel.SetGemmBlocks(blocks[0], blocks[1], blocks[2])
			defer restore()
			for _, add := range []bool{false, true} {
				checkGemvPacked(t, fmt.Sprintf("fuzz %d×%d add=%v", rows, cols, add), w, x, slices.Clone(dst0), add)
			}
		})
	})
}

// TestGemvPackedPays: at a level with the panel kernel a small matrix
// pays and one larger than twice any L2 does not; elsewhere none does.
func TestGemvPackedPays(t *testing.T) {
	small := kernel.NewMatrix(64, 64)
	big := kernel.NewMatrix(4096, 4096) // 64 MiB
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		var s, b kernel.PackedB
		s.Pack(kernel.Trans, small)
		b.Pack(kernel.Trans, big)
		require.Equal(t, kernel.GemvPackedStreams(), kernel.GemvPackedPays(&s), "64×64")
		require.False(t, kernel.GemvPackedPays(&b), "4096×4096")
	})
}
