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

func readBin(path, dt string, n int) ([]float32, []int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	switch dt {
	case "float32":
		f := make([]float32, n)
		for i := range f {
			f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return f, nil
	case "uint8":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(b[i])
		}
		return nil, v
	case "int8":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(int8(b[i]))
		}
		return nil, v
	case "int32":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return nil, v
	case "int16":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(int16(binary.LittleEndian.Uint16(b[2*i:])))
		}
		return nil, v
	case "uint16":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return nil, v
	case "float16":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return nil, v
	case "int64":
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return nil, v
	}
	panic("dtype " + dt)
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
				bad := 0
				for k := range rv {
					if g.Int[k] != rv[k] {
						bad++
					}
				}
				for k := range rf {
					if math.Float32bits(g.Float[k]) != math.Float32bits(rf[k]) {
						bad++
					}
				}
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
			oursBad, ortBad := 0, 0
			for k := range rv {
				if g.Int[k] != rv[k] {
					oursBad++
				}
				if v[k] != rv[k] {
					ortBad++
				}
			}
			for k := range rf {
				if math.Float32bits(g.Float[k]) != math.Float32bits(rf[k]) {
					oursBad++
				}
				if math.Float32bits(f[k]) != math.Float32bits(rf[k]) {
					ortBad++
				}
			}
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
		fmt.Println("kind", k, kinds[k])
	}
	fmt.Println(counts, "ours-vs-ref bad cases:", refErr)
}
