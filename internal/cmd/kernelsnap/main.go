// Command kernelsnap prints a digest of every public kernel's output over
// a fixed set of inputs at one level, so that two builds (before and after
// a change that must not alter a bit) can be compared:
//
//	go run ./internal/cmd/kernelsnap -level avx512 > after.txt
//	git stash; go run ./internal/cmd/kernelsnap -level avx512 > before.txt; git stash pop
//	diff before.txt after.txt
//
// It uses the public API of package kernel only, so the same source runs
// against any earlier commit. Inputs are random values from a fixed seed
// mixed with special values (±0, ±Inf, NaN, subnormals, the largest
// finites, saturation thresholds), over lengths 0..300 and a few large
// ones, at several offsets. Each line names a kernel and a SHA-256 of the
// bits of everything it wrote or returned; -v prints one line per case.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"os"

	"github.com/simdcore/simdcore/kernel"
)

var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	0x1p-126, -0x1p-126, 88.72284, 88.72285, -87.33655, -103.97208, -104, 89,
	9.010913, -9.010913, 0x1p-13, -0x1p-13, 17.32868, -17.32868, 1e-30, -1e30, 3, -3, 20, -20,
}

type gen struct{ r *rand.Rand }

// vec returns n values: mostly N(0, s) with s varying by case, with
// special values sprinkled in when withSpecials is set.
func (g gen) vec(n int, scale float32, withSpecials bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(g.r.NormFloat64()) * scale
		if withSpecials && g.r.IntN(8) == 0 {
			v[i] = specials[g.r.IntN(len(specials))]
		}
	}
	return v
}

func lengths() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 511, 1023, 4095, 4096, 4097, 65537, 70000)
}

func putF(h hash.Hash, xs ...float32) {
	var b [4]byte
	for _, x := range xs {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
}

func putI(h hash.Hash, i int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(int64(i)))
	h.Write(b[:])
}

func main() {
	level := flag.String("level", "", "level to force (generic, avx2, avx512, neon); default: the active one")
	flag.Parse()
	if *level != "" {
		l, err := kernel.ParseLevel(*level)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kernelsnap:", err)
			os.Exit(2)
		}
		if _, err := kernel.SetLevel(l); err != nil {
			fmt.Fprintln(os.Stderr, "kernelsnap:", err)
			os.Exit(2)
		}
	}
	fmt.Printf("level %v\n", kernel.Active())

	scales := []float32{1, 10, 100}
	vecCase := func(name string, body func(h hash.Hash, g gen, n, off int, scale float32, sp bool)) {
		h := sha256.New()
		g := gen{rand.New(rand.NewPCG(1, uint64(len(name))))}
		for _, n := range lengths() {
			for _, off := range []int{0, 1, 3, 7} {
				if n > 4096 && off > 1 {
					continue
				}
				for _, s := range scales {
					for _, sp := range []bool{false, true} {
						body(h, g, n, off, s, sp)
					}
				}
			}
		}
		fmt.Printf("%-12s %x\n", name, h.Sum(nil))
	}
	slice := func(g gen, n, off int, s float32, sp bool) []float32 {
		return g.vec(n+off, s, sp)[off:]
	}

	vecCase("Dot", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		putF(h, kernel.Dot(slice(g, n, off, s, sp), slice(g, n, 0, s, sp)))
	})
	vecCase("Sum", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		putF(h, kernel.Sum(slice(g, n, off, s, sp)))
	})
	vecCase("Max", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		putF(h, kernel.Max(slice(g, n, off, s, sp)))
	})
	vecCase("Argmax", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		putI(h, kernel.Argmax(slice(g, n, off, s, sp)))
	})
	vecCase("Axpy", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		y := slice(g, n, 0, s, sp)
		kernel.Axpy(g.vec(1, s, sp)[0], slice(g, n, off, s, sp), y)
		putF(h, y...)
	})
	vecCase("Scale", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		x := slice(g, n, off, s, sp)
		kernel.Scale(g.vec(1, s, sp)[0], x)
		putF(h, x...)
	})
	for _, bin := range []struct {
		name string
		f    func(dst, a, b []float32)
	}{{"Add", kernel.Add}, {"Mul", kernel.Mul}} {
		vecCase(bin.name, func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
			a, b := slice(g, n, off, s, sp), slice(g, n, 0, s, sp)
			dst := make([]float32, n)
			bin.f(dst, a, b)
			putF(h, dst...)
			bin.f(a, a, b) // in place
			putF(h, a...)
		})
	}
	for _, un := range []struct {
		name string
		f    func(dst, src []float32)
	}{{"Exp", kernel.Exp}, {"Tanh", kernel.Tanh}, {"Sigmoid", kernel.Sigmoid},
		{"Softmax", kernel.Softmax}, {"LogSoftmax", kernel.LogSoftmax},
		// Added after the first baseline: drop this line to run the tool
		// on a commit that predates them.
		{"ReLU", kernel.ReLU}, {"GELU", kernel.GELU}, {"GELUTanh", kernel.GELUTanh},
		{"SiLU", kernel.SiLU}} {
		vecCase(un.name, func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
			src := slice(g, n, off, s, sp)
			dst := make([]float32, n)
			un.f(dst, src)
			putF(h, dst...)
			un.f(src, src)
			putF(h, src...)
		})
	}
	vecCase("LogSumExp", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		putF(h, kernel.LogSumExp(slice(g, n, off, s, sp)))
	})
	// Added after the first baseline, as SiLU: with and without γ and β.
	vecCase("LayerNorm", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		x := slice(g, n, off, s, sp)
		gamma, beta := g.vec(n, 1, false), g.vec(n, 1, false)
		dst := make([]float32, n)
		kernel.LayerNorm(dst, x, gamma, beta, 1e-5)
		putF(h, dst...)
		kernel.LayerNorm(x, x, nil, nil, 1e-5)
		putF(h, x...)
	})
	vecCase("RMSNorm", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		x := slice(g, n, off, s, sp)
		dst := make([]float32, n)
		kernel.RMSNorm(dst, x, g.vec(n, 1, false), 1e-6)
		putF(h, dst...)
		kernel.RMSNorm(x, x, nil, 1e-6)
		putF(h, x...)
	})

	// Matrix kernels: shapes around the unroll and tile edges.
	dims := []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 48, 63, 64, 65, 100, 129, 256}
	type gemvFn struct {
		name string
		f    func(dst []float32, a kernel.Matrix, x []float32)
		t    bool
	}
	for _, gv := range []gemvFn{{"Gemv", kernel.Gemv, false}, {"GemvAdd", kernel.GemvAdd, false}, {"GemvT", kernel.GemvT, true}} {
		h := sha256.New()
		g := gen{rand.New(rand.NewPCG(2, uint64(len(gv.name))))}
		for _, m := range dims {
			for _, n := range dims {
				for _, pad := range []int{0, 3} {
					for _, sp := range []bool{false, true} {
						data := g.vec(m*(n+pad), 1, sp)
						a := kernel.Matrix{Rows: m, Cols: n, Stride: n + pad, Data: data[:max(0, m*(n+pad)-pad)]}
						xl, dl := n, m
						if gv.t {
							xl, dl = m, n
						}
						x := g.vec(xl, 1, sp)
						dst := g.vec(dl, 1, false)
						gv.f(dst, a, x)
						putF(h, dst...)
					}
				}
			}
		}
		fmt.Printf("%-12s %x\n", gv.name, h.Sum(nil))
	}
	{
		h := sha256.New()
		g := gen{rand.New(rand.NewPCG(3, 4))}
		gd := []int{0, 1, 3, 8, 15, 16, 17, 33, 64, 100, 129}
		for _, tA := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
			for _, tB := range []kernel.Transpose{kernel.NoTrans, kernel.Trans} {
				for _, m := range gd {
					for _, n := range gd {
						for _, k := range gd {
							mat := func(r, c int) kernel.Matrix { return kernel.MatrixFrom(r, c, g.vec(r*c, 1, false)) }
							var a, b kernel.Matrix
							if tA {
								a = mat(k, m)
							} else {
								a = mat(m, k)
							}
							if tB {
								b = mat(n, k)
							} else {
								b = mat(k, n)
							}
							c := mat(m, n)
							kernel.Gemm(tA, tB, 0.75, a, b, 0.5, c)
							putF(h, c.Data...)
						}
					}
				}
			}
		}
		// One large product that takes the blocked (and threaded) path.
		for _, s := range []int{300, 517} {
			a := kernel.MatrixFrom(s, s, g.vec(s*s, 1, false))
			b := kernel.MatrixFrom(s, s, g.vec(s*s, 1, false))
			c := kernel.MatrixFrom(s, s, g.vec(s*s, 1, false))
			kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, a, b, 1, c)
			putF(h, c.Data...)
		}
		fmt.Printf("%-12s %x\n", "Gemm", h.Sum(nil))
	}

	// The recurrent cells, out of place and in place (added after the
	// first baseline: drop these two cases to run the tool on a commit
	// that predates them). Pre-activations at 4× the state's scale.
	vecCase("LSTMCell", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		gates, cPrev := slice(g, 4*n, off, 4*s, sp), slice(g, n, 0, s, sp)
		c, hs := make([]float32, n), make([]float32, n)
		kernel.LSTMCell(hs, c, cPrev, gates)
		putF(h, hs...)
		putF(h, c...)
		putF(h, gates...)
		kernel.LSTMCell(hs, cPrev, cPrev, slice(g, 4*n, 0, 4*s, sp))
		putF(h, hs...)
		putF(h, cPrev...)
	})
	vecCase("GRUCell", func(h hash.Hash, g gen, n, off int, s float32, sp bool) {
		xg, hg, hPrev := slice(g, 3*n, off, 4*s, sp), slice(g, 3*n, 0, 4*s, sp), slice(g, n, 0, s, sp)
		hs := make([]float32, n)
		kernel.GRUCell(hs, hPrev, xg, hg)
		putF(h, hs...)
		putF(h, xg...)
		kernel.GRUCell(hPrev, hPrev, slice(g, 3*n, 0, 4*s, sp), hg)
		putF(h, hPrev...)
	})
}
