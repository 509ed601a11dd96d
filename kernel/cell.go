package kernel

import "fmt"

// cellChunk bounds the units one call of a recurrent cell's level switch
// handles: each unit reads and writes several elements (LSTMCell seven,
// GRUCell eight), so a call touches at most about as much memory as
// maxChunk elements of an elementwise kernel.
const cellChunk = maxChunk / 4

// LSTMCell advances n = len(c) LSTM units by one step (PyTorch's cell).
// On entry gates holds the 4n pre-activations in PyTorch's order [i f g o]
// (W_ih·x + b_ih + W_hh·h + b_hh) and cPrev the previous cell state. With
// i=σ(gates[k]), f=σ(gates[n+k]), g=tanh(gates[2n+k]), o=σ(gates[3n+k]):
//
//	c[k] = f·cPrev[k] + i·g,   h[k] = o·tanh(c[k]).
//
// On return gates holds the activated gates [i f g o] (what
// backpropagation needs). c may be cPrev (in place); no other two of h,
// c, cPrev and gates may overlap. It panics, naming the function and the
// sizes, unless len(h) == len(c) == len(cPrev) and len(gates) ==
// 4·len(c), and on a forbidden overlap.
//
// Evaluation, the same float32 steps at every level: each activation is
// Sigmoid's or Tanh's (within 2 ulp); p = i·g rounded; c = f·cPrev + p
// in one fused multiply-add; h = o·tanh(c) rounded. Every level computes
// the activations as its Sigmoid and Tanh do, so results may differ
// between levels where those do (by an ulp of an activation); the
// generic level's fused multiply-add rounds through float64 first, which
// differs from one rounding only at exact float32 ties. AVX2 (also run
// at the AVX512 level) and NEON take one vector of 8 or 4 units per
// iteration, the last units through buffers or lane by lane.
//
// Accuracy: against the float64 evaluation of the formula from the
// float32 inputs, each returned gate is within 2 ulp, and c and h are
// within the bound those 2 ulp give carried through the formula with one
// rounding per operation above (ACCURACY.md derives it; the tests check
// it element by element). c can cancel (f·cPrev ≈ −i·g), so its error is
// bounded relative to |f·cPrev| + |i·g|, not to |c|.
//
// Special values: NaN in a gate or in cPrev gives NaN in what depends on
// it; ±Inf pre-activations saturate (σ(+Inf) = 1, σ(−Inf) = 0,
// tanh(±Inf) = ±1). An infinite cPrev times an f that underflowed to 0
// (gates[n+k] < −103.97) gives NaN, where the float64 formula gives ±Inf.
func LSTMCell(h, c, cPrev, gates []float32) {
	dispatchLSTMCell(h, c, cPrev, gates)
}

// GRUCell advances n = len(h) GRU units by one step (PyTorch's cell). xg
// holds the 3n input-side pre-activations [r z n] (W_ih·x + b_ih), hg the
// hidden-side ones (W_hh·h + b_hh), hPrev the previous state:
//
//	r = σ(xg_r + hg_r), z = σ(xg_z + hg_z), m = tanh(xg_n + r·hg_n),
//	h = (1−z)·m + z·hPrev = m + z·(hPrev − m).
//
// On return xg holds [r z m] (what backpropagation needs); hg is
// unchanged. h may be hPrev (in place); no other two of h, hPrev, xg and
// hg may overlap. It panics, naming the function and the sizes, unless
// len(hPrev) == len(h) and len(xg) == len(hg) == 3·len(h), and on a
// forbidden overlap.
//
// Evaluation, the same float32 steps at every level: r = σ(xg_r + hg_r)
// and z = σ(xg_z + hg_z), each sum rounded, then Sigmoid's σ (within 2
// ulp); m = tanh(xg_n + r·hg_n), the argument one fused multiply-add,
// then Tanh's tanh; d = hPrev − m rounded; h = m + z·d in one fused
// multiply-add (torch's order: (hPrev − m)·z + m). Levels differ as
// LSTMCell's do.
//
// Accuracy: as LSTMCell's, the activations' 2 ulp carried through the
// formula with one rounding per operation (ACCURACY.md). The rounded sums
// before σ count: σ's relative sensitivity to its argument is 1 − σ ≤ 1,
// so a large negative pre-activation turns the sum's half-ulp into
// several ulps of r or z.
//
// Special values: NaN gives NaN in what depends on it; ±Inf
// pre-activations saturate. An infinite hg_n times an r that underflowed
// to 0, or an infinite hPrev times a z that did, gives NaN where the
// float64 formula gives ±Inf.
func GRUCell(h, hPrev, xg, hg []float32) {
	dispatchGRUCell(h, hPrev, xg, hg)
}

// checkLSTMCell panics with LSTMCell's sizes, or the overlap, that make
// its arguments invalid.
func checkLSTMCell(h, c, cPrev, gates []float32) {
	n := len(c)
	if len(h) != n || len(cPrev) != n || len(gates) != 4*n {
		panic(fmt.Sprintf("kernel.LSTMCell: len(h)=%d, len(c)=%d, len(cPrev)=%d, len(gates)=%d: want len(h) = len(c) = len(cPrev) = len(gates)/4",
			len(h), n, len(cPrev), len(gates)))
	}
	checkCellOverlaps("LSTMCell", []string{"h", "c", "cPrev", "gates"}, [][]float32{h, c, cPrev, gates}, 1, 2)
}

// checkGRUCell panics with GRUCell's sizes, or the overlap, that make its
// arguments invalid.
func checkGRUCell(h, hPrev, xg, hg []float32) {
	n := len(h)
	if len(hPrev) != n || len(xg) != 3*n || len(hg) != 3*n {
		panic(fmt.Sprintf("kernel.GRUCell: len(h)=%d, len(hPrev)=%d, len(xg)=%d, len(hg)=%d: want len(h) = len(hPrev) = len(xg)/3 = len(hg)/3",
			n, len(hPrev), len(xg), len(hg)))
	}
	checkCellOverlaps("GRUCell", []string{"h", "hPrev", "xg", "hg"}, [][]float32{h, hPrev, xg, hg}, 0, 1)
}

// checkCellOverlaps panics if two of the slices overlap, except the pair
// (same, same2) being the same slice (in place).
func checkCellOverlaps(fn string, names []string, s [][]float32, same, same2 int) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if i == same && j == same2 && !partialOverlap(s[i], s[j]) {
				continue
			}
			if overlaps(s[i], s[j]) {
				panicOverlap(fn, names[i], names[j])
			}
		}
	}
}
