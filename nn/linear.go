package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdcore/simdcore/internal/packcache"
	"github.com/simdcore/simdcore/kernel"
)

// Linear is torch.nn.Linear: y = x·Wᵀ + b for each row x of the input.
//
//	W ↔ weight (Out × In)
//	B ↔ bias   (Out, or nil for bias=False)
//
// Forward over several rows multiplies by Wᵀ packed for kernel.GemmPacked,
// which the Linear builds on first use and keeps (as much memory again as
// W), shared by every goroutine that runs it. A W replaced by another
// matrix is repacked by itself; after changing W's elements in place (an
// optimiser step, a perturbation), call WeightsChanged (Init and Backward
// do). The packed form is part of the struct's value, not of its
// weights: reflect.DeepEqual sees it (WeightsChanged drops it).
type Linear struct {
	In, Out int
	W       kernel.Matrix
	B       []float32
	pk      packcache.Cache // Wᵀ packed
}

// WeightsChanged drops the packed Wᵀ, so that the next Forward packs the
// current W: call it after changing W's elements in place. It may run
// while other goroutines run the Linear (they pack again); the change of
// W itself may not. Replacing W by another matrix needs no call; B is not
// packed.
func (l *Linear) WeightsChanged() { l.pk.Reset() }

// NewLinear returns a zero in→out Linear, with a zero bias if bias is set.
// It returns an error wrapping ErrConfig unless in and out are positive.
func NewLinear(in, out int, bias bool) (*Linear, error) {
	if in <= 0 || out <= 0 || in > maxWidth || out > maxWidth {
		return nil, fmt.Errorf("nn.NewLinear: in=%d, out=%d: want 1…%d: %w", in, out, maxWidth, ErrConfig)
	}
	l := &Linear{In: in, Out: out, W: kernel.NewMatrix(out, in)}
	if bias {
		l.B = make([]float32, out)
	}
	return l, nil
}

// maxWidth bounds every width a constructor accepts (as attn.MaxDModel),
// so that no product of two widths overflows and no file asks for more
// than a safetensors file may hold.
const maxWidth = 1 << 16

// Init fills W and B as torch initialises nn.Linear: uniform in
// ±1/√In (Kaiming-uniform with a = √5 gives the same bound for W).
func (l *Linear) Init(r *rand.Rand) {
	bound := 1 / math.Sqrt(float64(l.In))
	for i := range l.Out {
		for j, row := 0, l.W.Row(i); j < len(row); j++ {
			row[j] = float32((2*r.Float64() - 1) * bound)
		}
	}
	for i := range l.B {
		l.B[i] = float32((2*r.Float64() - 1) * bound)
	}
	l.WeightsChanged()
}

// check reports an error unless the weights have the declared shapes.
func (l *Linear) check(fn string) error {
	if err := checkMatrix(fn, "Linear.W", l.W, l.Out, l.In); err != nil {
		return err
	}
	if l.B != nil && len(l.B) != l.Out {
		return shapeErr(fn, "len(Linear.B)=%d, want %d", len(l.B), l.Out)
	}
	return nil
}

// Forward computes dst = x·Wᵀ + b for x of T×In rows into dst (T×Out,
// allocated if its Data is nil), which it returns. dst must not overlap
// x. Shapes that disagree give an error wrapping ErrShape. The products
// are kernel.Gemm's bits (float32 sums; the bias is added first), by
// kernel.GemmPacked for several rows.
func (l *Linear) Forward(dst, x kernel.Matrix) (kernel.Matrix, error) {
	const fn = "Linear.Forward"
	dst, err := prepare(fn, l.check(fn), dst, x, l.In, l.Out)
	if err != nil {
		return dst, err
	}
	l.apply(dst, x)
	return dst, nil
}

// apply is Forward on checked shapes.
func (l *Linear) apply(dst, x kernel.Matrix) {
	if x.Rows == 0 {
		return
	}
	beta := float32(0)
	if l.B != nil {
		for i := range dst.Rows {
			copy(dst.Row(i), l.B)
		}
		beta = 1
	}
	l.pk.MulT(dst, x, l.W, beta)
}
