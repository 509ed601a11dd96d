package onnx_test

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/simdcore/simdcore/onnx"
)

// digest hashes everything reachable from v (exported fields or not,
// through pointers, NaN by its bits), so that two digests differ when
// anything in a Model's graph was changed in place.
func digest(v reflect.Value, h func([]byte), seen map[uintptr]bool) {
	var buf [8]byte
	put := func(u uint64) { binary.LittleEndian.PutUint64(buf[:], u); h(buf[:]) }
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			put(0)
			return
		}
		if seen[v.Pointer()] {
			put(1)
			return
		}
		seen[v.Pointer()] = true
		digest(v.Elem(), h, seen)
	case reflect.Interface:
		if !v.IsNil() {
			digest(v.Elem(), h, seen)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			digest(v.Field(i), h, seen)
		}
	case reflect.Slice, reflect.Array:
		put(uint64(v.Len()))
		for i := range v.Len() {
			digest(v.Index(i), h, seen)
		}
	case reflect.String:
		put(uint64(v.Len()))
		h([]byte(v.String()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		put(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		put(v.Uint())
	case reflect.Float32, reflect.Float64:
		put(math.Float64bits(v.Float()))
	case reflect.Bool:
		if v.Bool() {
			put(1)
		} else {
			put(2)
		}
	}
}

// modelDigest is the digest of a model's graph and opset imports.
func modelDigest(m *onnx.Model) uint64 {
	f := fnv.New64a()
	seen := map[uintptr]bool{}
	digest(reflect.ValueOf(m.Graph), func(b []byte) { f.Write(b) }, seen)
	digest(reflect.ValueOf(m.OpsetImports), func(b []byte) { f.Write(b) }, seen)
	return f.Sum64()
}

// shapeModels are the fixtures FuzzSessionShapes plans: models with
// symbolic dimensions, recurrent layers, convolutions, attention, masks.
var shapeModels = []string{"dyn_keyword_crnn", "dyn_dilated_tcn", "dyn_conformer_conv", "dyn_rotary_attention",
	"dyn_sinusoidal_encoder", "gru", "lstm_bidi_batch", "mha", "kws_cnn", "masked_mean", "selections",
	"upsampler", "grid_sample_warp", "conv1d_stack", "head_mixing"}

// shapeDims are the sizes FuzzSessionShapes puts in place of a data
// set's dimension: small, empty, and far beyond any budget.
var shapeDims = []int{0, 1, 2, 3, 5, 8, 17, 64, 1 << 20, 1 << 31, 1 << 40, math.MaxInt}

// shapeModel is one fixture: its file, its data set's directory, and the
// outputs a freshly parsed model gives for that data set.
type shapeModel struct {
	data []byte
	dir  string
	want []*onnx.Tensor
}

func loadShapeModels(tb testing.TB) []shapeModel {
	var ms []shapeModel
	for _, name := range shapeModels {
		dir := filepath.Join("../testdata/onnx/torch", name)
		data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			tb.Fatal(err)
		}
		ms = append(ms, shapeModel{data: data, dir: filepath.Join(dir, "test_data_set_0"), want: runDataSet(tb, data, nil, filepath.Join(dir, "test_data_set_0"))})
	}
	return ms
}

// runDataSet plans m (parsed from data if nil) for the data set in dir,
// runs it and returns its outputs.
func runDataSet(tb testing.TB, data []byte, m *onnx.Model, dir string) []*onnx.Tensor {
	tb.Helper()
	if m == nil {
		var err error
		if m, err = onnx.Parse(data); err != nil {
			tb.Fatal(err)
		}
	}
	s, err := onnx.LoadDataSet(m, dir)
	if err != nil {
		tb.Fatalf("%s: %v", dir, err)
	}
	if err := s.Run(); err != nil {
		tb.Fatalf("%s: %v", dir, err)
	}
	var outs []*onnx.Tensor
	for _, name := range s.OutputNames() {
		o := *s.Output(name)
		o.Float, o.Int, o.Double = append([]float32(nil), o.Float...), append([]int64(nil), o.Int...), append([]float64(nil), o.Double...)
		outs = append(outs, &o)
	}
	return outs
}

// sameBits reports whether two tensors hold the same dims and values, bit
// for bit.
func sameBits(a, b *onnx.Tensor) bool {
	if !reflect.DeepEqual(a.Dims, b.Dims) || len(a.Float) != len(b.Float) || !reflect.DeepEqual(a.Int, b.Int) || len(a.Double) != len(b.Double) {
		return false
	}
	for i := range a.Float {
		if math.Float32bits(a.Float[i]) != math.Float32bits(b.Float[i]) {
			return false
		}
	}
	for i := range a.Double {
		if math.Float64bits(a.Double[i]) != math.Float64bits(b.Double[i]) {
			return false
		}
	}
	return true
}

// FuzzSessionShapes plans fixture models (the first byte picks one) for
// input shapes mutated from their data set's (a dimension replaced by
// 0, a small size or one of 2^20 to 2^63−1; a rank one less or one more)
// and runs what plans on inputs of special values (NaN, ±Inf, extremes).
// NewSession and Run must return nil or an error wrapping a sentinel,
// never panic, and finish quickly; planning, failed or not, must leave
// the Model exactly as parsed (its digest), and the same Model planned
// afterwards for its data set must give the outputs a freshly parsed one
// gives, bit for bit (a failed plan leaves nothing behind in the
// weights the model's sessions share).
func FuzzSessionShapes(f *testing.F) {
	models := loadShapeModels(f)
	for i := range models {
		f.Add(byte(i), []byte{}, byte(0))
		f.Add(byte(i), []byte{200, 0, 0, 210}, byte(3))
	}
	f.Fuzz(func(t *testing.T, pick byte, muts []byte, fill byte) {
		sm := models[int(pick)%len(models)]
		m, err := onnx.Parse(sm.data)
		if err != nil {
			t.Fatal(err)
		}
		before := modelDigest(m)
		ref, err := onnx.LoadDataSet(m, sm.dir)
		if err != nil {
			t.Fatal(err)
		}
		shapes := map[string][]int{}
		for _, name := range ref.InputNames() {
			dims := append([]int(nil), ref.Input(name).Dims...)
			for j := 0; j < len(dims) && len(muts) > 0; j++ {
				b := muts[0]
				muts = muts[1:]
				switch {
				case b == 255 && len(dims) > 0:
					dims = dims[:len(dims)-1]
				case b == 254:
					dims = append(dims, 1)
				case b >= 128:
					dims[j] = shapeDims[int(b)%len(shapeDims)]
				}
			}
			shapes[name] = dims
		}
		start := time.Now()
		s, err := onnx.NewSession(m, shapes, &onnx.Options{MaxElements: 1 << 20})
		if err == nil {
			vals := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, -1, 1e30, 3}
			ivals := []int64{0, 1, -1, 2, math.MaxInt64, math.MinInt64, 1 << 40}
			for k, name := range s.InputNames() {
				x := s.Input(name)
				for j := range x.Float {
					x.Float[j] = vals[(int(fill)+j+k)%len(vals)]
				}
				for j := range x.Int {
					x.Int[j] = ivals[(int(fill)+j+k)%len(ivals)]
					if x.DType == onnx.Bool {
						x.Int[j] &= 1
					}
				}
			}
			err = s.Run()
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("%s %v: error wraps no sentinel: %v", sm.dir, shapes, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s %v: planning and running took %v", sm.dir, shapes, d)
		}
		if after := modelDigest(m); after != before {
			t.Fatalf("%s %v: NewSession (%v) changed the Model", sm.dir, shapes, err)
		}
		got := runDataSet(t, nil, m, sm.dir)
		for i := range got {
			if !sameBits(got[i], sm.want[i]) {
				t.Fatalf("%s: after planning for %v (%v), output %d differs from a fresh model's", sm.dir, shapes, err, i)
			}
		}
	})
}
