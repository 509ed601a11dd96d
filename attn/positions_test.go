package attn

import (
	"math"
	"path/filepath"
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
