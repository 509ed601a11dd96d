package attn

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/kernel"
)

// Positions is an absolute position table: row p of Table is added to the
// embedding of the token at position p, before the first attention layer.
// Sinusoidal builds the fixed table of "Attention is all you need"; a
// learned table (torch's nn.Embedding(max_len, d_model).weight, or an
// nn.Parameter of that shape) is used as it is: Positions{Table: w}.
// Rotary embeddings, which act inside attention, are Rotary.
type Positions struct {
	Table kernel.Matrix // MaxLen × d_model
}

// Sinusoidal returns the sinusoidal table of maxLen positions of width d,
// as PyTorch's tutorial PositionalEncoding builds it:
//
//	PE[p, 2i]   = sin(p·exp(−2i·ln(10000)/d))
//	PE[p, 2i+1] = cos(p·exp(−2i·ln(10000)/d))
//
// computed in float64 and rounded once (the tutorial's float32 arithmetic
// differs from it by about p·2⁻²⁴). The tutorial also scales the token
// embeddings by √d before adding the table; that belongs to the
// embedding. It returns an error wrapping ErrShape for a maxLen or d that
// is not positive, or a table beyond 2³¹ elements.
func Sinusoidal(maxLen, d int) (*Positions, error) {
	if maxLen <= 0 || d <= 0 || maxLen > math.MaxInt32/d {
		return nil, shapeErr("Sinusoidal", "maxLen=%d, d=%d: not positive, or more than 2³¹ elements", maxLen, d)
	}
	t := kernel.NewMatrix(maxLen, d)
	for p := range maxLen {
		row := t.Row(p)
		for j := range row {
			a := float64(p) * math.Exp(float64(j&^1)*(-math.Log(10000)/float64(d)))
			if j%2 == 0 {
				row[j] = float32(math.Sin(a))
			} else {
				row[j] = float32(math.Cos(a))
			}
		}
	}
	return &Positions{Table: t}, nil
}

// MaxLen returns the number of positions of the table.
func (p *Positions) MaxLen() int { return p.Table.Rows }

// Add adds the positions pos0, pos0+1, … to the rows of x in place: row i
// gets row pos0+i of the table. It returns an error wrapping ErrShape if
// x's width is not the table's or the positions run beyond it.
func (p *Positions) Add(x kernel.Matrix, pos0 int) error {
	if err := p.check("Positions.Add", x.Cols, pos0, x.Rows); err != nil {
		return err
	}
	if !x.Valid() {
		return shapeErr("Positions.Add", "malformed x %d×%d stride %d", x.Rows, x.Cols, x.Stride)
	}
	for i := 0; i < x.Rows; i++ {
		r := x.Row(i)
		kernel.Add(r, r, p.Table.Row(pos0+i))
	}
	return nil
}

// AddRow adds position pos to one embedding x in place (decoding);
// it allocates nothing.
func (p *Positions) AddRow(x []float32, pos int) error {
	if err := p.check("Positions.AddRow", len(x), pos, 1); err != nil {
		return err
	}
	kernel.Add(x, x, p.Table.Row(pos))
	return nil
}

func (p *Positions) check(fn string, width, pos0, n int) error {
	if !p.Table.Valid() {
		return shapeErr(fn, "malformed table %d×%d", p.Table.Rows, p.Table.Cols)
	}
	if width != p.Table.Cols {
		return shapeErr(fn, "width %d, table of %d", width, p.Table.Cols)
	}
	if pos0 < 0 || n > p.Table.Rows-pos0 {
		return fmt.Errorf("attn.%s: positions [%d, %d+%d) beyond the table's %d: %w", fn, pos0, pos0, n, p.Table.Rows, ErrShape)
	}
	return nil
}
