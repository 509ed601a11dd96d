package onnx

import (
	"errors"
	"math"
	"testing"
)

// FuzzFusedChains plans torch's layer-norm, GELU and SiLU chains over
// fuzzed shapes (x of rank 0 to 3 with sizes 0 to 5, weights and biases of
// other ranks and sizes that may or may not broadcast, the reduced axes,
// eps, constants of rank 0 or 1, a value inside the chain also a graph
// output) with the chains fused and as written: both plans must succeed
// or fail alike, and the outputs agree to float32 rounding.
func FuzzFusedChains(f *testing.F) {
	f.Add(uint8(0), uint8(2), uint8(5), uint8(7), uint8(1), uint8(0x31), uint8(0), float32(1e-5), int64(1))
	f.Add(uint8(0), uint8(3), uint8(3), uint8(4), uint8(2), uint8(0x14), uint8(1), float32(1e-3), int64(2))
	f.Add(uint8(1), uint8(2), uint8(4), uint8(6), uint8(1), uint8(0), uint8(0), float32(0), int64(3))
	f.Add(uint8(2), uint8(1), uint8(5), uint8(0), uint8(1), uint8(0), uint8(2), float32(0), int64(4))
	f.Add(uint8(3), uint8(3), uint8(2), uint8(9), uint8(1), uint8(0), uint8(0), float32(0), int64(5))
	f.Fuzz(func(t *testing.T, kind, rank, size, wshape, k, bshape, leak uint8, eps float32, seed int64) {
		r := int(rank % 4)
		dims := make([]int, r)
		for i := range dims {
			dims[i] = int(size>>i) % 6
		}
		ws := shapeFrom(wshape, dims)
		bs := shapeFrom(bshape, dims)
		g := fuzzChain(kind%4, int(k%3)+1, ws, bs, eps, leak%3, seed)
		x := randTensor(dims, seed)
		run := func(fuse bool) (map[string]*Tensor, error) {
			fuseChains = fuse
			defer func() { fuseChains = true }()
			m := &Model{OpsetImports: []OpsetID{{Version: 14}}, Graph: g}
			s, err := NewSession(m, map[string][]int{"x": dims}, nil)
			if err != nil {
				return nil, err
			}
			copy(s.Input("x").Float, x.Float)
			if err := s.Run(); err != nil {
				return nil, err
			}
			out := map[string]*Tensor{}
			for _, o := range g.Outputs {
				out[o.Name] = s.Output(o.Name)
			}
			return out, nil
		}
		want, werr := run(false)
		got, gerr := run(true)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("as written: %v; fused: %v", werr, gerr)
		}
		if werr != nil {
			if !errors.Is(gerr, ErrShape) && !errors.Is(gerr, ErrUnsupported) && !errors.Is(gerr, ErrLimit) {
				t.Fatalf("error %v", gerr)
			}
			return
		}
		for name, w := range want {
			g := got[name]
			if !equalDims(w.Dims, g.Dims) {
				t.Fatalf("%s: dims %v as written, %v fused", name, w.Dims, g.Dims)
			}
			for i := range w.Float {
				a, b := float64(w.Float[i]), float64(g.Float[i])
				if math.IsNaN(a) != math.IsNaN(b) || !math.IsNaN(a) && math.Abs(a-b) > 1e-4*(1+math.Abs(a)) {
					t.Fatalf("%s[%d]: %g as written, %g fused", name, i, a, b)
				}
			}
		}
	})
}

// shapeFrom draws a parameter shape: none (0), one element, the last
// dimensions of dims (possibly with 1s), or a wrong size.
func shapeFrom(code uint8, dims []int) []int {
	switch code % 5 {
	case 0:
		return nil
	case 1:
		return []int{1}
	case 2:
		if len(dims) == 0 {
			return []int{}
		}
		return []int{dims[len(dims)-1]}
	case 3:
		if len(dims) < 2 {
			return []int{1, 3}
		}
		return []int{1, dims[len(dims)-1]}
	}
	return []int{int(code/5)%7 + 1}
}

func randTensor(dims []int, seed int64) *Tensor {
	t := &Tensor{DType: Float, Dims: dims, Float: make([]float32, numElements(dims))}
	u := uint64(seed)*6364136223846793005 + 1442695040888963407
	for i := range t.Float {
		u = u*6364136223846793005 + 1442695040888963407
		t.Float[i] = float32(int64(u>>40)%2001-1000) / 97
	}
	return t
}

// fuzzChain builds one chain on input x: kind 0 the layer norm over the
// last k axes (weight ws, bias bs when not nil), 1 and 2 the GELU forms,
// 3 SiLU; leak 1 or 2 makes a value inside the chain a graph output too.
func fuzzChain(kind uint8, k int, ws, bs []int, eps float32, leak uint8, seed int64) *Graph {
	g := &Graph{Inputs: []ValueInfo{{Name: "x", Type: Type{Kind: KindTensor, ElemType: Float}}}}
	cst := func(name string, v float32) {
		g.Nodes = append(g.Nodes, &Node{OpType: "Constant", Outputs: []string{name},
			Attributes: []*Attribute{{Name: "value", Type: AttrTensor, T: &Tensor{DType: Float, Dims: []int{}, Float: []float32{v}}}}})
	}
	op := func(t string, ins []string, out string, attrs ...*Attribute) {
		g.Nodes = append(g.Nodes, &Node{OpType: t, Inputs: ins, Outputs: []string{out}, Attributes: attrs})
	}
	inner := []string{}
	switch kind {
	case 0:
		axes := make([]int64, k)
		for i := range axes {
			axes[i] = int64(i - k)
		}
		a := &Attribute{Name: "axes", Type: AttrInts, Ints: axes}
		op("ReduceMean", []string{"x"}, "m", a)
		op("Sub", []string{"x", "m"}, "d")
		cst("two", 2)
		op("Pow", []string{"d", "two"}, "p")
		op("ReduceMean", []string{"p"}, "v", a)
		cst("eps", eps)
		op("Add", []string{"v", "eps"}, "e")
		op("Sqrt", []string{"e"}, "s")
		op("Div", []string{"d", "s"}, "n")
		y := "n"
		if ws != nil {
			w := randTensor(ws, seed+1)
			w.Name = "w"
			g.Initializers = append(g.Initializers, w)
			op("Mul", []string{"n", "w"}, "yw")
			y = "yw"
			if bs != nil {
				b := randTensor(bs, seed+2)
				b.Name = "b"
				g.Initializers = append(g.Initializers, b)
				op("Add", []string{"b", "yw"}, "yb")
				y = "yb"
			}
		}
		op("Identity", []string{y}, "y")
		inner = []string{"m", "s"}
	case 1:
		cst("r2", float32(math.Sqrt2))
		op("Div", []string{"x", "r2"}, "q")
		op("Erf", []string{"q"}, "e")
		cst("one", 1)
		op("Add", []string{"one", "e"}, "a")
		op("Mul", []string{"a", "x"}, "xm")
		cst("half", 0.5)
		op("Mul", []string{"xm", "half"}, "y")
		inner = []string{"e", "xm"}
	case 2:
		op("Mul", []string{"x", "x"}, "x2")
		op("Mul", []string{"x2", "x"}, "x3")
		cst("c", 0.044715)
		op("Mul", []string{"x3", "c"}, "cx3")
		op("Add", []string{"cx3", "x"}, "u")
		cst("k", float32(math.Sqrt(2/math.Pi)))
		op("Mul", []string{"u", "k"}, "ku")
		op("Tanh", []string{"ku"}, "th")
		cst("one", 1)
		op("Add", []string{"th", "one"}, "a")
		op("Mul", []string{"a", "x"}, "xm")
		cst("half", 0.5)
		op("Mul", []string{"half", "xm"}, "y")
		inner = []string{"x3", "th"}
	default:
		op("Sigmoid", []string{"x"}, "sg")
		op("Mul", []string{"x", "sg"}, "y")
		inner = []string{"sg", "sg"}
	}
	g.Outputs = []ValueInfo{{Name: "y"}}
	if leak > 0 {
		g.Outputs = append(g.Outputs, ValueInfo{Name: inner[leak-1]})
	}
	return g
}
