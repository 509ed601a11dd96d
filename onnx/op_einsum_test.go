package onnx_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/onnx"
)

// Einsum against a reference that visits every assignment of the
// equation's letters (float64 sums), on the equations torch exports, the
// ONNX backend tests' (whose data is DOUBLE, which Session does not run:
// TestEinsumBackendData runs it as FLOAT), and the corners of the
// planner: diagonals, summed-away letters, "..." broadcasting, transposed
// operands, empty axes, three and more operands.

// refEinsum computes an explicit equation without "..." or blanks.
func refEinsum(eq string, xs ...*onnx.Tensor) *onnx.Tensor {
	lhs, out, _ := strings.Cut(eq, "->")
	terms := strings.Split(lhs, ",")
	dim := map[rune]int{}
	var letters []rune
	for i, t := range terms {
		for j, r := range []rune(t) {
			if _, ok := dim[r]; !ok {
				letters = append(letters, r)
			}
			dim[r] = xs[i].Dims[j]
		}
	}
	dims := []int{}
	n := 1
	for _, r := range out {
		dims = append(dims, dim[r])
		n *= dim[r]
	}
	sum := make([]float64, n)
	val := map[rune]int{}
	var visit func(i int)
	visit = func(i int) {
		if i == len(letters) {
			p := 1.0
			for k, t := range terms {
				off := 0
				for j, r := range []rune(t) {
					off = off*xs[k].Dims[j] + val[r]
				}
				p *= float64(xs[k].Float[off])
			}
			o := 0
			for j, r := range out {
				o = o*dims[j] + val[r]
			}
			sum[o] += p
			return
		}
		for v := range dim[letters[i]] {
			val[letters[i]] = v
			visit(i + 1)
		}
	}
	visit(0)
	y := ft(dims)
	for _, v := range sum {
		y.Float = append(y.Float, float32(v))
	}
	return y
}

// ramp is a tensor of the given shape with distinct, varied values.
func ramp(seed int, dims ...int) *onnx.Tensor {
	t := ft(dims)
	n := 1
	for _, d := range dims {
		n *= d
	}
	for i := range n {
		t.Float = append(t.Float, float32((i*7+seed*13)%23-11)/8)
	}
	return t
}

// broadcastTo repeats t's axes of length 1 (aligned at the end) to dims.
func broadcastTo(t *onnx.Tensor, dims ...int) *onnx.Tensor {
	y := ft(dims)
	n := 1
	for _, d := range dims {
		n *= d
	}
	off := len(dims) - len(t.Dims)
	for i := range n {
		src, rest, stride := 0, i, 1
		for a := len(dims) - 1; a >= off; a-- {
			c := rest % dims[a]
			rest /= dims[a]
			if t.Dims[a-off] != 1 {
				src += c * stride
			}
			stride *= t.Dims[a-off]
		}
		y.Float = append(y.Float, t.Float[src])
	}
	return y
}

func equationAttr(eq string) pb { return attrStr("equation", eq) }

func TestEinsum(t *testing.T) {
	for _, c := range []struct {
		eq, ref string // ref: the same product for refEinsum ("" when eq is explicit)
		xs      []*onnx.Tensor
	}{
		// torch exports: attention with per-head weights, scores, and the
		// outer product of rotary embeddings.
		{"bhtd,hde->bhte", "", []*onnx.Tensor{ramp(1, 2, 3, 4, 5), ramp(2, 3, 5, 6)}},
		{"bhqd,bhkd->bhqk", "", []*onnx.Tensor{ramp(1, 2, 3, 4, 5), ramp(2, 2, 3, 6, 5)}},
		{"i,j->ij", "", []*onnx.Tensor{ramp(1, 4), ramp(2, 5)}},
		// the backend tests' equations
		{"...ii ->...i", "aii->ai", []*onnx.Tensor{ramp(1, 3, 5, 5)}},
		{"bij, bjk -> bik", "bij,bjk->bik", []*onnx.Tensor{ramp(1, 5, 2, 3), ramp(2, 5, 3, 4)}},
		{"i,i", "i,i->", []*onnx.Tensor{ramp(1, 5), ramp(2, 5)}},
		{"ij->i", "", []*onnx.Tensor{ramp(1, 3, 4)}},
		{"ij->ji", "", []*onnx.Tensor{ramp(1, 3, 4)}},
		// one operand: trace, diagonal, sum, implicit transpose
		{"ii", "ii->", []*onnx.Tensor{ramp(1, 4, 4)}},
		{"ii->i", "", []*onnx.Tensor{ramp(1, 4, 4)}},
		{"iji->j", "", []*onnx.Tensor{ramp(1, 3, 2, 3)}},
		{"i->", "", []*onnx.Tensor{ramp(1, 7)}},
		{"ba", "ba->ab", []*onnx.Tensor{ramp(1, 2, 3)}},
		{"abc->cab", "", []*onnx.Tensor{ramp(1, 2, 3, 4)}},
		// implicit outputs: letters once, ASCII order (upper case first)
		{"ij,jk", "ij,jk->ik", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 4)}},
		{"Ba,aC", "Ba,aC->BC", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 4)}},
		{"bA,Ab->A", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 2)}},
		// two operands: transposed layouts, batch only, sums away,
		// diagonals before the product, scalars
		{"ik,jk->ij", "", []*onnx.Tensor{ramp(1, 3, 4), ramp(2, 5, 4)}},
		{"ki,kj->ij", "", []*onnx.Tensor{ramp(1, 4, 3), ramp(2, 4, 5)}},
		{"ki,jk->ij", "", []*onnx.Tensor{ramp(1, 4, 3), ramp(2, 5, 4)}},
		{"ij,ij->ij", "", []*onnx.Tensor{ramp(1, 3, 4), ramp(2, 3, 4)}},
		{"ij,kl->", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 4, 5)}},
		{"ij,jk->", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 4)}},
		{"iij,jk->ik", "", []*onnx.Tensor{ramp(1, 3, 3, 4), ramp(2, 4, 2)}},
		{"ab,cd->dbca", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 4, 5)}},
		{"abc,bd->dca", "", []*onnx.Tensor{ramp(1, 2, 3, 4), ramp(2, 3, 5)}},
		{",->", "", []*onnx.Tensor{ft([]int{}, 3), ft([]int{}, -2)}},
		{"i,->i", "", []*onnx.Tensor{ramp(1, 3), ft([]int{}, -2)}},
		// products large enough for Gemm's blocked paths
		{"bij,bjk->bik", "", []*onnx.Tensor{ramp(1, 3, 40, 70), ramp(2, 3, 70, 30)}},
		{"mk,nk->mn", "", []*onnx.Tensor{ramp(1, 33, 100), ramp(2, 17, 100)}},
		// three and more operands, left to right
		{"ij,jk,kl->il", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 4), ramp(3, 4, 5)}},
		{"abc,cd,de->abe", "", []*onnx.Tensor{ramp(1, 2, 3, 4), ramp(2, 4, 5), ramp(3, 5, 2)}},
		{"ab,ab,ab->ab", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 2, 3), ramp(3, 2, 3)}},
		{"ab,bc,ca->", "", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 3, 4), ramp(3, 4, 2)}},
		{"a,b,c,d->dcba", "", []*onnx.Tensor{ramp(1, 2), ramp(2, 3), ramp(3, 2), ramp(4, 3)}},
		// "..." at the start, middle and end, implicit
		{"...ij,...jk->...ik", "abij,abjk->abik", []*onnx.Tensor{ramp(1, 2, 3, 4, 5), ramp(2, 2, 3, 5, 6)}},
		{"i...->...", "iab->ab", []*onnx.Tensor{ramp(1, 4, 2, 3)}},
		{"a...b,b->a...", "acdb,b->acd", []*onnx.Tensor{ramp(1, 2, 3, 4, 5), ramp(2, 5)}},
		{"...ji", "aji->aij", []*onnx.Tensor{ramp(1, 2, 3, 4)}},
		{"...,...->...", "ab,ab->ab", []*onnx.Tensor{ramp(1, 2, 3), ramp(2, 2, 3)}},
		{"...i,i->...", "i,i->", []*onnx.Tensor{ramp(1, 4), ramp(2, 4)}},
		// empty axes: an empty sum is 0, an empty output has no elements
		{"ij,jk->ik", "", []*onnx.Tensor{ft([]int{2, 0}), ft([]int{0, 3})}},
		{"ij,jk->ik", "", []*onnx.Tensor{ft([]int{0, 2}), ramp(2, 2, 3)}},
		{"ij->", "", []*onnx.Tensor{ft([]int{0, 2})}},
	} {
		ref := c.ref
		if ref == "" {
			ref = c.eq
		}
		want := refEinsum(ref, c.xs...)
		for _, known := range []bool{false, true} {
			args := make([]arg, len(c.xs))
			for i, x := range c.xs {
				args[i] = arg{t: x, init: known}
			}
			out, err := runOp(t, 12, "Einsum", 1, []pb{equationAttr(c.eq)}, args...)
			require.NoError(t, err, c.eq)
			d := onnx.Compare(out[0], want, 1e-5, 1e-6)
			require.True(t, d.OK(), "%s (known %v): %v, want %v: %+v", c.eq, known, out[0].Float, want.Float, d)
		}
	}
}

// TestEinsumBroadcast: the axes "..." stands for broadcast against each
// other, aligned at the end.
func TestEinsumBroadcast(t *testing.T) {
	a, b := ramp(1, 2, 1, 3, 4), ramp(2, 5, 4, 2)
	want := refEinsum("abij,abjk->abik", broadcastTo(a, 2, 5, 3, 4), broadcastTo(b, 2, 5, 4, 2))
	out, err := runOp(t, 12, "Einsum", 1, []pb{equationAttr("...ij,...jk->...ik")}, arg{t: a}, arg{t: b})
	require.NoError(t, err)
	require.True(t, onnx.Compare(out[0], want, 1e-5, 1e-6).OK(), "%v, want %v", out[0].Float, want.Float)

	// One operand's "..." may stand for no axes.
	a, b = ramp(1, 3), ramp(2, 2, 3)
	want = refEinsum("ai,ai->a", broadcastTo(a, 2, 3), b)
	out, err = runOp(t, 12, "Einsum", 1, []pb{equationAttr("...i,...i->...")}, arg{t: a}, arg{t: b})
	require.NoError(t, err)
	require.True(t, onnx.Compare(out[0], want, 1e-5, 1e-6).OK(), "%v, want %v", out[0].Float, want.Float)
}

// TestEinsumRunAllocatesNothing: the planned steps (copies into Gemm's
// layout, products, permutation into the output) allocate nothing.
func TestEinsumRunAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	for _, eq := range []string{"bhtd,hde->bhte", "bhqd,bhkd->bhqk", "...ii->...i", "ij,jk,kl->il"} {
		var args []arg
		switch eq {
		case "bhtd,hde->bhte":
			args = []arg{{t: ramp(1, 2, 3, 4, 5)}, {t: ramp(2, 3, 5, 6)}}
		case "bhqd,bhkd->bhqk":
			args = []arg{{t: ramp(1, 2, 3, 4, 5)}, {t: ramp(2, 2, 3, 6, 5)}}
		case "...ii->...i":
			args = []arg{{t: ramp(1, 3, 5, 5)}}
		default:
			args = []arg{{t: ramp(1, 2, 3)}, {t: ramp(2, 3, 4)}, {t: ramp(3, 4, 5)}}
		}
		s, _, err := opSession(t, 12, "Einsum", 1, []pb{equationAttr(eq)}, args...)
		require.NoError(t, err)
		var runErr error
		allocs := testing.AllocsPerRun(3, func() { runErr = s.Run() })
		require.NoError(t, runErr)
		require.Zero(t, allocs, eq)
	}
}

// TestEinsumBackendData runs the ONNX backend tests' Einsum data, which
// is DOUBLE, as FLOAT, at the backend tests' tolerance.
func TestEinsumBackendData(t *testing.T) {
	dirs, _ := filepath.Glob("/usr/share/libonnx-testdata/data/node/test_einsum_*")
	if len(dirs) == 0 {
		t.Skip("libonnx-testdata is not installed")
	}
	toFloat := func(x *onnx.Tensor) *onnx.Tensor {
		require.Equal(t, onnx.Double, x.DType)
		y := ft(x.Dims)
		for _, v := range x.Double {
			y.Float = append(y.Float, float32(v))
		}
		return y
	}
	for _, dir := range dirs {
		m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
		require.NoError(t, err)
		require.Len(t, m.Graph.Nodes, 1)
		eq := string(m.Graph.Nodes[0].Attr("equation").S)
		sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
		for _, set := range sets {
			var args []arg
			for i := 0; ; i++ {
				x, err := onnx.ReadTensorFile(filepath.Join(set, "input_"+string(rune('0'+i))+".pb"))
				if errors.Is(err, os.ErrNotExist) {
					break
				}
				require.NoError(t, err)
				args = append(args, arg{t: toFloat(x)})
			}
			want, err := onnx.ReadTensorFile(filepath.Join(set, "output_0.pb"))
			require.NoError(t, err)
			out, err := runOp(t, 12, "Einsum", 1, []pb{equationAttr(eq)}, args...)
			require.NoError(t, err, set)
			d := onnx.Compare(out[0], toFloat(want), onnx.TestRTol, onnx.TestATol)
			require.True(t, d.OK(), "%s: %q: %+v", set, eq, d)
		}
	}
}

func TestEinsumRefuses(t *testing.T) {
	x23, x34, x33 := ramp(1, 2, 3), ramp(2, 3, 4), ramp(3, 3, 3)
	for _, c := range []struct {
		name, eq string
		xs       []*onnx.Tensor
		want     error
	}{
		{"a digit", "ij,j1->i", []*onnx.Tensor{x23, x34}, onnx.ErrFormat},
		{"a symbol", "i$->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"a non-ASCII letter", "iß->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"an output letter in no operand", "ij->k", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"an output letter twice", "ij->ii", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"two arrows", "ij->j->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"a half arrow", "ij-i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"too few terms", "ij", []*onnx.Tensor{x23, x34}, onnx.ErrFormat},
		{"too many terms", "ij,jk,k", []*onnx.Tensor{x23, x34}, onnx.ErrFormat},
		{"a lone dot", "i.j->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"four dots", "....i->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"two ellipses", "...i...->i", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"two output ellipses", "...i->......", []*onnx.Tensor{x23}, onnx.ErrFormat},
		{"lengths differ", "ij,jk->ik", []*onnx.Tensor{x23, x23}, onnx.ErrShape},
		{"a diagonal of a non-square", "ii->i", []*onnx.Tensor{x23}, onnx.ErrShape},
		{"more subscripts than axes", "ijk->i", []*onnx.Tensor{x23}, onnx.ErrShape},
		{"fewer subscripts than axes", "i->i", []*onnx.Tensor{x23}, onnx.ErrShape},
		{"more subscripts than axes with ...", "...ijk->...", []*onnx.Tensor{x23}, onnx.ErrShape},
		{"ellipses that do not broadcast", "...i,...i->...i", []*onnx.Tensor{x23, ramp(4, 4, 3)}, onnx.ErrShape},
		{"an output without the operands' ...", "...j->j", []*onnx.Tensor{x33}, onnx.ErrShape},
	} {
		args := make([]arg, len(c.xs))
		for i, x := range c.xs {
			args[i] = arg{t: x}
		}
		_, err := runOp(t, 12, "Einsum", 1, []pb{equationAttr(c.eq)}, args...)
		require.Error(t, err, c.name)
		require.True(t, errors.Is(err, c.want), "%s: %v", c.name, err)
	}
	// No equation; no operands; an integer operand.
	_, err := runOp(t, 12, "Einsum", 1, nil, arg{t: x23})
	require.ErrorIs(t, err, onnx.ErrFormat)
	_, err = runOp(t, 12, "Einsum", 1, []pb{equationAttr("->")})
	require.ErrorIs(t, err, onnx.ErrFormat)
	_, err = runOp(t, 12, "Einsum", 1, []pb{equationAttr("i->i")}, arg{t: it(onnx.Int64, []int{2}, 1, 2)})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
	// Einsum is new in opset 12.
	_, err = runOp(t, 11, "Einsum", 1, []pb{equationAttr("i->i")}, arg{t: ramp(1, 2)})
	require.ErrorIs(t, err, onnx.ErrUnsupported)
}

// TestEinsumWorkBound: an equation that multiplies one input by itself
// a thousand times would make a small model run for minutes; it is
// refused while planning, before the products' buffers are allocated.
func TestEinsumWorkBound(t *testing.T) {
	const n, length = 1024, 1 << 18
	ins := make([]string, n)
	terms := make([]string, n)
	for i := range ins {
		ins[i], terms[i] = "x", "a"
	}
	eq := strings.Join(terms, ",") + "->a"
	spec := graphSpec{
		nodes:   []pb{node("Einsum", ins, []string{"y"}, equationAttr(eq))},
		inputs:  []pb{valueInfo("x", onnx.Float, length)},
		outputs: []pb{pb{}.str(1, "y")},
	}
	m, err := onnx.Parse(model(12, graph("g", spec)))
	require.NoError(t, err)
	_, err = onnx.NewSession(m, nil, &onnx.Options{MaxElements: 4 * length})
	require.ErrorIs(t, err, onnx.ErrLimit)
	require.Contains(t, err.Error(), "multiply-adds")

	// The same input several times is fine within the bound.
	out, err := runOp(t, 12, "Einsum", 1, []pb{equationAttr("a,a,a,a->a")}, arg{t: ramp(1, 3)}, arg{t: ramp(1, 3)}, arg{t: ramp(1, 3)}, arg{t: ramp(1, 3)})
	require.NoError(t, err)
	require.True(t, onnx.Compare(out[0], refEinsum("a,a,a,a->a", ramp(1, 3), ramp(1, 3), ramp(1, 3), ramp(1, 3)), 1e-5, 1e-6).OK())
}

// FuzzEinsum: any equation over one to three operands of small shapes is
// planned and run, or refused with a sentinel error, never a panic; an
// explicit equation of letters only, when accepted, matches refEinsum.
func FuzzEinsum(f *testing.F) {
	f.Add("bhtd,hde->bhte", []byte{2, 4, 2, 3, 2, 2, 3, 3, 2, 4})
	f.Add("...ii->...i", []byte{1, 3, 2, 3, 3})
	f.Add("i,j->ij", []byte{2, 1, 3, 1, 2})
	f.Add("ij,jk,kl->il", []byte{3, 2, 2, 3, 2, 3, 1, 2, 1, 2})
	f.Add("...i,...i", []byte{2, 3, 2, 1, 3, 1, 3})
	f.Fuzz(func(t *testing.T, eq string, shapes []byte) {
		if len(shapes) == 0 || len(eq) > 64 {
			return
		}
		n := 1 + int(shapes[0])%3
		shapes = shapes[1:]
		next := func() int {
			if len(shapes) == 0 {
				return 1
			}
			b := int(shapes[0])
			shapes = shapes[1:]
			return b
		}
		var spec graphSpec
		var ins []string
		xs := make([]*onnx.Tensor, n)
		for i := range n {
			dims := make([]int, next()%5)
			d64 := make([]int64, len(dims))
			for j := range dims {
				dims[j] = next() % 4
				d64[j] = int64(dims[j])
			}
			xs[i] = ramp(i, dims...)
			name := string(rune('a' + i))
			ins = append(ins, name)
			spec.inputs = append(spec.inputs, valueInfo(name, onnx.Float, d64...))
		}
		spec.nodes = []pb{node("Einsum", ins, []string{"y"}, equationAttr(eq))}
		spec.outputs = []pb{pb{}.str(1, "y")}
		m, err := onnx.Parse(model(12, graph("g", spec)))
		if err != nil {
			require.True(t, isSentinel(err), "%v", err)
			return
		}
		s, err := onnx.NewSession(m, nil, &onnx.Options{MaxElements: 1 << 16})
		if err != nil {
			require.True(t, isSentinel(err), "%q: %v", eq, err)
			return
		}
		for i, x := range xs {
			copy(s.Input(ins[i]).Float, x.Float)
		}
		require.NoError(t, s.Run(), eq)
		if strings.Trim(eq, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,->") != "" || !strings.Contains(eq, "->") {
			return
		}
		want := refEinsum(eq, xs...)
		require.True(t, onnx.Compare(s.Output("y"), want, 1e-5, 1e-5).OK(), "%q %v: %v, want %v", eq, shapes, s.Output("y").Float, want.Float)
	})
}
