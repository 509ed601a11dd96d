package kernel

import "fmt"

// PackedConv is a convolution (see Conv) whose filters are packed once,
// for running it many times on inputs of one shape, as a network's layer
// does: Pack prepares the weights for the product that computes the whole
// output, and Conv runs it without packing anything.
//
// Pack keeps only the kernel taps that reach the input from some output
// position (a kernel of 3 with a padding of 1 over an input of length 1
// reads its middle tap only; the others multiply zeros), and chooses how
// Conv computes each group:
//
//   - a 1-D depthwise convolution (one filter per channel) of 16 channels
//     or more: by the Mul and Add kernels over all channels at once, on x
//     and w transposed;
//   - otherwise, three or more output positions and patches of at least
//     16 elements (C/G · kept taps): one Gemm per group, with the patches
//     as the rows of the left operand (im2row; a pointwise convolution
//     reads the input as it is, transposed) and the filters as the right
//     operand, packed by Pack into a PackedB; the P×F/G product is then
//     transposed into y and the bias added. The weights are read once for
//     all positions.
//   - one or two positions: a Gemv per position on its patch, which
//     streams the weights as stored (one Gemm row tile would compute six
//     rows for one or two);
//   - patches of fewer than 16 elements: plain loops, cheaper than a
//     call through the dispatcher (im2row too for more than one spatial
//     dimension).
//
// The error is within Gemm's (with k = C/G · kept taps), plus the
// rounding of the bias's addition; Conv's bound holds. Conv allocates
// nothing, and repacking a PackedConv for a shape of the same sizes
// allocates nothing either.
//
// The packing belongs to the level active when Pack ran: Conv panics if
// the level has changed since (SetLevel) and the filters were packed for
// Gemm (Level says which). The zero value is ready for Pack. A PackedConv
// holds copies of the shape, the weights and the bias: changing them
// after Pack changes nothing. It is not safe for concurrent use by Pack
// and Conv; concurrent Convs into different buffers are safe.
type PackedConv struct {
	s   ConvShape // the shape as given (its slices in dims)
	eff ConvShape // the kept taps: Kernel' and PadBegin' (may be negative)
	// dims holds s's and eff's slices: In, Kernel, Stride, Dilation,
	// PadBegin, PadEnd, eff's Kernel and eff's PadBegin.
	dims   [8][MaxConvDims]int
	out    [MaxConvDims]int
	byGemm bool // the packed-Gemm path (else per position)
	dead   bool // no tap reaches the input: y is the bias
	// pointwise: eff is a kernel of ones at stride 1 without offset, so
	// a group's input, transposed, is the left operand.
	pointwise bool
	w         []float32 // Filters × C/G × kept taps
	bias      []float32 // nil: no bias
	packed    []PackedB // per group, (C/G · kept taps) × F/G, when byGemm
	level     Level
}

// convGemmMin is the fewest output positions that PackedConv computes as
// one Gemm per group: Gemm's AVX2 tile computes six rows at a time, so
// two positions cost six rows' work, more than two Gemv (measured on Zen
// 3: at 4 positions the Gemm is 1.4× faster than four Gemv on Silero
// VAD's layers, at 2 positions 1.15× slower).
const convGemmMin = 3

// Pack packs the filters w (Filters × Channels/Groups × Kernel…, as Conv
// takes them) and the bias (Filters, or nil) for shape s at the active
// level. It panics, naming the sizes, if s is not valid (see Conv) or w or
// bias is too short; p must then be packed again before Conv.
func (p *PackedConv) Pack(s ConvShape, w, bias []float32) {
	p.s = p.copyShape(s)
	p.s.check("PackedConv.Pack", &p.out)
	s = p.s
	nd := len(s.In)
	Cg, Fg, K := s.Channels/s.Groups, s.Filters/s.Groups, prod(s.Kernel)
	switch {
	case len(w) < s.Filters*Cg*K:
		panic(fmt.Sprintf("kernel.PackedConv.Pack: len(w)=%d, want %d×%d×%v", len(w), s.Filters, Cg, s.Kernel))
	case bias != nil && len(bias) < s.Filters:
		panic(fmt.Sprintf("kernel.PackedConv.Pack: len(bias)=%d, want %d", len(bias), s.Filters))
	}
	// The taps kept, per dimension: lo..hi-1, from the first to the last
	// that some output position reads inside the input.
	var lo, hi [MaxConvDims]int
	p.dead = false
	effK, effPad := p.dims[6][:nd], p.dims[7][:nd]
	p.pointwise = true
	for j := 0; j < nd; j++ {
		lo[j], hi[j] = s.Kernel[j], 0
		st, dl, pb := or1(s.Stride, j), or1(s.Dilation, j), or0(s.PadBegin, j)
		for k := 0; k < s.Kernel[j]; k++ {
			// the output positions o whose read o·st − pb + k·dl is in [0, In)
			first := ceilDiv(pb-k*dl, st)
			if max(first, 0) < p.out[j] && max(first, 0)*st-pb+k*dl < s.In[j] {
				lo[j], hi[j] = min(lo[j], k), k+1
			}
		}
		if hi[j] == 0 {
			p.dead = true
			lo[j], hi[j] = 0, 1
		}
		effK[j], effPad[j] = hi[j]-lo[j], pb-lo[j]*dl
		p.pointwise = p.pointwise && effK[j] == 1 && st == 1 && effPad[j] == 0 && p.out[j] == s.In[j]
	}
	p.eff = ConvShape{Channels: s.Channels, Filters: s.Filters, Groups: s.Groups, In: s.In, Kernel: effK,
		Stride: s.Stride, Dilation: s.Dilation, PadBegin: effPad}
	p.bias = append(p.bias[:0], bias...)
	if bias == nil {
		p.bias = nil
	}
	// the kept taps of every filter and channel, in Conv's order
	Ke := prod(effK)
	p.w = grow(p.w, s.Filters*Cg*Ke)
	var k [MaxConvDims]int
	for e := 0; e < Ke; e++ {
		at := 0
		for j := 0; j < nd; j++ {
			at = at*s.Kernel[j] + lo[j] + k[j]
		}
		for fc := 0; fc < s.Filters*Cg; fc++ {
			p.w[fc*Ke+e] = w[fc*K+at]
		}
		advance(&k, effK)
	}
	if p.dead {
		clear(p.w)
	}
	P, ck := prod(p.out[:nd]), Cg*Ke
	p.byGemm = !p.dead && P >= convGemmMin && ck >= convTiny && !p.eff.depthwise1D()
	p.level = active
	if !p.byGemm {
		return
	}
	if cap(p.packed) < s.Groups {
		p.packed = make([]PackedB, s.Groups)
	}
	p.packed = p.packed[:s.Groups]
	for g := range p.packed {
		p.packed[g].Pack(Trans, MatrixFrom(Fg, ck, p.w[g*Fg*ck:(g+1)*Fg*ck]))
	}
}

// copyShape returns s with its slices copied into p.dims.
func (p *PackedConv) copyShape(s ConvShape) ConvShape {
	for i, v := range []*[]int{&s.In, &s.Kernel, &s.Stride, &s.Dilation, &s.PadBegin, &s.PadEnd} {
		if *v == nil {
			continue
		}
		if len(*v) > MaxConvDims {
			s.check("PackedConv.Pack", &p.out) // panics, naming the shape
		}
		*v = append(p.dims[i][:0], *v...)
	}
	return s
}

// grow returns buf with length n, reallocated only if too small.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// Shape returns the shape p was packed for (its slices are p's: do not
// change them).
func (p *PackedConv) Shape() ConvShape { return p.s }

// Level returns the level p was packed at.
func (p *PackedConv) Level() Level { return p.level }

// ColSize returns the length of the scratch buffer Conv needs: for the
// Gemm path, the patches of one group (none for a pointwise convolution)
// and its P×F/G product; per position, the patches and a column of y.
func (p *PackedConv) ColSize() int {
	s := &p.eff
	if len(s.In) == 0 {
		panic("kernel.PackedConv.ColSize: not packed")
	}
	P, ck, Fg := prod(p.out[:len(s.In)]), s.Channels/s.Groups*prod(s.Kernel), s.Filters/s.Groups
	switch {
	case p.dead:
		return 0
	case s.depthwise1D():
		return s.depthwiseColSize(P)
	case !p.byGemm:
		return ck*P + Fg
	case p.pointwise:
		return P*Fg + p.packASize(P, ck)
	}
	return P*ck + P*Fg + p.packASize(P, ck)
}

// packASize is the length of the buffer that Gemm packs a block of the
// patches into (gemmSerialPacked's a, aligned by gemmBuffers.pack): part of
// col rather than pooled, so that Conv allocates nothing even after a
// garbage collection has emptied Gemm's pool, and concurrent Convs do
// not share it.
func (p *PackedConv) packASize(P, ck int) int {
	cfg := p.packed[0].cfg
	return min(cfg.mc, roundUp(P, cfg.mr))*min(cfg.kc, ck) + 16
}

// Conv computes the convolution of one image x (Channels × In…) into y
// (Filters × Out…) with the packed filters, as Conv(y, x, w, bias, col,
// s) does; col is scratch of at least ColSize() elements whose contents do
// not matter. It panics, naming the sizes, if a buffer is too short or
// (for the Gemm path) the level has changed since Pack; y must not overlap
// x or col.
func (p *PackedConv) Conv(y, x, col []float32) {
	s := &p.s
	nd := len(s.In)
	if nd == 0 {
		panic("kernel.PackedConv.Conv: not packed")
	}
	P, inSize := prod(p.out[:nd]), prod(s.In)
	switch {
	case len(x) < s.Channels*inSize:
		panic(fmt.Sprintf("kernel.PackedConv.Conv: len(x)=%d, want %d×%v", len(x), s.Channels, s.In))
	case len(y) < s.Filters*P:
		panic(fmt.Sprintf("kernel.PackedConv.Conv: len(y)=%d, want Filters·∏Out=%d×%d", len(y), s.Filters, P))
	case len(col) < p.ColSize():
		panic(fmt.Sprintf("kernel.PackedConv.Conv: len(col)=%d, want ColSize()=%d", len(col), p.ColSize()))
	case p.byGemm && p.level != active:
		panic(fmt.Sprintf("kernel.PackedConv.Conv: packed at level %v, the active level is %v", p.level, active))
	}
	switch {
	case p.dead:
		for f := 0; f < s.Filters; f++ {
			var b float32
			if p.bias != nil {
				b = p.bias[f]
			}
			row := y[f*P : (f+1)*P]
			for i := range row {
				row[i] = b
			}
		}
	case !p.byGemm:
		convNarrowOut(y, x, p.w, p.bias, col, &p.eff, &p.out)
	default:
		p.gemm(y, x, col, P, inSize)
	}
}

// gemm is Conv's Gemm path: per group, the patches (P × C/G·kept taps)
// times the packed filters into t (P × F/G), as GemmPacked computes it
// but with its pack buffer in col, then tᵀ plus the bias into y.
func (p *PackedConv) gemm(y, x, col []float32, P, inSize int) {
	s := &p.eff
	Cg, Fg := s.Channels/s.Groups, s.Filters/s.Groups
	ck := Cg * prod(s.Kernel)
	for g := 0; g < s.Groups; g++ {
		xg := x[g*Cg*inSize : (g+1)*Cg*inSize]
		var a Matrix
		tA, rest := NoTrans, col
		if p.pointwise {
			a, tA = MatrixFrom(Cg, P, xg), Trans
		} else {
			im2row(col[:P*ck], xg, s, &p.out)
			a, rest = MatrixFrom(P, ck, col[:P*ck]), col[P*ck:]
		}
		t, ap := rest[:P*Fg], rest[P*Fg:]
		ap = ap[:p.packASize(P, ck):p.packASize(P, ck)]
		c := MatrixFrom(P, Fg, t)
		raceRead(a.span())
		raceWrite(c.span())
		gemmSerialPacked(gemmOperands{tA: bool(tA), alpha: 1, a: a, c: c, m: P, n: Fg, k: ck}, &p.packed[g], &gemmBuffers{a: ap})
		for f := 0; f < Fg; f++ {
			var b float32
			if p.bias != nil {
				b = p.bias[g*Fg+f]
			}
			row := y[(g*Fg+f)*P : (g*Fg+f+1)*P]
			for i := range row {
				row[i] = t[i*Fg+f] + b
			}
		}
	}
}
