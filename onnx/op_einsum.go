package onnx

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/simdcore/simdcore/kernel"
)

// Einsum (float32): Einstein summation over one or more operands, as
// numpy's einsum computes it.
//
// The equation names each operand's axes with letters (a–z, A–Z), one per
// axis, and "..." at most once per operand for any number of leading,
// trailing or middle axes; blanks are ignored. After "->" come the
// output's axes: letters of the operands, each at most once, and "..."
// (required when the operands' "..." stand for any axes). Without "->"
// (the implicit form) the output is "..." (if any) followed by the letters
// that occur exactly once in the equation, in ASCII order (upper case
// first). The axes a letter names must have one length; the axes "..."
// stands for broadcast across the operands, numpy style, aligned at
// their ends. A letter repeated within an operand takes that operand's
// diagonal; a letter in one operand only and not in the output is summed
// over in that operand first.
//
// One operand is reduced into the output directly. Two or more are
// contracted left to right, each step a batch of matrix products on
// simdcore's Gemm: the letters of the accumulated result and of the next
// operand that the output or a later operand needs, and that are in both,
// form the batch; those in both that nothing later needs are contracted
// (K); the others are the product's rows (M, from the left) and columns
// (N, from the right). Operands whose axes are not already in the order
// batch, M, K for the left one and batch, K, N for the right one (or with
// the last two swapped: Gemm reads the matrices transposed) are copied
// into buffers of this plan first; so is the product when its axes are
// not in the output's order.
//
// A malformed equation is an error wrapping ErrFormat; one that does not
// fit the operands' shapes, ErrShape; a plan whose products would take
// more than einsumWork multiply-adds per run, ErrLimit.

func init() {
	register("Einsum", 12, buildEinsum)
}

// einsumWork bounds the multiply-adds (counting each Gemm call as
// einsumCallCost more) that one Einsum node's products may take per run:
// the operands' sizes are bounded by the element budget, but a chain of
// products over them is not.
const (
	einsumWork     = 1 << 40
	einsumCallCost = 1 << 13
)

// Labels: the letters 'A'–'Z' are 0–25 and 'a'–'z' 26–51, so that their
// order is ASCII order; the axes "..." stands for are einsumLetters,
// einsumLetters+1, … (aligned at the end of the broadcast "..." shape).
const (
	einsumLetters  = 52
	einsumEllipsis = -1 // "..." in a parsed term
	einsumBcast    = -1 // an axis of length 1 broadcast against a longer one
)

// einsumEquation is a parsed equation: each operand's term and the
// output's, as labels with einsumEllipsis where "..." stands.
type einsumEquation struct {
	in       [][]int
	out      []int
	explicit bool // the output is given ("->")
}

// parseEinsum parses eq for n operands.
func parseEinsum(eq string, n int) (*einsumEquation, error) {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, eq)
	lhs, rhs, explicit := strings.Cut(s, "->")
	terms := strings.Split(lhs, ",")
	if len(terms) != n {
		return nil, fmt.Errorf("%w: Einsum equation %q has %d operand terms for %d inputs", ErrFormat, eq, len(terms), n)
	}
	e := &einsumEquation{explicit: explicit}
	for _, t := range terms {
		labels, err := parseEinsumTerm(eq, t)
		if err != nil {
			return nil, err
		}
		e.in = append(e.in, labels)
	}
	if !explicit {
		return e, nil
	}
	out, err := parseEinsumTerm(eq, rhs)
	if err != nil {
		return nil, err
	}
	for i, l := range out {
		if slices.Contains(out[:i], l) {
			return nil, fmt.Errorf("%w: Einsum equation %q repeats an output subscript", ErrFormat, eq)
		}
		in := l == einsumEllipsis
		for _, t := range e.in {
			in = in || slices.Contains(t, l)
		}
		if !in {
			return nil, fmt.Errorf("%w: Einsum equation %q: output subscript %q is in no operand", ErrFormat, eq, einsumLetter(l))
		}
	}
	e.out = out
	return e, nil
}

// parseEinsumTerm parses one operand's or the output's subscripts.
func parseEinsumTerm(eq, t string) ([]int, error) {
	labels := []int{}
	ell := false
	for i := 0; i < len(t); i++ {
		switch ch := t[i]; {
		case 'A' <= ch && ch <= 'Z':
			labels = append(labels, int(ch-'A'))
		case 'a' <= ch && ch <= 'z':
			labels = append(labels, 26+int(ch-'a'))
		case ch == '.' && !ell && strings.HasPrefix(t[i:], "..."):
			ell = true
			labels = append(labels, einsumEllipsis)
			i += 2
		case ch == '.':
			return nil, fmt.Errorf("%w: Einsum equation %q: a '.' not part of one \"...\" in term %q", ErrFormat, eq, t)
		default:
			return nil, fmt.Errorf("%w: Einsum equation %q: character %q in term %q (subscripts are letters)", ErrFormat, eq, ch, t)
		}
	}
	return labels, nil
}

// einsumLetter is the subscript of a letter's label.
func einsumLetter(l int) string {
	if l < 26 {
		return string(rune('A' + l))
	}
	return string(rune('a' + l - 26))
}

// einsumShape is an equation resolved against the operands' shapes.
type einsumShape struct {
	dims []int   // each label's length
	axes [][]int // per operand, each axis's label (or einsumBcast)
	out  []int   // the output's labels, in order
}

// resolveEinsum checks e against the operands' shapes and expands "...".
func resolveEinsum(e *einsumEquation, xs []*Tensor) (*einsumShape, error) {
	ellRank := make([]int, len(xs))
	nell := 0 // the rank of the broadcast "..." shape
	for i, x := range xs {
		letters := len(e.in[i])
		hasEll := slices.Contains(e.in[i], einsumEllipsis)
		if hasEll {
			letters--
		}
		if r := len(x.Dims); r < letters || (!hasEll && r != letters) {
			return nil, fmt.Errorf("%w: Einsum operand %d of shape %v for %d subscripts", ErrShape, i, x.Dims, len(e.in[i]))
		}
		ellRank[i] = len(x.Dims) - letters
		nell = max(nell, ellRank[i])
	}
	sh := &einsumShape{dims: make([]int, einsumLetters+nell), axes: make([][]int, len(xs))}
	for i := range sh.dims {
		sh.dims[i] = -1 // not seen yet
	}
	// The "..." shape first: axes broadcast against each other.
	for i, x := range xs {
		at := slices.Index(e.in[i], einsumEllipsis)
		for j := range ellRank[i] {
			l, d := einsumLetters+nell-ellRank[i]+j, x.Dims[at+j]
			switch {
			case sh.dims[l] < 0 || sh.dims[l] == 1:
				sh.dims[l] = d
			case d != 1 && d != sh.dims[l]:
				return nil, fmt.Errorf("%w: Einsum: the shapes \"...\" stands for do not broadcast (operand %d of shape %v)", ErrShape, i, x.Dims)
			}
		}
	}
	count := make([]int, einsumLetters)
	for i, x := range xs {
		ax := 0
		for _, l := range e.in[i] {
			if l == einsumEllipsis {
				for j := range ellRank[i] {
					el := einsumLetters + nell - ellRank[i] + j
					if x.Dims[ax] == 1 && sh.dims[el] != 1 {
						el = einsumBcast
					}
					sh.axes[i] = append(sh.axes[i], el)
					ax++
				}
				continue
			}
			count[l]++
			if d := x.Dims[ax]; sh.dims[l] < 0 {
				sh.dims[l] = d
			} else if d != sh.dims[l] {
				return nil, fmt.Errorf("%w: Einsum: subscript %q names axes of lengths %d and %d (operand %d of shape %v)", ErrShape, einsumLetter(l), sh.dims[l], d, i, x.Dims)
			}
			sh.axes[i] = append(sh.axes[i], l)
			ax++
		}
	}
	if !e.explicit {
		for l := range nell {
			sh.out = append(sh.out, einsumLetters+l)
		}
		for l, n := range count {
			if n == 1 {
				sh.out = append(sh.out, l)
			}
		}
		return sh, nil
	}
	hasEll := false
	for _, l := range e.out {
		if l != einsumEllipsis {
			sh.out = append(sh.out, l)
			continue
		}
		hasEll = true
		for j := range nell {
			sh.out = append(sh.out, einsumLetters+j)
		}
	}
	if !hasEll && nell > 0 {
		return nil, fmt.Errorf("%w: Einsum: the operands' \"...\" stands for %d axes, and the output has no \"...\"", ErrShape, nell)
	}
	return sh, nil
}

// einsumOperand is a planned operand: a tensor with one distinct label
// per axis.
type einsumOperand struct {
	t      *Tensor
	labels []int
}

// einsumPlan collects an Einsum node's run-time steps.
type einsumPlan struct {
	c     *nodeCtx
	dims  []int // each label's length
	steps []func()
	work  float64 // the products' multiply-adds per run (see einsumWork)
}

func buildEinsum(c *nodeCtx) (func() error, error) {
	n := c.nIn()
	if n == 0 {
		return nil, fmt.Errorf("%w: Einsum without operands", ErrFormat)
	}
	xs, err := c.needAll(n, Float)
	if err != nil {
		return nil, err
	}
	if c.node.Attr("equation") == nil {
		return nil, fmt.Errorf("%w: Einsum without the attribute equation", ErrFormat)
	}
	e, err := parseEinsum(c.attrString("equation", ""), n)
	if err != nil {
		return nil, err
	}
	sh, err := resolveEinsum(e, xs)
	if err != nil {
		return nil, err
	}
	p := &einsumPlan{c: c, dims: sh.dims}
	y, err := c.output(0, Float, p.labelDims(sh.out))
	if err != nil {
		return nil, err
	}
	if n == 1 {
		if _, err := p.reduce(xs[0], sh.axes[0], sh.out, y); err != nil {
			return nil, err
		}
	} else if err := p.chain(xs, sh, y); err != nil {
		return nil, err
	}
	c.work = int64(p.work) // at most einsumWork: the fold budget counts it
	steps := p.steps
	return func() error {
		for _, s := range steps {
			s()
		}
		return nil
	}, nil
}

// chain plans the contraction of two or more operands, left to right,
// into y. The products' work is checked against einsumWork before any of
// their buffers is allocated.
func (p *einsumPlan) chain(xs []*Tensor, sh *einsumShape, y *Tensor) error {
	// uses[l] counts the operands holding label l, and the output.
	uses := make([]int, len(p.dims))
	for _, ax := range sh.axes {
		for i, l := range ax {
			if l != einsumBcast && !slices.Contains(ax[:i], l) {
				uses[l]++
			}
		}
	}
	for _, l := range sh.out {
		uses[l]++
	}
	// Each operand is reduced to the labels needed elsewhere (its
	// diagonals taken, its own labels summed over); step i multiplies
	// the result so far by operand i, keeping the labels wants[i].
	keeps := make([][]int, len(xs))
	for i, ax := range sh.axes {
		for _, l := range ax {
			if l != einsumBcast && uses[l] > 1 && !slices.Contains(keeps[i], l) {
				keeps[i] = append(keeps[i], l)
			}
		}
	}
	wants := make([][]int, len(xs))
	acc := keeps[0]
	for i := 1; i < len(xs); i++ {
		wants[i] = sh.out
		if i < len(xs)-1 {
			wants[i] = slices.Clone(sh.out)
			for _, k := range keeps[i+1:] {
				wants[i] = append(wants[i], k...)
			}
		}
		g := p.split(acc, keeps[i], wants[i])
		nb, m, k, n := p.size(g.batch), p.size(g.ms), p.size(g.ks), p.size(g.ns)
		if nb != 0 && m != 0 && n != 0 && k != 0 { // the operands and the product hold elements
			p.work += nb * (m*k*n + einsumCallCost)
		}
		acc = g.result()
	}
	if p.work > einsumWork {
		return fmt.Errorf("%w: Einsum of %d operands: about %.3g multiply-adds per run, more than %d", ErrLimit, len(xs), p.work, int64(einsumWork))
	}
	ops := make([]einsumOperand, len(xs))
	for i, x := range xs {
		var err error
		if ops[i], err = p.reduce(x, sh.axes[i], keeps[i], nil); err != nil {
			return err
		}
	}
	res := ops[0]
	for i := 1; i < len(ops); i++ {
		var err error
		if res, err = p.contract(res, ops[i], wants[i], i == len(ops)-1, y); err != nil {
			return err
		}
	}
	return nil
}

// einsumSplit is the geometry of one product: the labels of the batch,
// the rows (M, from the left operand only), the contracted ones (K, in
// both) and the columns (N, from the right operand only), each in the
// order of the operand they come from (batch and K: the left one).
type einsumSplit struct{ batch, ms, ks, ns []int }

// split classifies the labels of the product of operands labelled a and b
// that keeps the labels in want (and those only: a label of one operand
// only is in want, as chain reduces the operands).
func (p *einsumPlan) split(a, b, want []int) einsumSplit {
	inA, inB, inW := p.labelSet(a), p.labelSet(b), p.labelSet(want)
	var g einsumSplit
	for _, l := range a {
		switch {
		case inB[l] && inW[l]:
			g.batch = append(g.batch, l)
		case inB[l]:
			g.ks = append(g.ks, l)
		default:
			g.ms = append(g.ms, l)
		}
	}
	for _, l := range b {
		if !inA[l] {
			g.ns = append(g.ns, l)
		}
	}
	return g
}

// result is the product's labels: batch, M, N.
func (g einsumSplit) result() []int { return einsumConcat(g.batch, g.ms, g.ns) }

// contract plans the product of a and b keeping the labels in want: the
// last one (last) writes y, with want its labels in order; the others
// give a new buffer.
func (p *einsumPlan) contract(a, b einsumOperand, want []int, last bool, y *Tensor) (einsumOperand, error) {
	g := p.split(a.labels, b.labels, want)
	at, tA, err := p.layout(a, g.batch, g.ms, g.ks)
	if err != nil {
		return einsumOperand{}, err
	}
	bt, tB, err := p.layout(b, g.batch, g.ks, g.ns)
	if err != nil {
		return einsumOperand{}, err
	}
	res := g.result()
	ct := y
	if !last || !slices.Equal(res, want) {
		if ct, err = p.c.p.alloc(Float, p.labelDims(res)); err != nil {
			return einsumOperand{}, err
		}
	}
	// Products of lengths of allocated tensors (when the product holds
	// elements; the step does nothing otherwise).
	nb, m, k, n := int(p.size(g.batch)), int(p.size(g.ms)), int(p.size(g.ks)), int(p.size(g.ns))
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	p.steps = append(p.steps, func() {
		A, B, C := at.Float, bt.Float, ct.Float
		if len(C) == 0 {
			return
		}
		if k == 0 {
			clear(C)
			return
		}
		for i := range nb {
			kernel.Gemm(kernel.Transpose(tA), kernel.Transpose(tB), 1,
				kernel.MatrixFrom(ar, ac, A[i*m*k:(i+1)*m*k]),
				kernel.MatrixFrom(br, bc, B[i*k*n:(i+1)*k*n]),
				0, kernel.MatrixFrom(m, n, C[i*m*n:(i+1)*m*n]))
		}
	})
	out := einsumOperand{t: ct, labels: res}
	if last && ct != y {
		_, err = p.reduce(ct, res, want, y)
	}
	return out, err
}

// layout returns op as a batch of rows×cols matrices (its labels in the
// order batch, rows, cols): op's own tensor when its labels are in that
// order, or in the order batch, cols, rows (trans: the matrices are
// stored transposed); a permuted copy otherwise.
func (p *einsumPlan) layout(op einsumOperand, batch, rows, cols []int) (*Tensor, bool, error) {
	order := einsumConcat(batch, rows, cols)
	if slices.Equal(op.labels, order) {
		return op.t, false, nil
	}
	if slices.Equal(op.labels, einsumConcat(batch, cols, rows)) {
		return op.t, true, nil
	}
	r, err := p.reduce(op.t, op.labels, order, nil)
	return r.t, false, err
}

// reduce plans t, whose axes have the labels axes, as a tensor with the
// labels keep in that order: the diagonal where a label repeats, the sum
// over the labels not in keep, the axes permuted. It is t itself when that
// changes nothing and dst is nil; otherwise dst, or when nil a new buffer,
// written by a step.
func (p *einsumPlan) reduce(t *Tensor, axes, keep []int, dst *Tensor) (einsumOperand, error) {
	if dst == nil && slices.Equal(axes, keep) {
		return einsumOperand{t: t, labels: keep}, nil
	}
	st := make([]int, len(p.dims)) // each label's stride in t
	for i, s := range strides(t.Dims) {
		if l := axes[i]; l != einsumBcast {
			st[l] += s
		}
	}
	kept := p.labelSet(keep)
	var kd, ks, sd, ss []int
	for _, l := range keep {
		kd, ks = append(kd, p.dims[l]), append(ks, st[l])
	}
	for i, l := range axes {
		if l != einsumBcast && !kept[l] && !slices.Contains(axes[:i], l) {
			sd, ss = append(sd, p.dims[l]), append(ss, st[l])
		}
	}
	if dst == nil {
		var err error
		if dst, err = p.c.p.alloc(Float, kd); err != nil {
			return einsumOperand{}, err
		}
	}
	mv := newEinsumMove(kd, ks, sd, ss)
	p.steps = append(p.steps, func() { mv.run(dst.Float, t.Float) })
	return einsumOperand{t: dst, labels: keep}, nil
}

func (p *einsumPlan) labelSet(labels []int) []bool {
	in := make([]bool, len(p.dims))
	for _, l := range labels {
		in[l] = true
	}
	return in
}

func (p *einsumPlan) labelDims(labels []int) []int {
	d := make([]int, len(labels))
	for i, l := range labels {
		d[i] = p.dims[l]
	}
	return d
}

// size is the number of elements the labels span, in float64: a product
// of lengths that need not belong to one tensor, so may exceed an int
// (0 when a length is 0).
func (p *einsumPlan) size(labels []int) float64 {
	n := 1.0
	for _, l := range labels {
		if p.dims[l] == 0 {
			return 0
		}
		n *= float64(p.dims[l])
	}
	return n
}

func einsumConcat(parts ...[]int) []int {
	var r []int
	for _, s := range parts {
		r = append(r, s...)
	}
	return r
}

// einsumMove fills a dense row-major destination from a strided source:
// the destination's axes (lengths dims) step through the source by st,
// and each destination element is the sum of the source elements over
// the summed axes (lengths sdims, strides sst), or a copy when there are
// none.
type einsumMove struct {
	dims, st   []int
	sdims, sst []int
	nsum       int // elements per sum
	ctr, sctr  []int
}

func newEinsumMove(dims, st, sdims, sst []int) *einsumMove {
	m := &einsumMove{}
	m.dims, m.st = einsumMergeAxes(dims, st)
	m.sdims, m.sst = einsumMergeAxes(sdims, sst)
	m.nsum = numElements(m.sdims)
	m.ctr = make([]int, len(m.dims))
	m.sctr = make([]int, len(m.sdims))
	return m
}

// einsumMergeAxes drops axes of length 1 and merges each axis into the one
// before it where the pair steps through the source as one axis does.
func einsumMergeAxes(dims, st []int) (md, ms []int) {
	for i, d := range dims {
		if d == 1 {
			continue
		}
		if n := len(md); n > 0 && ms[n-1] == st[i]*d {
			md[n-1] *= d
			ms[n-1] = st[i]
			continue
		}
		md, ms = append(md, d), append(ms, st[i])
	}
	return md, ms
}

func (m *einsumMove) run(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	if m.nsum == 0 {
		clear(dst)
		return
	}
	r := len(m.dims)
	inner, step := 1, 0
	if r > 0 {
		inner, step = m.dims[r-1], m.st[r-1]
	}
	ctr := m.ctr[:max(r-1, 0)]
	clear(ctr)
	base := 0
	for o := 0; o < len(dst); o += inner {
		row := dst[o : o+inner]
		switch {
		case len(m.sdims) > 0:
			for i := range row {
				row[i] = m.sum(src, base+i*step)
			}
		case step == 1:
			copy(row, src[base:base+inner])
		default:
			for i := range row {
				row[i] = src[base+i*step]
			}
		}
		base = einsumAdvance(ctr, m.dims, m.st, base)
	}
}

// sum adds the source elements of the summed axes from base on.
func (m *einsumMove) sum(src []float32, base int) float32 {
	r := len(m.sdims)
	inner, step := m.sdims[r-1], m.sst[r-1]
	ctr := m.sctr[:r-1]
	clear(ctr)
	var s float32
	for o := 0; o < m.nsum; o += inner {
		for i := range inner {
			s += src[base+i*step]
		}
		base = einsumAdvance(ctr, m.sdims, m.sst, base)
	}
	return s
}

// einsumAdvance steps the counter ctr over the outer axes (all but the last of
// dims, strides st) and returns base moved along.
func einsumAdvance(ctr, dims, st []int, base int) int {
	for j := len(ctr) - 1; j >= 0; j-- {
		base += st[j]
		if ctr[j]++; ctr[j] < dims[j] {
			break
		}
		base -= st[j] * dims[j]
		ctr[j] = 0
	}
	return base
}
