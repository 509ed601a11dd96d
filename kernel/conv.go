package kernel

import "fmt"

// MaxConvDims is the largest number of spatial dimensions Conv takes.
const MaxConvDims = 8

// ConvShape describes the convolution of one image by Conv (torch's
// Conv1d/Conv2d/Conv3d, ONNX's Conv): Channels input channels of spatial
// size In (one to MaxConvDims dimensions), Filters output channels, in
// Groups groups (Channels and Filters both divisible by Groups; group g
// maps input channels g·Channels/Groups onwards to filters
// g·Filters/Groups onwards), a kernel of spatial size Kernel, and per
// dimension Stride, Dilation (nil: all 1) and the zero padding added
// before (PadBegin) and after (PadEnd) the input (nil: none).
type ConvShape struct {
	Channels, Filters, Groups int
	In, Kernel                []int
	Stride, Dilation          []int
	PadBegin, PadEnd          []int
}

// Out returns the spatial size of the output:
// ⌊(In + PadBegin + PadEnd − Dilation·(Kernel−1) − 1) / Stride⌋ + 1 in each
// dimension. It panics if s is not a valid shape (see Conv) or gives an
// empty output.
func (s ConvShape) Out() []int {
	var out [MaxConvDims]int
	s.check("ConvShape.Out", &out)
	return append([]int(nil), out[:len(s.In)]...)
}

// ColSize returns the length of the scratch buffer Conv needs for s: the
// im2col matrix of one group, (Channels/Groups)·∏Kernel × ∏Out, or none
// for a pointwise convolution (a kernel of ones, stride 1, no padding),
// which reads the input as it is; for an output of a few positions, the
// same matrix transposed (one patch per position) and a column of the
// output.
func (s ConvShape) ColSize() int {
	var out [MaxConvDims]int
	s.check("ConvShape.ColSize", &out)
	cgk, P := s.Channels/s.Groups*prod(s.Kernel), prod(out[:len(s.In)])
	switch {
	case s.depthwise1D():
		return s.depthwiseColSize(P)
	case P <= convNarrow:
		return cgk*P + s.Filters/s.Groups // the patches, and a column of y
	case s.pointwise():
		return 0
	}
	return cgk * P
}

// convNarrow is the widest output (∏Out) that Conv computes one column at
// a time with Gemv rather than with one Gemm per group: Gemm packs the
// weights at every call, which costs as much as the product when the
// output is a few positions wide (Silero VAD's layers have 4); several
// Gemv read them as stored (measured 3× faster at 258×256 weights and 4
// positions).
const convNarrow = 8

// Conv computes the convolution (a cross-correlation, as in torch and
// ONNX) of one image:
//
//	y[f, o] = bias[f] + Σ_{c, k} w[f, c, k] · x[g·C/G + c, o·Stride − PadBegin + k·Dilation]
//
// over the C/G channels c of f's group g and the kernel positions k, with
// x zero outside its bounds. Every array is row-major and dense: x is
// Channels × In…, w Filters × (Channels/Groups) × Kernel…, bias Filters
// long or nil (no bias), y Filters × Out… (see Out). col is scratch of at
// least ColSize() elements whose contents do not matter.
//
// Each group is one Gemm, W_g (Filters/G × C/G·∏Kernel) times the im2col
// matrix of its input (C/G·∏Kernel × ∏Out), on top of the bias; a
// pointwise convolution multiplies the input directly; an output of at
// most a few positions is computed a position at a time by Gemv, on the
// patch the position reads (by plain loops for patches under 16
// elements); a 1-D depthwise convolution of 16 channels or more, by the
// Mul and Add kernels over all channels at once. The error
// is within Gemm's, with k = C/G·∏Kernel. Conv allocates nothing; it panics, naming
// the sizes, if s is not valid (sizes not positive, Channels or Filters not
// divisible by Groups, slices of lengths other than len(In), an empty
// output) or a buffer is shorter than s needs. y must not overlap x, w or
// col.
func Conv(y, x, w, bias, col []float32, s ConvShape) {
	var out [MaxConvDims]int
	s.check("Conv", &out)
	nd := len(s.In)
	P, K := prod(out[:nd]), prod(s.Kernel)
	G, Cg, Fg := s.Groups, s.Channels/s.Groups, s.Filters/s.Groups
	inSize := prod(s.In)
	switch {
	case len(x) < s.Channels*inSize:
		panic(fmt.Sprintf("kernel.Conv: len(x)=%d, want %d×%v", len(x), s.Channels, s.In))
	case len(w) < s.Filters*Cg*K:
		panic(fmt.Sprintf("kernel.Conv: len(w)=%d, want %d×%d×%v", len(w), s.Filters, Cg, s.Kernel))
	case len(y) < s.Filters*P:
		panic(fmt.Sprintf("kernel.Conv: len(y)=%d, want Filters·∏Out=%d×%d", len(y), s.Filters, P))
	case bias != nil && len(bias) < s.Filters:
		panic(fmt.Sprintf("kernel.Conv: len(bias)=%d, want %d", len(bias), s.Filters))
	case len(col) < s.ColSize():
		panic(fmt.Sprintf("kernel.Conv: len(col)=%d, want ColSize()=%d", len(col), s.ColSize()))
	}
	if P <= convNarrow || s.depthwise1D() {
		convNarrowOut(y, x, w, bias, col, &s, &out)
		return
	}
	var beta float32
	if bias != nil {
		beta = 1
		for f := 0; f < s.Filters; f++ {
			row := y[f*P : (f+1)*P]
			for i := range row {
				row[i] = bias[f]
			}
		}
	}
	for g := 0; g < G; g++ {
		xg := x[g*Cg*inSize : (g+1)*Cg*inSize]
		var b Matrix
		if s.pointwise() {
			b = MatrixFrom(Cg, P, xg)
		} else {
			im2col(col[:Cg*K*P], xg, &s, &out)
			b = MatrixFrom(Cg*K, P, col[:Cg*K*P])
		}
		Gemm(NoTrans, NoTrans, 1, MatrixFrom(Fg, Cg*K, w[g*Fg*Cg*K:(g+1)*Fg*Cg*K]), b, beta,
			MatrixFrom(Fg, P, y[g*Fg*P:(g+1)*Fg*P]))
	}
}

// convTiny is the shortest patch (C/G·∏Kernel) that convNarrowOut
// multiplies by Gemv; shorter ones, such as a depthwise convolution's (one
// channel, a few taps), cost less as a plain loop than a call through the
// dispatcher.
const convTiny = 16

// convNarrowOut is Conv for outputs of at most convNarrow positions: per
// group, the patch of every output position (im2row), each times the
// weights by Gemv (or a plain loop for tiny patches).
func convNarrowOut(y, x, w, bias, col []float32, s *ConvShape, out *[MaxConvDims]int) {
	nd := len(s.In)
	P, K, inSize := prod(out[:nd]), prod(s.Kernel), prod(s.In)
	Cg, Fg := s.Channels/s.Groups, s.Filters/s.Groups
	ck := Cg * K
	switch {
	case s.depthwise1D():
		convDepthwise1D(y, x, w, bias, col, s, P)
		return
	case nd == 1 && ck < convTiny:
		convDirect1D(y, x, w, bias, s, P)
		return
	}
	patches, res := col[:ck*P], col[ck*P:ck*P+Fg]
	for g := 0; g < s.Groups; g++ {
		im2row(patches, x[g*Cg*inSize:(g+1)*Cg*inSize], s, out)
		wg := MatrixFrom(Fg, ck, w[g*Fg*ck:(g+1)*Fg*ck])
		for p := 0; p < P; p++ {
			patch := patches[p*ck : (p+1)*ck]
			if ck < convTiny {
				for f := range res {
					var v float32
					for i, a := range wg.Data[f*ck : (f+1)*ck] {
						v += a * patch[i]
					}
					res[f] = v
				}
			} else {
				Gemv(res, wg, patch)
			}
			for f, v := range res {
				if bias != nil {
					v += bias[g*Fg+f]
				}
				y[(g*Fg+f)*P+p] = v
			}
		}
	}
}

// convDepthwiseMin is the fewest channels for which a 1-D depthwise
// convolution runs as convDepthwise1D.
const convDepthwiseMin = 16

// depthwise1D reports whether s is a 1-D depthwise convolution (one filter
// per channel) of at least convDepthwiseMin channels, which
// convDepthwise1D computes.
func (s *ConvShape) depthwise1D() bool {
	return len(s.In) == 1 && s.Groups == s.Channels && s.Filters == s.Channels && s.Channels >= convDepthwiseMin
}

// depthwiseColSize is the scratch convDepthwise1D needs for P output
// positions: x, w and y transposed, and a row of products.
func (s *ConvShape) depthwiseColSize(P int) int {
	return (s.In[0] + s.Kernel[0] + P + 1) * s.Channels
}

// convDepthwise1D is Conv for depthwise1D shapes (Silero's legacy model
// has 258 channels of 5 taps over 8 positions): x and w transposed into
// col (position-major, then channel), each output position the bias
// plus its taps' products, by the Mul and Add kernels over all channels
// at once (not loops over a few taps or positions), and y transposed
// back. Each output is the bias plus the products in tap order, each
// product and sum rounded once.
func convDepthwise1D(y, x, w, bias, col []float32, s *ConvShape, P int) {
	C, kL, inL := s.Channels, s.Kernel[0], s.In[0]
	st, dl, pb := or1(s.Stride, 0), or1(s.Dilation, 0), or0(s.PadBegin, 0)
	xt, wt, yt := col[:inL*C], col[inL*C:(inL+kL)*C], col[(inL+kL)*C:(inL+kL+P)*C]
	prods := col[(inL+kL+P)*C : (inL+kL+P+1)*C]
	for c := 0; c < C; c++ {
		for i, v := range x[c*inL : (c+1)*inL] {
			xt[i*C+c] = v
		}
		for k, v := range w[c*kL : (c+1)*kL] {
			wt[k*C+c] = v
		}
	}
	for p := 0; p < P; p++ {
		yp := yt[p*C : (p+1)*C]
		if bias != nil {
			copy(yp, bias[:C])
		} else {
			clear(yp)
		}
		start := p*st - pb
		klo, khi := max(-start, 0), min(inL-start, kL)
		if dl != 1 {
			klo, khi = max(ceilDiv(-start, dl), 0), min(ceilDiv(inL-start, dl), kL)
		}
		for k := klo; k < khi; k++ {
			i := start + k*dl
			Mul(prods, wt[k*C:(k+1)*C], xt[i*C:(i+1)*C])
			Add(yp, yp, prods)
		}
	}
	for c := 0; c < C; c++ {
		yc := y[c*P : (c+1)*P]
		for p := range yc {
			yc[p] = yt[p*C+c]
		}
	}
}

// convDirect1D is convNarrowOut for one spatial dimension and patches of
// fewer than convTiny elements (a depthwise convolution's few taps): plain
// loops over the input, without im2row; the positions whose taps all fall
// inside the input skip the bounds arithmetic (Silero's legacy model has
// 258 channels of 5 taps over 8 positions: 26 times faster than the
// im2row and a loop per channel and position). Each output is the bias
// plus the products in channel-then-tap order.
func convDirect1D(y, x, w, bias []float32, s *ConvShape, P int) {
	Cg, Fg, kL, inL := s.Channels/s.Groups, s.Filters/s.Groups, s.Kernel[0], s.In[0]
	st, dl, pb := or1(s.Stride, 0), or1(s.Dilation, 0), or0(s.PadBegin, 0)
	// the positions p0 ≤ p < p1 read inside the input at every tap
	p0 := min(max(ceilDiv(pb, st), 0), P)
	p1 := p0
	if last := inL - 1 - (kL-1)*dl + pb; last >= 0 {
		p1 = max(min(last/st+1, P), p0)
	}
	for f := 0; f < s.Filters; f++ {
		g := f / Fg
		if Fg == 1 {
			g = f
		}
		var b float32
		if bias != nil {
			b = bias[f]
		}
		yf := y[f*P : (f+1)*P]
		for p := range yf {
			yf[p] = b
		}
		wf := w[f*Cg*kL : (f+1)*Cg*kL]
		for c := 0; c < Cg; c++ {
			xc, wc := x[(g*Cg+c)*inL:(g*Cg+c+1)*inL], wf[c*kL:(c+1)*kL]
			// inside: tap by tap over the positions, whose sums are
			// independent (a chain of adds per position would wait on
			// each add's latency)
			for k, wk := range wc {
				if p1 == p0 {
					break
				}
				yi := yf[p0:p1]
				if st == 1 {
					for i, v := range xc[p0-pb+k*dl : p1-pb+k*dl] {
						yi[i] += wk * v
					}
					continue
				}
				for i := range yi {
					yi[i] += wk * xc[(p0+i)*st-pb+k*dl]
				}
			}
			for _, edge := range [2][2]int{{0, p0}, {p1, P}} {
				for p := edge[0]; p < edge[1]; p++ {
					start := p*st - pb
					klo, khi := max(-start, 0), min(inL-start, kL)
					if dl != 1 { // (an integer division costs 10 to 20 cycles)
						klo, khi = max(ceilDiv(-start, dl), 0), min(ceilDiv(inL-start, dl), kL)
					}
					acc := yf[p]
					for k := klo; k < khi; k++ {
						acc += wc[k] * xc[start+k*dl]
					}
					yf[p] = acc
				}
			}
		}
	}
}

// im2row writes the patch that output position p (row-major) reads of one
// group's input xg (Cg channels) into row p of rows (∏Out × Cg·∏Kernel),
// in the weights' order (channel, then kernel position row-major), 0
// outside the input: the transpose of im2col's matrix, whose rows are runs
// of the input (a copy each along the last dimension without dilation).
func im2row(rows, xg []float32, s *ConvShape, out *[MaxConvDims]int) {
	nd := len(s.In)
	last := nd - 1
	P, K, inSize := prod(out[:nd]), prod(s.Kernel), prod(s.In)
	Cg := len(xg) / inSize
	kL, dlL, inL := s.Kernel[last], or1(s.Dilation, last), s.In[last]
	ck := Cg * K
	if nd == 1 {
		im2row1D(rows[:P*ck], xg, Cg, inL, kL, or1(s.Stride, 0), dlL, or0(s.PadBegin, 0))
		return
	}
	var o [MaxConvDims]int
	for p := 0; p < P; p++ {
		row := rows[p*ck : (p+1)*ck]
		startL := o[last]*or1(s.Stride, last) - or0(s.PadBegin, last)
		// the kernel positions of the last dimension inside the input
		klo, khi := max(ceilDiv(-startL, dlL), 0), min(ceilDiv(inL-startL, dlL), kL)
		for c := 0; c < Cg; c++ {
			xc := xg[c*inSize : (c+1)*inSize]
			var k [MaxConvDims]int
			for q := 0; q < K; q += kL {
				seg := row[c*K+q : c*K+q+kL]
				base, inside := s.offset(&o, &k, last)
				fillRun(seg, xc, base*inL+startL, dlL, klo, khi, inside)
				advance(&k, s.Kernel[:last])
			}
		}
		advance(&o, out[:nd])
	}
}

// im2row1D is im2row for one spatial dimension: rows holds a row per
// output position p of its Cg channels' patches, x[c, p·st − pb + k·dl]
// for the taps k, 0 outside the input. Short runs are copied by hand (a
// call to memmove costs more than Silero's 3 floats); pb may be negative
// (PackedConv's kept taps start past the padding).
func im2row1D(rows, xg []float32, Cg, inL, kL, st, dl, pb int) {
	ck := Cg * kL
	for p := 0; p < len(rows)/ck; p++ {
		row := rows[p*ck : (p+1)*ck]
		start := p*st - pb
		// the taps inside the input
		klo, khi := max(ceilDiv(-start, dl), 0), min(ceilDiv(inL-start, dl), kL)
		if dl == 1 && klo == 0 && khi == kL && kL < 16 {
			// inside the input: a short run of each channel
			for c := 0; c < Cg; c++ {
				o := c*inL + start
				src, dst := xg[o:o+kL], row[c*kL:(c+1)*kL]
				for i := range dst {
					dst[i] = src[i]
				}
			}
			continue
		}
		for c := 0; c < Cg; c++ {
			dst := row[c*kL : (c+1)*kL]
			if klo >= khi {
				clear(dst)
				continue
			}
			xc := xg[c*inL : (c+1)*inL]
			for i := 0; i < klo; i++ {
				dst[i] = 0
			}
			switch {
			case dl == 1 && khi-klo >= 16:
				copy(dst[klo:khi], xc[start+klo:start+khi])
			case dl == 1:
				for i, v := range xc[start+klo : start+khi] {
					dst[klo+i] = v
				}
			default:
				for i := klo; i < khi; i++ {
					dst[i] = xc[start+i*dl]
				}
			}
			for i := khi; i < kL; i++ {
				dst[i] = 0
			}
		}
	}
}

// pointwise reports whether every kernel size is 1, every stride 1 and
// every pad 0: the convolution is then a product with the input itself.
func (s *ConvShape) pointwise() bool {
	for j := range s.In {
		if s.Kernel[j] != 1 || or1(s.Stride, j) != 1 || or0(s.PadBegin, j) != 0 || or0(s.PadEnd, j) != 0 {
			return false
		}
	}
	return true
}

// or1 returns v[j], or 1 for a nil v (Stride, Dilation).
func or1(v []int, j int) int {
	if v == nil {
		return 1
	}
	return v[j]
}

// or0 returns v[j], or 0 for a nil v (the pads).
func or0(v []int, j int) int {
	if v == nil {
		return 0
	}
	return v[j]
}

func prod(v []int) int {
	p := 1
	for _, d := range v {
		p *= d
	}
	return p
}

// check panics, naming fn and the shape, unless s is valid, and writes the
// output size into out.
func (s *ConvShape) check(fn string, out *[MaxConvDims]int) {
	nd := len(s.In)
	bad := func(why string) {
		panic(fmt.Sprintf("kernel.%s: %s (Channels=%d Filters=%d Groups=%d In=%v Kernel=%v Stride=%v Dilation=%v PadBegin=%v PadEnd=%v)",
			fn, why, s.Channels, s.Filters, s.Groups, s.In, s.Kernel, s.Stride, s.Dilation, s.PadBegin, s.PadEnd))
	}
	if nd < 1 || nd > MaxConvDims {
		bad(fmt.Sprintf("%d spatial dimensions, want 1 to %d", nd, MaxConvDims))
	}
	if s.Channels < 1 || s.Filters < 1 || s.Groups < 1 || s.Channels%s.Groups != 0 || s.Filters%s.Groups != 0 {
		bad("sizes must be positive, with Channels and Filters divisible by Groups")
	}
	for _, v := range [][]int{s.Stride, s.Dilation, s.PadBegin, s.PadEnd} {
		if v != nil && len(v) != nd {
			bad("Stride, Dilation, PadBegin and PadEnd must be nil or have len(In) elements")
		}
	}
	if len(s.Kernel) != nd {
		bad("Kernel must have len(In) elements")
	}
	// Every size is at most 2⁴⁰, and so are Channels·∏(Out·Kernel) (the
	// im2col matrix) and Filters·∏Out (the output), which keeps every
	// product Conv forms in int range.
	const limit = 1 << 40
	if s.Channels > limit || s.Filters > limit {
		bad("sizes overflow")
	}
	cols, outs := s.Channels, s.Filters
	for j := 0; j < nd; j++ {
		in, k, st, dl, pb, pe := s.In[j], s.Kernel[j], or1(s.Stride, j), or1(s.Dilation, j), or0(s.PadBegin, j), or0(s.PadEnd, j)
		if in < 1 || k < 1 || st < 1 || dl < 1 || pb < 0 || pe < 0 {
			bad("sizes, strides and dilations must be positive and pads non-negative")
		}
		if in > limit || k > limit || st > limit || dl > limit || pb > limit || pe > limit {
			bad("sizes overflow")
		}
		span := dl*(k-1) + 1
		if in+pb+pe < span {
			bad("the kernel is larger than the padded input")
		}
		out[j] = (in+pb+pe-span)/st + 1
		if cols > limit/out[j] || outs > limit/out[j] {
			bad("sizes overflow")
		}
		cols, outs = cols*out[j], outs*out[j]
		if cols > limit/k {
			bad("sizes overflow")
		}
		cols *= k
	}
}

// im2col writes the im2col matrix of one group's input xg (Cg channels)
// into col: row (c, k) (c-major, then the kernel position k row-major)
// holds, for every output position o (row-major), x[c, o·Stride −
// PadBegin + k·Dilation], 0 outside the input.
func im2col(col, xg []float32, s *ConvShape, out *[MaxConvDims]int) {
	nd := len(s.In)
	P, K := prod(out[:nd]), prod(s.Kernel)
	inSize := prod(s.In)
	last := nd - 1
	inL, stL, n := s.In[last], or1(s.Stride, last), out[last]
	row := 0
	for c := 0; c < len(xg)/inSize; c++ {
		xc := xg[c*inSize : (c+1)*inSize]
		var k [MaxConvDims]int
		for kr := 0; kr < K; kr++ {
			dst := col[row*P : (row+1)*P]
			row++
			// the first and one-past-last outputs of the last dimension
			// that read inside the input
			kk := k[last]*or1(s.Dilation, last) - or0(s.PadBegin, last)
			lo, hi := ceilDiv(-kk, stL), ceilDiv(inL-kk, stL)
			lo, hi = max(lo, 0), min(hi, n)
			var o [MaxConvDims]int
			for p := 0; p < P; p += n {
				base, inside := s.offset(&o, &k, last)
				fillRun(dst[p:p+n], xc, base*inL+kk, stL, lo, hi, inside)
				advance(&o, out[:last])
			}
			advance(&k, s.Kernel)
		}
	}
}

// offset returns the offset in one channel of the input of the row (all
// dimensions but the last) that output position o reads at kernel
// position k, and whether that row is inside the input (not padding).
func (s *ConvShape) offset(o, k *[MaxConvDims]int, last int) (base int, inside bool) {
	for j := 0; j < last; j++ {
		i := o[j]*or1(s.Stride, j) - or0(s.PadBegin, j) + k[j]*or1(s.Dilation, j)
		if i < 0 || i >= s.In[j] {
			return 0, false
		}
		base = base*s.In[j] + i
	}
	return base, true
}

// fillRun fills d with xc[off + i·step] for lo ≤ i < hi (the part of the run
// inside the input) and zeros elsewhere; all zeros when the row is not
// inside.
func fillRun(d, xc []float32, off, step, lo, hi int, inside bool) {
	if !inside || lo >= hi {
		clear(d)
		return
	}
	clear(d[:lo])
	if step == 1 {
		copy(d[lo:hi], xc[off+lo:off+hi])
	} else {
		for i := lo; i < hi; i++ {
			d[i] = xc[off+i*step]
		}
	}
	clear(d[hi:])
}

// advance advances the row-major multi-index idx within dims (an odometer).
func advance(idx *[MaxConvDims]int, dims []int) {
	for j := len(dims) - 1; j >= 0; j-- {
		if idx[j]++; idx[j] < dims[j] {
			return
		}
		idx[j] = 0
	}
}

// ceilDiv returns ⌈a/b⌉ for b > 0.
func ceilDiv(a, b int) int {
	if a >= 0 {
		return (a + b - 1) / b
	}
	return -((-a) / b)
}
