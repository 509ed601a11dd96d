package attn

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

func TestSinusoidal(t *testing.T) {
	for _, d := range []int{1, 7, 12, 64} {
		p, err := Sinusoidal(300, d)
		require.NoError(t, err)
		require.Equal(t, 300, p.MaxLen())
		for pos := range 300 {
			for j := range d {
				// 1/10000^(2i/d) for the pair i = j/2.
				a := float64(pos) / math.Pow(10000, float64(2*(j/2))/float64(d))
				want := math.Sin(a)
				if j%2 == 1 {
					want = math.Cos(a)
				}
				require.InDelta(t, want, p.Table.At(pos, j), 1e-7, "d=%d pos=%d j=%d", d, pos, j)
			}
		}
	}
	// PyTorch's tutorial table.
	f, err := weights.Open(filepath.Join(torchtest.Dir, "pos_sinusoidal.io.safetensors"))
	require.NoError(t, err)
	pe, err := f.Tensor("pe")
	require.NoError(t, err)
	p, err := Sinusoidal(pe.Shape[0], pe.Shape[1])
	require.NoError(t, err)
	torchtest.RequireClose(t, "pe", p.Table.Data, pe.Data)

	for _, c := range [][2]int{{0, 4}, {4, 0}, {-1, 4}, {math.MaxInt32, 2}} {
		_, err := Sinusoidal(c[0], c[1])
		require.ErrorIs(t, err, ErrShape)
	}
}

func TestPositionsAdd(t *testing.T) {
	r := kerneltest.Rand(60)
	learned := Positions{Table: randMatrix(r, 10, 6, 2, -1, 1)}
	x := randMatrix(r, 4, 6, 1, -1, 1)
	orig := kernel.NewMatrix(4, 6)
	copyInto(orig, x)
	require.NoError(t, learned.Add(x, 5))
	for i := range 4 {
		for j := range 6 {
			require.Equal(t, orig.At(i, j)+learned.Table.At(5+i, j), x.At(i, j))
		}
	}
	row := append([]float32(nil), orig.Row(0)...)
	require.NoError(t, learned.AddRow(row, 9))
	for j := range 6 {
		require.Equal(t, orig.At(0, j)+learned.Table.At(9, j), row[j])
	}
	require.Zero(t, testing.AllocsPerRun(20, func() { _ = learned.AddRow(row, 3) }))
	require.ErrorIs(t, learned.Add(x, 7), ErrShape)
	require.ErrorIs(t, learned.Add(x, -1), ErrShape)
	require.ErrorIs(t, learned.AddRow(row, 10), ErrShape)
	require.ErrorIs(t, learned.AddRow(row[:5], 0), ErrShape)
	require.ErrorIs(t, (&Positions{}).AddRow(row, 0), ErrShape)
}

// TestSinusoidalRows: the positions computed row by row add exactly what
// Sinusoidal's table adds, at positions near the end of a context of 2²⁰
// too, allocate nothing, and take memory for d frequencies only, not for
// the table.
func TestSinusoidalRows(t *testing.T) {
	r := kerneltest.Rand(61)
	for _, d := range []int{1, 7, 12} {
		table, err := Sinusoidal(40, d)
		require.NoError(t, err)
		rows, err := SinusoidalRows(40, d)
		require.NoError(t, err)
		require.Equal(t, 40, rows.MaxLen())
		x := randMatrix(r, 5, d, 1, -1, 1)
		y := kernel.NewMatrix(5, d)
		copyInto(y, x)
		require.NoError(t, table.Add(x, 35))
		require.NoError(t, rows.Add(y, 35))
		for i := range 5 {
			require.Equal(t, x.Row(i), y.Row(i), "d=%d row %d", d, i)
		}
		row := randVec(r, d, -1, 1)
		want := append([]float32(nil), row...)
		require.NoError(t, table.AddRow(want, 39))
		require.NoError(t, rows.AddRow(row, 39))
		require.Equal(t, want, row)
		require.Zero(t, testing.AllocsPerRun(20, func() { _ = rows.AddRow(row, 3) }))
		require.ErrorIs(t, rows.Add(y, 36), ErrShape)
		require.ErrorIs(t, rows.AddRow(row, 40), ErrShape)
		require.ErrorIs(t, rows.AddRow(row, -1), ErrShape)
		require.ErrorIs(t, rows.AddRow(append(row, 0), 0), ErrShape)
	}
	const long = 1 << 20
	var rows *Positions
	var err error
	allocs := allocBytes(func() { rows, err = SinusoidalRows(long, 16) })
	require.NoError(t, err)
	// The table would be 64 MiB; other tests' goroutines may allocate
	// meanwhile, hence the margin.
	require.Less(t, allocs, uint64(1<<20), "bytes allocated for a context of %d", long)
	x := kernel.NewMatrix(1, 16)
	require.NoError(t, rows.Add(x, long-1))
	for j := range 16 {
		a := float64(long-1) / math.Pow(10000, float64(2*(j/2))/16)
		want := math.Sin(a)
		if j%2 == 1 {
			want = math.Cos(a)
		}
		require.InDelta(t, want, x.At(0, j), 1e-7, "j=%d", j)
	}
	for _, c := range [][2]int{{0, 4}, {4, 0}, {-1, 4}, {math.MaxInt32, 2}} {
		_, err := SinusoidalRows(c[0], c[1])
		require.ErrorIs(t, err, ErrShape)
	}
}

// allocBytes returns the bytes allocated while f runs.
func allocBytes(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}
