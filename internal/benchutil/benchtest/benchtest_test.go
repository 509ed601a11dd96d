package benchtest

import (
	"flag"
	"testing"

	"github.com/simdcore/simdcore/internal/benchutil"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fewIterations makes testing.Benchmark run n iterations instead of a second.
func fewIterations(t *testing.T, n string) {
	f := flag.Lookup("test.benchtime")
	require.NotNil(t, f)
	old := f.Value.String()
	require.NoError(t, flag.Set("test.benchtime", n))
	t.Cleanup(func() { _ = flag.Set("test.benchtime", old) })
}

// EachLevel visits every available level with it active, or only the one
// LevelEnv names.
func TestEachLevel(t *testing.T) {
	fewIterations(t, "1x")
	visit := func() (names []string) {
		testing.Benchmark(func(b *testing.B) {
			EachLevel(b, "level=", func(b *testing.B) {
				names = append(names, kernel.Active().String())
			})
		})
		return names
	}
	var want []string
	for _, l := range kernel.Available() {
		want = append(want, l.String())
	}
	assert.Equal(t, want, visit())
	t.Setenv(LevelEnv, kernel.Generic.String())
	assert.Equal(t, []string{"generic"}, visit())
}

// The metrics carry the units the benchmark text and cmd/chart read, and
// the per-cycle ones come exactly when there is a clock probe.
func TestMetrics(t *testing.T) {
	fewIterations(t, "20x")
	src, dst := benchutil.ActivationInput(256), make([]float32, 256)
	r := testing.Benchmark(func(b *testing.B) {
		cpu := StartCPU()
		Elementwise(b, len(src), func() { kernel.Exp(dst, src) })
		ReportFlops(b, 1)
		cpu.ReportFlops(b, 1)
		cpu.ReportPerOp(b)
		ReportFLOPPerCycle(b, 1, cpu.Spent())
	})
	units := []string{"ns/elem", "best-ns/elem", "GFLOP/s"}
	if cpuclock.ProcessCPU() > 0 {
		units = append(units, "cpu-ns/elem", "cpu-GFLOP/s", "cpu-ns/op")
	}
	if cpuclock.HasProbe {
		units = append(units, "elem/cycle", "best-elem/cycle", "FLOP/cycle")
	}
	for _, u := range units {
		assert.Positive(t, r.Extra[u], u)
	}
	assert.Len(t, r.Extra, len(units))
}

// Time reports a call by its kernel's class: Elementwise's metrics for
// the elementwise kernels, bytes, GFLOP/s and ns/elem for the others that
// count flops, no ns/elem for the matrix kernels.
func TestTime(t *testing.T) {
	fewIterations(t, "20x")
	run := func(name string, n int) map[string]float64 {
		s, ok := kernel.SpecOf(name)
		require.True(t, ok)
		op := benchutil.NewOp(s, n)
		r := testing.Benchmark(func(b *testing.B) { Time(b, op, op.Call) })
		return r.Extra
	}
	exp := run("Exp", 256)
	assert.Contains(t, exp, "best-ns/elem")
	assert.NotContains(t, exp, "GFLOP/s")
	dot := run("Dot", 256)
	assert.Positive(t, dot["GFLOP/s"])
	assert.Positive(t, dot["ns/elem"])
	assert.NotContains(t, dot, "best-ns/elem")
	gemv := run("Gemv", 64)
	assert.Positive(t, gemv["GFLOP/s"])
	assert.NotContains(t, gemv, "ns/elem")
	mx := run("Max", 256)
	assert.Positive(t, mx["ns/elem"])
	assert.NotContains(t, mx, "GFLOP/s")
}
