package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// quadratic returns parameters of two tensors and a function that writes
// the gradient of Σ (w−target)²·k into them.
func quadratic() ([]Param, func()) {
	ps := []Param{
		{"a", []float32{1, -2, 0.5}, make([]float32, 3)},
		{"b", []float32{3, 0.25}, make([]float32, 2)},
	}
	grad := func() {
		for i, p := range ps {
			for j, w := range p.Value {
				p.Grad[j] = 2 * float32(i+j+1) * (w - 0.1*float32(j))
			}
		}
	}
	return ps, grad
}

// TestAdamSetStateContinuesExactly: N steps, the state carried over to a
// fresh Adam, then M steps, gives bit for bit the weights of N+M steps
// in one go. Without the moments (a fresh Adam on the same weights) the
// weights differ, so the test can tell.
func TestAdamSetStateContinuesExactly(t *testing.T) {
	const n, m = 7, 5
	ref, grad := quadratic()
	o := NewAdam(0.05)
	for range n + m {
		grad()
		o.Step(ref)
	}

	ps, grad2 := quadratic()
	first := NewAdam(0.05)
	for range n {
		grad2()
		first.Step(ps)
	}
	steps, mm, vv := first.State()
	require.Equal(t, n, steps)
	resumed, cold := NewAdam(0.05), NewAdam(0.05)
	require.NoError(t, resumed.SetState(ps, steps, mm, vv))
	require.Equal(t, n, resumed.Steps())
	// Two copies of the weights after n steps: one resumed with the
	// state, one with a fresh Adam.
	ps2, grad3 := quadratic()
	ps3, grad4 := quadratic()
	for i := range ps {
		copy(ps2[i].Value, ps[i].Value)
		copy(ps3[i].Value, ps[i].Value)
	}
	grad2()
	first.Step(ps) // SetState copied: this does not move resumed's moments
	for range m {
		grad3()
		resumed.Step(ps2)
		grad4()
		cold.Step(ps3)
	}
	for i := range ref {
		for j := range ref[i].Value {
			require.Equal(t, math.Float32bits(ref[i].Value[j]), math.Float32bits(ps2[i].Value[j]), "param %s[%d]", ref[i].Name, j)
		}
	}
	require.NotEqual(t, ref[0].Value, ps3[0].Value, "a fresh Adam gave the same weights: the test cannot tell")
}

// TestAdamSetStateRefusesBadState: a state that does not fit the
// parameters, or that Adam could not have reached, is refused and leaves
// Adam as it was.
func TestAdamSetStateRefusesBadState(t *testing.T) {
	ps, grad := quadratic()
	o := NewAdam(0.1)
	grad()
	o.Step(ps)
	good := func() ([][]float32, [][]float32) {
		return [][]float32{{0, 0, 0}, {0, 0}}, [][]float32{{0, 0, 0}, {0, 0}}
	}
	cases := map[string]func() (int, [][]float32, [][]float32){
		"negative steps":  func() (int, [][]float32, [][]float32) { m, v := good(); return -1, m, v },
		"MaxInt steps":    func() (int, [][]float32, [][]float32) { m, v := good(); return math.MaxInt, m, v },
		"missing moments": func() (int, [][]float32, [][]float32) { return 3, nil, nil },
		"one param short": func() (int, [][]float32, [][]float32) { m, v := good(); return 3, m[:1], v[:1] },
		"wrong length":    func() (int, [][]float32, [][]float32) { m, v := good(); m[1] = m[1][:1]; return 3, m, v },
		"NaN moment":      func() (int, [][]float32, [][]float32) { m, v := good(); m[0][1] = float32(math.NaN()); return 3, m, v },
		"infinite moment": func() (int, [][]float32, [][]float32) { m, v := good(); v[1][0] = float32(math.Inf(1)); return 3, m, v },
		"negative second": func() (int, [][]float32, [][]float32) { m, v := good(); v[0][2] = -1; return 3, m, v },
	}
	clone := func(x [][]float32) [][]float32 {
		c := make([][]float32, len(x))
		for i := range x {
			c[i] = append([]float32(nil), x[i]...)
		}
		return c
	}
	steps0, m0, v0 := o.State()
	m0, v0 = clone(m0), clone(v0)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			steps, m, v := c()
			require.ErrorIs(t, o.SetState(ps, steps, m, v), ErrState)
			steps1, m1, v1 := o.State()
			require.Equal(t, steps0, steps1)
			require.Equal(t, m0, m1)
			require.Equal(t, v0, v1)
		})
	}
	require.NoError(t, o.SetState(ps, 0, nil, nil))
	require.Zero(t, o.Steps())
}

// ExampleAdam_SetState carries Adam's state from one optimiser to
// another, as a checkpoint does.
func ExampleAdam_SetState() {
	w := []float32{1}
	ps := []Param{{Name: "w", Value: w, Grad: []float32{0}}}
	a := NewAdam(0.1)
	for range 3 {
		ps[0].Grad[0] = 2 * w[0] // ∇ of w²
		a.Step(ps)
	}
	steps, m, v := a.State()
	b := NewAdam(0.1)
	if err := b.SetState(ps, steps, m, v); err != nil {
		panic(err)
	}
	fmt.Println(b.Steps(), AdamFirstMoment+ps[0].Name, AdamSteps)
	// Output: 3 optim.adam.m.w optim.adam.steps
}
