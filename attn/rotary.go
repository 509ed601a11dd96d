package attn

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/internal/scratch"
	"github.com/simdcore/simdcore/kernel"
)

// Rotary is rotary position embedding (RoPE), applied by a MultiHead to
// every query and key head after the projections: the token at position p
// has each pair (a, b) of its first Dims features rotated by the angle
// p·θ_i, θ_i = Base^(−2i/Dims) for pair i = 0..Dims/2−1,
//
//	a' = a·cos(p·θ_i) − b·sin(p·θ_i)
//	b' = b·cos(p·θ_i) + a·sin(p·θ_i)
//
// so that the score of a query at position p and a key at position p'
// depends on the positions only through p − p'. The features of a head
// beyond Dims are left alone (partial rotary, GPT-NeoX's rotary_pct, GPT-J's
// rotary_dim). Two conventions pair the features differently:
//
//   - rotate-half (Interleaved false): pair i is features (i, i+Dims/2), the
//     GPT-NeoX and LLaMA convention (Hugging Face's rotate_half);
//   - interleaved (Interleaved true): pair i is features (2i, 2i+1), the
//     GPT-J convention (and the original RoFormer).
//
// The angles are computed in float64 and their cosines and sines rounded
// to float32 (implementations that compute p·θ_i in float32 differ from
// it by about p·2⁻²⁴ radians). A Rotary is immutable and may be shared.
type Rotary struct {
	dims        int
	base        float64
	interleaved bool
	invFreq     []float64 // θ_i
}

// NewRotary returns the rotary embedding of the first dims features of
// each head (even and positive; d_head for all of them) with base base (0
// means 10000) in the given convention. It returns an error wrapping
// ErrShape for an odd or non-positive dims and ErrOptions for a base that
// is not finite and greater than 1.
func NewRotary(dims int, base float64, interleaved bool) (*Rotary, error) {
	if dims <= 0 || dims%2 != 0 || dims > MaxDModel {
		return nil, shapeErr("NewRotary", "dims=%d is not positive, even and at most %d", dims, MaxDModel)
	}
	if base == 0 {
		base = 10000
	}
	if !(base > 1) || math.IsInf(base, 1) {
		return nil, fmt.Errorf("attn.NewRotary: base=%g: %w", base, ErrOptions)
	}
	r := &Rotary{dims: dims, base: base, interleaved: interleaved, invFreq: make([]float64, dims/2)}
	for i := range r.invFreq {
		r.invFreq[i] = math.Pow(base, -float64(2*i)/float64(dims))
	}
	return r, nil
}

// Dims returns the number of rotated features of each head.
func (r *Rotary) Dims() int { return r.dims }

// Base returns the base of the frequencies.
func (r *Rotary) Base() float64 { return r.base }

// Interleaved reports whether the pairs are (2i, 2i+1) (GPT-J) rather
// than (i, i+Dims/2) (GPT-NeoX, LLaMA).
func (r *Rotary) Interleaved() bool { return r.interleaved }

// fits checks that r applies to heads of width dh.
func (r *Rotary) fits(fn string, dh int) error {
	if r.dims == 0 || len(r.invFreq) != r.dims/2 {
		return shapeErr(fn, "Rotary is not from NewRotary")
	}
	if r.dims > dh {
		return shapeErr(fn, "Rotary rotates %d features of heads of %d", r.dims, dh)
	}
	return nil
}

// angles writes the cosines of position pos's angles to cs[:Dims/2] and
// their sines to cs[Dims/2:Dims].
func (r *Rotary) angles(cs []float32, pos int) {
	half := r.dims / 2
	for i, f := range r.invFreq {
		s, c := math.Sincos(float64(pos) * f)
		cs[i], cs[half+i] = float32(c), float32(s)
	}
}

// rotate rotates one head x by the angles in cs (from angles).
func (r *Rotary) rotate(x, cs []float32) {
	half := r.dims / 2
	cos, sin := cs[:half], cs[half:r.dims]
	if r.interleaved {
		x = x[:r.dims]
		for i := range half {
			a, b := x[2*i], x[2*i+1]
			x[2*i] = a*cos[i] - b*sin[i]
			x[2*i+1] = b*cos[i] + a*sin[i]
		}
		return
	}
	lo, hi := x[:half], x[half:r.dims]
	for i := range half {
		a, b := lo[i], hi[i]
		lo[i] = a*cos[i] - b*sin[i]
		hi[i] = b*cos[i] + a*sin[i]
	}
}

// rotateRow rotates every head of row (consecutive heads of dh features,
// a multiple of dh long) to position pos, with cs (len ≥ Dims) as
// scratch.
func (r *Rotary) rotateRow(row []float32, dh, pos int, cs []float32) {
	r.angles(cs, pos)
	for o := 0; o < len(row); o += dh {
		r.rotate(row[o:o+dh], cs)
	}
}

// rotateRows rotates the first heads heads (of dh features) of each row i
// of a to position pos0+i.
func (r *Rotary) rotateRows(a kernel.Matrix, heads, dh, pos0 int) { r.turnRows(a, heads, dh, pos0, 1) }

// unrotateRows turns row i of a back by position i's angles: the
// gradient of rotateRows(a, heads, dh, 0), rotations being orthogonal.
func (r *Rotary) unrotateRows(a kernel.Matrix, heads, dh int) { r.turnRows(a, heads, dh, 0, -1) }

// turnRows rotates the first heads heads of each row i of a to position
// pos0 + dir·i.
func (r *Rotary) turnRows(a kernel.Matrix, heads, dh, pos0, dir int) {
	sc := scratch.Get(r.dims)
	defer scratch.Put(sc)
	for i := 0; i < a.Rows; i++ {
		r.rotateRow(a.Row(i)[:heads*dh], dh, pos0+dir*i, sc.Data)
	}
}
