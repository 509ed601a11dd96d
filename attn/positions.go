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
	// freq holds the frequencies of SinusoidalRows's positions, which
	// have no Table: Add and AddRow compute the rows they add. n is
	// their number.
	freq []float64
	n    int
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
	freq := sinusoidalFreq(d)
	for p := range maxLen {
		sinusoidalRow(t.Row(p), freq, p)
	}
	return &Positions{Table: t}, nil
}

// SinusoidalRows returns Sinusoidal(maxLen, d)'s positions without their
// table: Add and AddRow compute each row they add (d sines and cosines,
// the same float32 values as the table's), so that the memory they take
// is d float64 whatever maxLen is. A model whose context comes from
// outside (a file's metadata) should use it: the table of a long
// context costs maxLen·d floats, most of them never read. Its Table is
// empty; MaxLen is maxLen. Errors are Sinusoidal's.
func SinusoidalRows(maxLen, d int) (*Positions, error) {
	if maxLen <= 0 || d <= 0 || maxLen > math.MaxInt32/d {
		return nil, shapeErr("SinusoidalRows", "maxLen=%d, d=%d: not positive, or more than 2³¹ elements", maxLen, d)
	}
	return &Positions{freq: sinusoidalFreq(d), n: maxLen}, nil
}

// sinusoidalFreq returns the frequency of each of d columns.
func sinusoidalFreq(d int) []float64 {
	f := make([]float64, d)
	for j := range f {
		f[j] = math.Exp(float64(j&^1) * (-math.Log(10000) / float64(d)))
	}
	return f
}

// sinusoidalRow writes position p's row into row (len(freq)).
func sinusoidalRow(row []float32, freq []float64, p int) {
	for j, f := range freq {
		a := float64(p) * f
		if j%2 == 0 {
			row[j] = float32(math.Sin(a))
		} else {
			row[j] = float32(math.Cos(a))
		}
	}
}

// MaxLen returns the number of positions of the table.
func (p *Positions) MaxLen() int {
	if p.freq != nil {
		return p.n
	}
	return p.Table.Rows
}

// addRow adds position pos's row to x (checked).
func (p *Positions) addRow(x []float32, pos int) {
	if p.freq == nil {
		kernel.Add(x, x, p.Table.Row(pos))
		return
	}
	for j, f := range p.freq {
		a := float64(pos) * f
		var v float64
		if j%2 == 0 {
			v = math.Sin(a)
		} else {
			v = math.Cos(a)
		}
		x[j] += float32(v)
	}
}

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
		p.addRow(x.Row(i), pos0+i)
	}
	return nil
}

// AddRow adds position pos to one embedding x in place (decoding);
// it allocates nothing.
func (p *Positions) AddRow(x []float32, pos int) error {
	if err := p.check("Positions.AddRow", len(x), pos, 1); err != nil {
		return err
	}
	p.addRow(x, pos)
	return nil
}

func (p *Positions) check(fn string, width, pos0, n int) error {
	rows, cols := p.Table.Rows, p.Table.Cols
	if p.freq != nil {
		rows, cols = p.n, len(p.freq)
	} else if !p.Table.Valid() {
		return shapeErr(fn, "malformed table %d×%d", p.Table.Rows, p.Table.Cols)
	}
	if width != cols {
		return shapeErr(fn, "width %d, table of %d", width, cols)
	}
	if pos0 < 0 || n > rows-pos0 {
		return fmt.Errorf("attn.%s: positions [%d, %d+%d) beyond the table's %d: %w", fn, pos0, pos0, n, rows, ErrShape)
	}
	return nil
}
