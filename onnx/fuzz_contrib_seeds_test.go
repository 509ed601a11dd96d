package onnx_test

import (
	"fmt"
	"slices"
)

// fuzzSeed writes FuzzNode's bytes for one node: the choices FuzzNode
// reads, in its order, from values a test can read.
type fuzzSeed struct{ b []byte }

// fuzzTypeIndex is FuzzNode's index of an input type (fuzzTypes).
var fuzzTypeIndex = map[string]byte{"float": 0, "int64": 1, "int32": 2, "bool": 3, "int8": 4, "uint8": 5}

// intByte is the byte FuzzNode's int reads as v, for v in [−3, 8].
func intByte(v int) byte {
	if v < -3 || v > 8 {
		panic(fmt.Sprintf("intByte(%d): want −3 to 8", v))
	}
	return byte(v + 3)
}

// floatByte is the byte FuzzNode's float reads as v, one of fuzzFloats.
func floatByte(v float32) byte {
	i := slices.Index(fuzzFloats, v)
	if i < 0 {
		panic(fmt.Sprintf("floatByte(%v): not one of fuzzFloats", v))
	}
	return byte(i)
}

// input adds an input of type ty and dims; vals (floats for "float",
// ints otherwise, cycled) make it an initializer, nil a graph input.
func (s *fuzzSeed) input(ty string, dims []int, vals []float32) {
	s.b = append(s.b, 1, fuzzTypeIndex[ty], byte(len(dims)))
	n := 1
	for _, d := range dims {
		s.b = append(s.b, byte(d))
		n *= d
	}
	if vals == nil {
		s.b = append(s.b, 1)
		return
	}
	s.b = append(s.b, 0)
	for i := range n {
		v := vals[i%len(vals)]
		if ty == "float" {
			s.b = append(s.b, floatByte(v))
		} else {
			s.b = append(s.b, intByte(int(v)))
		}
	}
}

// omitted adds an omitted optional input.
func (s *fuzzSeed) omitted() { s.b = append(s.b, 0) }

// attrs adds the attributes, name and value: an int in [−3, 8], or 16
// (read through fuzzInts).
func (s *fuzzSeed) attrs(kv ...any) {
	s.b = append(s.b, byte(len(kv)/2))
	for i := 0; i < len(kv); i += 2 {
		k := slices.IndexFunc(fuzzAttrs, func(a fuzzAttr) bool { return a.name == kv[i] })
		if k < 0 {
			panic("no fuzz attribute " + kv[i].(string))
		}
		s.b = append(s.b, byte(k))
		switch v := kv[i+1].(type) {
		case int:
			if v == 16 {
				s.b = append(s.b, 200, byte(slices.Index(fuzzInts, 16)))
			} else {
				s.b = append(s.b, intByte(v))
			}
		case float32:
			s.b = append(s.b, floatByte(v))
		}
	}
}

// contribSeeds are FuzzNode inputs for the com.microsoft operator name at
// index op that reach its planning and running with valid nodes: Attention
// with past (2×1×2×1×1) and present and unidirectional; MatMulNBits with
// 2 bits and packed zero points, 8 bits (B given as [2, 2, 2, 4], the 32
// bytes of [2, 1, 16]), and 4 bits with g_idx and float zero points.
// FuzzNode's dims stop at 6, hence K = 6 in one block of 16.
func contribSeeds(op byte, name string) [][]byte {
	seed := func(nIn byte, build func(s *fuzzSeed), nOut byte, graphVals int) []byte {
		s := &fuzzSeed{b: []byte{op, 8, nIn}}
		build(s)
		s.b = append(s.b, nOut-1)
		for i := range graphVals {
			s.b = append(s.b, byte(i%8))
		}
		return s.b
	}
	wv := []float32{1, -1, 0.5, 2, -0.25, 3}
	switch name {
	case "Attention":
		return [][]byte{
			seed(5, func(s *fuzzSeed) {
				s.input("float", []int{1, 2, 2}, nil)
				s.input("float", []int{2, 6}, wv)
				s.input("float", []int{6}, wv)
				s.omitted()
				s.input("float", []int{2, 1, 2, 1, 1}, nil)
				s.attrs("num_heads", 2, "unidirectional", 1)
			}, 2, 8),
			seed(4, func(s *fuzzSeed) {
				s.input("float", []int{1, 2, 2}, nil)
				s.input("float", []int{2, 6}, wv)
				s.input("float", []int{6}, wv)
				s.input("int32", []int{1, 1}, nil)
				s.attrs("num_heads", 2, "mask_filter_value", float32(-7))
			}, 2, 8),
		}
	case "MatMulNBits":
		a := func(s *fuzzSeed) { s.input("float", []int{3, 6}, nil) }
		return [][]byte{
			seed(4, func(s *fuzzSeed) {
				a(s)
				s.input("uint8", []int{2, 1, 4}, []float32{1, 2, 3, 8, 7})
				s.input("float", []int{2}, []float32{0.5, -0.25})
				s.input("uint8", []int{2}, []float32{1, 2})
				s.attrs("K", 6, "N", 2, "bits", 2, "block_size", 16)
			}, 1, 18),
			seed(3, func(s *fuzzSeed) {
				a(s)
				s.input("uint8", []int{2, 2, 2, 4}, []float32{1, 2, 3, 8, 7})
				s.input("float", []int{2}, []float32{0.5, -0.25})
				s.attrs("K", 6, "N", 2, "bits", 8, "block_size", 16, "accuracy_level", 4)
			}, 1, 18),
			seed(5, func(s *fuzzSeed) {
				a(s)
				s.input("uint8", []int{2, 2, 2, 2}, []float32{1, 2, 3, 8, 7})
				s.input("float", []int{2}, []float32{0.5, -0.25})
				s.input("float", []int{2}, []float32{3, 0.5})
				s.input("int32", []int{6}, []float32{0})
				s.attrs("K", 6, "N", 2, "bits", 4, "block_size", 16)
			}, 1, 18),
		}
	}
	return nil
}
