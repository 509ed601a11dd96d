package ref

import "math"

// Conv computes kernel.Conv's convolution of one image in float64, by its
// definition: dst[f, o] = bias[f] + Σ_{c,k} w[f, c, k]·x[g·C/G + c,
// o·stride − padBegin + k·dilation] (x zero outside its bounds), for x of
// channels × in…, w of filters × channels/groups × kern…, bias nil or
// filters long, and out the output's spatial size; dst is filters × out….
// If abs is not nil it receives |bias[f]| + Σ |w·x|, the scale of a
// float32 result's rounding error.
func Conv(dst, abs []float64, x, w, bias []float32, channels, filters, groups int, in, kern, out, stride, dilation, padBegin []int) {
	nd := len(in)
	cg, fg := channels/groups, filters/groups
	K, P, inSize := 1, 1, 1
	for j := 0; j < nd; j++ {
		K *= kern[j]
		P *= out[j]
		inSize *= in[j]
	}
	o, k := make([]int, nd), make([]int, nd)
	for f := 0; f < filters; f++ {
		g := f / fg
		for p := 0; p < P; p++ {
			unravel(o, p, out)
			var s, a float64
			if bias != nil {
				s, a = float64(bias[f]), math.Abs(float64(bias[f]))
			}
			for c := 0; c < cg; c++ {
				for kr := 0; kr < K; kr++ {
					unravel(k, kr, kern)
					idx, inside := 0, true
					for j := 0; j < nd; j++ {
						i := o[j]*stride[j] - padBegin[j] + k[j]*dilation[j]
						if i < 0 || i >= in[j] {
							inside = false
							break
						}
						idx = idx*in[j] + i
					}
					if !inside {
						continue
					}
					v := float64(w[(f*cg+c)*K+kr]) * float64(x[(g*cg+c)*inSize+idx])
					s += v
					a += math.Abs(v)
				}
			}
			dst[f*P+p] = s
			if abs != nil {
				abs[f*P+p] = a
			}
		}
	}
}

// unravel writes the row-major multi-index of flat index p in dims into idx.
func unravel(idx []int, p int, dims []int) {
	for j := len(dims) - 1; j >= 0; j-- {
		idx[j] = p % dims[j]
		p /= dims[j]
	}
}
