package onnx

import "math"

// MelWeightMatrix (opset 17): the [⌊dft_length/2⌋+1, num_mel_bins] matrix
// that takes the bins of a one-sided spectrum to num_mel_bins triangular
// mel bands between lower_edge_hertz and upper_edge_hertz, as ONNX's
// reference computes it: num_mel_bins+2 points equally spaced on the mel
// scale (mel = 2595·log10(1 + hz/700)) from the lower edge's mel, in steps
// of (high − low)/(num_mel_bins+2), each mapped back to hertz and to the
// integer bin ⌊(dft_length+1)·hz/sample_rate⌋; band i rises linearly from
// point i to point i+1 (a single 1 there when they coincide) and falls to
// point i+2. Every input is a scalar known while planning (num_mel_bins,
// dft_length and sample_rate integers, the edges FLOAT), so the output is
// computed then (in float64, rounded once) and known; output_datatype
// must be FLOAT. Bin points outside the spectrum are refused.

func init() {
	register("MelWeightMatrix", 17, buildMelWeightMatrix)
}

func buildMelWeightMatrix(c *nodeCtx) (func() error, error) {
	if dt := DataType(c.attrInt("output_datatype", int64(Float))); dt != Float {
		return nil, c.unsupported("data type %v for output_datatype (only FLOAT)", dt)
	}
	var ints [3]int64
	for i, what := range []string{"num_mel_bins", "dft_length", "sample_rate"} {
		v, err := knownScalarInt(c, i, what)
		if err != nil {
			return nil, err
		}
		ints[i] = v
	}
	var edges [2]float64
	for i, what := range []string{"lower_edge_hertz", "upper_edge_hertz"} {
		v, err := c.knownFloats(3+i, what)
		if err != nil {
			return nil, err
		}
		if len(v) != 1 {
			return nil, c.shapeErr("%s (input %d) has %d values, want a scalar", what, 3+i, len(v))
		}
		edges[i] = float64(v[0])
	}
	mel, err := knownSize(c, ints[0], "num_mel_bins")
	if err != nil {
		return nil, err
	}
	dftLen, sampleRate := ints[1], ints[2]
	if dftLen < 1 || sampleRate < 1 {
		return nil, c.shapeErr("MelWeightMatrix of dft_length %d and sample_rate %d, want both at least 1", dftLen, sampleRate)
	}
	nspec, err := knownSize(c, dftLen/2+1, "spectrogram bins")
	if err != nil {
		return nil, err
	}
	y, err := c.p.alloc(Float, []int{nspec, mel})
	if err != nil {
		return nil, err
	}
	toMel := func(hz float64) float64 { return 2595 * math.Log10(1+hz/700) }
	low, high := toMel(edges[0]), toMel(edges[1])
	step := (high - low) / float64(mel+2)
	points := make([]int, mel+2)
	for i := range points {
		hz := 700 * (math.Pow(10, (float64(i)*step+low)/2595) - 1)
		b := pyFloorDiv(float64(dftLen+1)*hz, float64(sampleRate))
		if !(b >= 0 && b <= float64(nspec)) {
			return nil, c.shapeErr("MelWeightMatrix: band edge %d (%g Hz) falls on bin %g, outside the %d bins of the spectrum (edges %g and %g Hz, sample_rate %d, dft_length %d)", i, hz, b, nspec, edges[0], edges[1], sampleRate, dftLen)
		}
		points[i] = int(b)
	}
	w := y.Float // row-major [nspec, mel]
	for i := range mel {
		lo, mid, hi := points[i], points[i+1], points[i+2]
		rise, fall := mid-lo, hi-mid
		if mid >= nspec && (rise >= 0 || fall > 0) {
			return nil, c.shapeErr("MelWeightMatrix: band %d peaks on bin %d, outside the %d bins of the spectrum", i, mid, nspec)
		}
		if rise == 0 {
			w[mid*mel+i] = 1
		} else {
			for j := lo; j <= mid; j++ {
				w[j*mel+i] = float32(float64(j-lo) / float64(rise))
			}
		}
		if fall > 0 {
			for j := mid; j < hi; j++ {
				w[j*mel+i] = float32(float64(hi-j) / float64(fall))
			}
		}
	}
	c.knownOutput(0, y)
	return nil, nil
}

// pyFloorDiv is Python's floor division of floats, a // b, which the
// reference uses to place the band edges on bins (it can differ from
// ⌊a/b⌋ by one when a/b rounds up to an integer).
func pyFloorDiv(a, b float64) float64 {
	mod := math.Mod(a, b)
	div := (a - mod) / b
	if mod != 0 && (b < 0) != (mod < 0) {
		div--
	}
	if div == 0 {
		return math.Copysign(0, a/b)
	}
	f := math.Floor(div)
	if div-f > 0.5 {
		f++
	}
	return f
}
