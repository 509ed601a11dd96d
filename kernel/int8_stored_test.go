package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNewQMatrixRoundTrip: a QMatrix rebuilt from its rows and scales
// equals the one QuantizeMatrix built, padding and row sums included.
func TestNewQMatrixRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, cols := range []int{1, 63, 64, 65, 200} {
		a := NewMatrix(7, cols)
		for i := range a.Data {
			a.Data[i] = float32(r.NormFloat64())
		}
		want, err := QuantizeMatrix(a)
		require.NoError(t, err)
		var data []int8
		for i := range want.Rows {
			data = append(data, want.Row(i)...)
		}
		got, err := NewQMatrix(want.Rows, want.Cols, data, want.Scales)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// TestNewQMatrixErrors: every malformed stored matrix is an error.
func TestNewQMatrixErrors(t *testing.T) {
	ok := []int8{1, 2, 3, 4, 5, 6}
	sc := []float32{1, 1}
	for _, c := range []struct {
		name       string
		rows, cols int
		data       []int8
		scales     []float32
	}{
		{"negative rows", -1, 3, ok, sc},
		{"too many columns", 1, MaxQCols + 1, make([]int8, MaxQCols+1), []float32{1}},
		{"short data", 2, 3, ok[:5], sc},
		{"long data", 2, 2, ok, sc},
		{"scales", 2, 3, ok, sc[:1]},
		{"data without columns", 2, 0, ok, sc},
		{"−128", 2, 3, []int8{1, 2, 3, 4, -128, 6}, sc},
		{"negative scale", 2, 3, ok, []float32{1, -1}},
		{"NaN scale", 2, 3, ok, []float32{float32(math.NaN()), 1}},
		{"infinite scale", 2, 3, ok, []float32{1, float32(math.Inf(1))}},
	} {
		_, err := NewQMatrix(c.rows, c.cols, c.data, c.scales)
		require.Error(t, err, c.name)
	}
}
