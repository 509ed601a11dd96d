package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/kernel/ref"
)

// TestGemvShapes runs Gemv, GemvAdd and GemvT at every level over all
// shapes up to 13×37 (every row-block and column-tail combination of the
// 4-row, 8/16-column SIMD kernels) and a few larger ones, with padded
// strides whose padding holds NaN (a read of it poisons the result) and
// NaN guard bands around x and dst.
func TestGemvShapes(t *testing.T) {
	var shapes [][2]int
	for m := 0; m <= 13; m++ {
		for n := 0; n <= 37; n++ {
			shapes = append(shapes, [2]int{m, n})
		}
	}
	shapes = append(shapes, [2]int{64, 64}, [2]int{33, 129}, [2]int{130, 17}, [2]int{7, 1000})
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(21)
		for _, sh := range shapes {
			m, n := sh[0], sh[1]
			for _, pad := range []int{0, 3} {
				stride := n + pad
				data := make([]float32, max(0, m*stride))
				kerneltest.Fill(r, data, -1, 1)
				for i := 0; i < m; i++ {
					for j := n; j < stride; j++ {
						data[i*stride+j] = float32(math.NaN())
					}
				}
				a := kernel.Matrix{Rows: m, Cols: n, Stride: stride, Data: data}
				what := fmt.Sprintf("%dx%d stride %d", m, n, stride)

				bx, bd := kerneltest.NewBanded(n, (m+n)%16), kerneltest.NewBanded(m, n%16)
				x, dst := bx.S(), bd.S()
				kerneltest.Fill(r, x, -1, 1)
				want, abs := make([]float64, m), make([]float64, m)
				ref.Gemv(want, abs, m, stride, data, x)
				kernel.Gemv(dst, a, x)
				for i := range dst {
					if d := math.Abs(float64(dst[i]) - want[i]); !(d <= kerneltest.ReductionBound(n, abs[i])) {
						t.Fatalf("%s: Gemv dst[%d]=%v want %v", what, i, dst[i], want[i])
					}
				}
				// GemvAdd onto the result doubles it.
				kernel.GemvAdd(dst, a, x)
				for i := range dst {
					if d := math.Abs(float64(dst[i]) - 2*want[i]); !(d <= 2*kerneltest.ReductionBound(n+1, abs[i])) {
						t.Fatalf("%s: GemvAdd dst[%d]=%v want %v", what, i, dst[i], 2*want[i])
					}
				}
				bx.Check(t, what+" x")
				bd.Check(t, what+" dst")

				// GemvT: x has m elements, dst n.
				btx, btd := kerneltest.NewBanded(m, n%16), kerneltest.NewBanded(n, m%16)
				xt, dt := btx.S(), btd.S()
				kerneltest.Fill(r, xt, -1, 1)
				kerneltest.Fill(r, dt, -1, 1) // overwritten, not added to
				wantT, absT := make([]float64, n), make([]float64, n)
				ref.GemvT(wantT, absT, stride, data, xt)
				kernel.GemvT(dt, a, xt)
				for j := range dt {
					if d := math.Abs(float64(dt[j]) - wantT[j]); !(d <= kerneltest.ReductionBound(m, absT[j])) {
						t.Fatalf("%s: GemvT dst[%d]=%v want %v", what, j, dt[j], wantT[j])
					}
				}
				btx.Check(t, what+" GemvT x")
				btd.Check(t, what+" GemvT dst")
			}
		}
	})
}

// TestGemvGuardPages puts a matrix's last row and dst and x right against
// unmapped pages.
func TestGemvGuardPages(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T, l kernel.Level) {
		r := kerneltest.Rand(22)
		for _, sh := range [][2]int{{1, 1}, {3, 5}, {4, 7}, {5, 9}, {7, 15}, {9, 17}, {6, 33}, {13, 3}} {
			m, n := sh[0], sh[1]
			dataEnd, dataStart := kerneltest.Guarded(t, m*n)
			xEnd, xStart := kerneltest.Guarded(t, max(m, n))
			dEnd, dStart := kerneltest.Guarded(t, max(m, n))
			kerneltest.Fill(r, dataEnd, -1, 1)
			copy(dataStart, dataEnd)
			kerneltest.Fill(r, xEnd, -1, 1)
			copy(xStart, xEnd)
			what := fmt.Sprintf("%dx%d", m, n)
			kerneltest.NoFault(t, what, func() {
				for _, data := range [][]float32{dataEnd, dataStart} {
					a := kernel.MatrixFrom(m, n, data)
					for _, xs := range [][]float32{xEnd, xStart} {
						for _, ds := range [][]float32{dEnd, dStart} {
							x := xs[len(xs)-n:]
							if &xs[0] == &xStart[0] {
								x = xs[:n]
							}
							dst := ds[len(ds)-m:]
							if &ds[0] == &dStart[0] {
								dst = ds[:m]
							}
							kernel.Gemv(dst, a, x)
							want, abs := make([]float64, m), make([]float64, m)
							ref.Gemv(want, abs, m, n, data, x)
							for i := range dst {
								if d := math.Abs(float64(dst[i]) - want[i]); !(d <= kerneltest.ReductionBound(n, abs[i])) {
									t.Fatalf("%s: Gemv dst[%d]=%v want %v", what, i, dst[i], want[i])
								}
							}
							xt := xs[len(xs)-m:]
							if &xs[0] == &xStart[0] {
								xt = xs[:m]
							}
							dt := ds[len(ds)-n:]
							if &ds[0] == &dStart[0] {
								dt = ds[:n]
							}
							kernel.GemvT(dt, a, xt)
							wantT, absT := make([]float64, n), make([]float64, n)
							ref.GemvT(wantT, absT, n, data, xt)
							for j := range dt {
								if d := math.Abs(float64(dt[j]) - wantT[j]); !(d <= kerneltest.ReductionBound(m, absT[j])) {
									t.Fatalf("%s: GemvT dst[%d]=%v want %v", what, j, dt[j], wantT[j])
								}
							}
						}
					}
				}
			})
		}
	})
}
