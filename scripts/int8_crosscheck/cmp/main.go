// Command cmp compares the ONNX runner with ONNX Runtime (ort_run.mjs) and
// ref.py on the case folders of a directory; see README.md.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/simdcore/simdcore/onnx"
)

type tinfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Dims  []int  `json:"dims"`
}
type meta struct {
	Inputs []tinfo `json:"inputs"`
	Tol    float64 `json:"tol"`  // float abs tolerance in units of "tolscale"
	IntTol int64   `json:"itol"` // int tolerance
	Kind   string  `json:"kind"`
	Note   string  `json:"note"`
}
type ortres struct {
	OK      bool    `json:"ok"`
	Error   string  `json:"error"`
	Outputs []tinfo `json:"outputs"`
}

// intDecoders read one element of each integer dtype the cases hold,
// widened to int64; float16 is read as its bits.
var intDecoders = map[string]struct {
	size int
	get  func([]byte) int64
}{
	"uint8":   {1, func(b []byte) int64 { return int64(b[0]) }},
	"bool":    {1, func(b []byte) int64 { return int64(b[0]) }},
	"int8":    {1, func(b []byte) int64 { return int64(int8(b[0])) }},
	"int16":   {2, func(b []byte) int64 { return int64(int16(binary.LittleEndian.Uint16(b))) }},
	"uint16":  {2, func(b []byte) int64 { return int64(binary.LittleEndian.Uint16(b)) }},
	"float16": {2, func(b []byte) int64 { return int64(binary.LittleEndian.Uint16(b)) }},
	"int32":   {4, func(b []byte) int64 { return int64(int32(binary.LittleEndian.Uint32(b))) }},
	"int64":   {8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }},
}

// readBin reads n elements of dtype dt from path: float32 as floats, every
// other dtype as int64s.
func readBin(path, dt string, n int) ([]float32, []int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	if dt == "float32" {
		f := make([]float32, n)
		for i := range f {
			f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return f, nil
	}
	d, ok := intDecoders[dt]
	if !ok {
		panic("dtype " + dt)
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = d.get(b[d.size*i:])
	}
	return nil, v
}

// bitDiffs counts the elements of a tensor (ints, or floats compared by
// their bits) that differ from want's.
func bitDiffs(gotI []int64, gotF []float32, wantI []int64, wantF []float32) int {
	bad := 0
	for k := range wantI {
		if gotI[k] != wantI[k] {
			bad++
		}
	}
	for k := range wantF {
		if math.Float32bits(gotF[k]) != math.Float32bits(wantF[k]) {
			bad++
		}
	}
	return bad
}

var dtName = map[onnx.DataType]string{onnx.Float: "float32", onnx.Uint8: "uint8", onnx.Int8: "int8", onnx.Int32: "int32", onnx.Int64: "int64", onnx.Int16: "int16", onnx.Uint16: "uint16", onnx.Float16: "float16"}

func prod(d []int) int {
	n := 1
	for _, v := range d {
		n *= v
	}
	return n
}

func one(dir string) (string, string) {
	var m meta
	b, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		return "HARNESS", err.Error()
	}
	var o ortres
	b, err := os.ReadFile(filepath.Join(dir, "ort.json"))
	if err != nil {
		return "NOORT", ""
	}
	json.Unmarshal(b, &o)
	md, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"))
	var s *onnx.Session
	if err == nil {
		shapes := map[string][]int{}
		for _, in := range m.Inputs {
			shapes[in.Name] = in.Dims
		}
		s, err = onnx.NewSession(md, shapes, nil)
	}
	if err == nil {
		for i, in := range m.Inputs {
			f, v := readBin(filepath.Join(dir, fmt.Sprintf("in_%d.bin", i)), in.DType, prod(in.Dims))
			t := s.Input(in.Name)
			if f != nil {
				copy(t.Float, f)
			} else {
				copy(t.Int, v)
			}
		}
		err = s.Run()
	}
	if !o.OK && err != nil {
		return "BOTHERR", fmt.Sprintf("ort: %.150s | ours: %.200s", o.Error, err)
	}
	if !o.OK {
		note := ""
		if fileExists(filepath.Join(dir, "ref_0.bin")) && err == nil {
			for i := 0; fileExists(filepath.Join(dir, fmt.Sprintf("ref_%d.bin", i))); i++ {
				g := s.Output(s.OutputNames()[i])
				rf, rv := readBin(filepath.Join(dir, fmt.Sprintf("ref_%d.bin", i)), dtName[g.DType], g.Len())
				bad := bitDiffs(g.Int, g.Float, rv, rf)
				note += fmt.Sprintf(" (ours vs ref: %d bad)", bad)
				if bad > 0 {
					refErr++
				}
			}
		}
		return "ORTERR_WEOK", fmt.Sprintf("ort: %.120s%s", o.Error, note)
	}
	if err != nil {
		return "WEERR_ORTOK", err.Error()
	}
	refNote := ""
	for i, out := range o.Outputs {
		g := s.Output(out.Name)
		if rp := filepath.Join(dir, fmt.Sprintf("ref_%d.bin", i)); fileExists(rp) && g != nil {
			rf, rv := readBin(rp, out.DType, prod(out.Dims))
			f, v := readBin(filepath.Join(dir, fmt.Sprintf("out_%d.bin", i)), out.DType, prod(out.Dims))
			oursBad, ortBad := bitDiffs(g.Int, g.Float, rv, rf), bitDiffs(v, f, rv, rf)
			if oursBad > 0 {
				refErr++
			}
			refNote += fmt.Sprintf(" (vs ref: ours %d, ort %d)", oursBad, ortBad)
		}
		if g == nil {
			return "MISMATCH", "no output " + out.Name
		}
		if fmt.Sprint(g.Dims) != fmt.Sprint(out.Dims) && !(len(out.Dims) == 0 && prod(g.Dims) == 1) {
			return "MISMATCH", fmt.Sprintf("%s dims ours %v ort %v", out.Name, g.Dims, out.Dims)
		}
		if dtName[g.DType] != out.DType {
			return "MISMATCH", fmt.Sprintf("%s dtype ours %v ort %v", out.Name, g.DType, out.DType)
		}
		f, v := readBin(filepath.Join(dir, fmt.Sprintf("out_%d.bin", i)), out.DType, prod(out.Dims))
		bad, first := 0, ""
		if f != nil {
			for k := range f {
				a, w := g.Float[k], f[k]
				ok := math.Float32bits(a) == math.Float32bits(w) || (a != a && w != w)
				if d := math.Abs(float64(a-w)) / math.Max(1, math.Abs(float64(w))); d > worst[m.Kind] && a == a && w == w {
					worst[m.Kind] = d
				}
				if !ok && m.Tol > 0 {
					ok = math.Abs(float64(a-w)) <= m.Tol*math.Max(1, math.Abs(float64(w)))
				}
				if !ok {
					if bad == 0 {
						first = fmt.Sprintf("[%d] ours %v ort %v", k, a, w)
					}
					bad++
				}
			}
		} else {
			for k := range v {
				d := g.Int[k] - v[k]
				if d < 0 {
					d = -d
				}
				if d > m.IntTol {
					if bad == 0 {
						first = fmt.Sprintf("[%d] ours %v ort %v", k, g.Int[k], v[k])
					}
					bad++
				}
			}
		}
		if bad > 0 {
			return "MISMATCH", fmt.Sprintf("%s: %d of %d differ, first %s%s", out.Name, bad, len(v)+len(f), first, refNote)
		}
	}
	if strings.Contains(refNote, "ours 0,") || refNote == "" {
		return "MATCH", ""
	}
	return "MATCH_BUT_REF", refNote
}

var refErr int

// worst is, per kind, the largest float |ours − ONNX Runtime| in units of
// max(1, |ONNX Runtime's value|) over the cases compared (NaN pairs left
// out): the bound a committed fixture test may hold.
var worst = map[string]float64{}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func main() {
	root := os.Args[1]
	ents, _ := os.ReadDir(root)
	counts := map[string]int{}
	kinds := map[string]map[string]int{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		var m meta
		b, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
		json.Unmarshal(b, &m)
		func() {
			defer func() {
				if r := recover(); r != nil {
					counts["PANIC"]++
					fmt.Printf("PANIC %s: %v\n", e.Name(), r)
				}
			}()
			st, msg := one(dir)
			counts[st]++
			if kinds[m.Kind] == nil {
				kinds[m.Kind] = map[string]int{}
			}
			kinds[m.Kind][st]++
			if st != "MATCH" {
				fmt.Printf("%s %s [%s]: %s\n", st, e.Name(), m.Note, msg)
			}
		}()
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		fmt.Println("kind", k, kinds[k], "worst", worst[k])
	}
	fmt.Println(counts, "ours-vs-ref bad cases:", refErr)
}
