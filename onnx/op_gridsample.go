package onnx

import "math"

// GridSample (opset 16; torch.nn.functional.grid_sample exports it, the
// warp of spatial transformers and optical flow): Y[n, c, h, w] is X[n, c]
// sampled at the point grid[n, h, w] = (x, y), normalized to [-1, 1] over
// the width and the height. X is N×C×H×W and grid N×Ho×Wo×2; Y is
// N×C×Ho×Wo. Modes bilinear, nearest (ties to even, as torch's nearbyint)
// and bicubic (A = −0.75 over 4×4 taps); opset 20 names them linear,
// nearest and cubic. align_corners maps ±1 to the centres of the corner
// pixels (1) or to their outer edges (0). padding_mode says what lies
// outside: zeros, the border pixels (border: the point is clamped), or
// the reflection of the image at its edges (reflection). As torch does,
// bilinear and nearest move the point into the image first (border,
// reflection), while bicubic moves each of its taps. The coordinates and
// the sums are in float64, rounded once. A NaN coordinate gives NaN; an
// infinite one lies outside the image (its reflection too), and border
// clamps it to the edge. Only two spatial dimensions are run (opset 20
// allows more).

func init() {
	register("GridSample", 16, buildGridSample)
}

const (
	gridZeros = iota
	gridBorder
	gridReflection
)

func buildGridSample(c *nodeCtx) (func() error, error) {
	ts, err := c.needAll(2, Float)
	if err != nil {
		return nil, err
	}
	x, grid := ts[0], ts[1]
	if len(x.Dims) != 4 {
		if len(x.Dims) > 2 {
			return nil, c.unsupported("X of %d spatial dimensions (only 2)", len(x.Dims)-2)
		}
		return nil, c.shapeErr("X %v: want N×C×H×W", x.Dims)
	}
	N, C, H, W := x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3]
	if len(grid.Dims) != 4 || grid.Dims[0] != N || grid.Dims[3] != 2 {
		return nil, c.shapeErr("grid %v for X %v: want %d×Ho×Wo×2", grid.Dims, x.Dims, N)
	}
	Ho, Wo := grid.Dims[1], grid.Dims[2]
	if (H == 0 || W == 0) && N*C*Ho*Wo > 0 {
		return nil, c.shapeErr("X %v has no pixels to sample for an output of %d×%d×%d×%d", x.Dims, N, C, Ho, Wo)
	}
	linear, cubic := "bilinear", "bicubic"
	if c.opset >= 20 {
		linear, cubic = "linear", "cubic"
	}
	mode := c.attrString("mode", linear)
	if mode != linear && mode != cubic && mode != "nearest" {
		return nil, c.unsupported("attribute mode %q", mode)
	}
	var pad int
	switch p := c.attrString("padding_mode", "zeros"); p {
	case "zeros":
		pad = gridZeros
	case "border":
		pad = gridBorder
	case "reflection":
		pad = gridReflection
	default:
		return nil, c.unsupported("attribute padding_mode %q", p)
	}
	align := c.attrInt("align_corners", 0)
	if align != 0 && align != 1 {
		return nil, c.unsupported("attribute align_corners=%d", align)
	}
	y, err := c.output(0, Float, []int{N, C, Ho, Wo})
	if err != nil {
		return nil, err
	}
	sx := gridAxis{size: W, align: align == 1, pad: pad}
	sy := gridAxis{size: H, align: align == 1, pad: pad}
	plane, out := H*W, Ho*Wo
	return func() error {
		for n := range N {
			for p := range out {
				gx, gy := float64(grid.Float[(n*out+p)*2]), float64(grid.Float[(n*out+p)*2+1])
				ix, iy := sx.unnormalize(gx), sy.unnormalize(gy)
				for ch := range C {
					src := x.Float[(n*C+ch)*plane : (n*C+ch+1)*plane]
					var v float64
					switch {
					case ix != ix || iy != iy:
						v = math.NaN()
					case mode == "nearest":
						v = gridTap(src, W, sx.index(sx.move(ix), true), sy.index(sy.move(iy), true))
					case mode == cubic:
						v = gridCubic(src, W, &sx, &sy, ix, iy)
					default:
						v = gridLinear(src, W, sx.move(ix), sy.move(iy))
					}
					y.Float[(n*C+ch)*out+p] = float32(v)
				}
			}
		}
		return nil
	}, nil
}

// gridAxis maps normalized coordinates along one spatial axis of size
// pixels to pixel coordinates.
type gridAxis struct {
	size  int
	align bool
	pad   int
}

// unnormalize maps [-1, 1] to pixel coordinates: the corner pixels'
// centres with align_corners, their outer edges without.
func (a *gridAxis) unnormalize(g float64) float64 {
	if a.align {
		return (g + 1) / 2 * float64(a.size-1)
	}
	return ((g+1)*float64(a.size) - 1) / 2
}

// move applies padding_mode to a pixel coordinate: unchanged for zeros,
// clamped into the image for border, reflected at the edges (the corner
// pixels' centres with align_corners, their outer edges without) and then
// clamped for reflection.
func (a *gridAxis) move(v float64) float64 {
	last := float64(a.size - 1)
	switch a.pad {
	case gridBorder:
		return min(max(v, 0), last)
	case gridReflection:
		if a.align {
			v = reflectCoord(v, 0, last)
		} else {
			v = reflectCoord(v, -0.5, last+0.5)
		}
		return min(max(v, 0), last)
	}
	return v
}

// index is the pixel of coordinate v (rounded to the nearest, ties to
// even, when round is set; v is integral otherwise), or −1 outside.
func (a *gridAxis) index(v float64, round bool) int {
	if round {
		v = math.RoundToEven(v)
	}
	if !(v >= 0 && v <= float64(a.size-1)) { // NaN too
		return -1
	}
	return int(v)
}

// reflectCoord reflects v into [lo, hi] as torch's reflect_coordinates
// does (repeated reflections at either edge).
func reflectCoord(v, lo, hi float64) float64 {
	span := hi - lo
	if span <= 0 {
		return 0
	}
	v = math.Abs(v - lo)
	extra := math.Mod(v, span)
	if math.Mod(math.Floor(v/span), 2) == 0 {
		return lo + extra
	}
	return hi - extra
}

// gridTap is src[iy, ix] of a plane of width w, 0 outside (an index −1).
func gridTap(src []float32, w, ix, iy int) float64 {
	if ix < 0 || iy < 0 {
		return 0
	}
	return float64(src[iy*w+ix])
}

// gridLinear interpolates bilinearly at (ix, iy); taps outside are 0.
func gridLinear(src []float32, w int, ix, iy float64) float64 {
	h := len(src) / w
	x0, y0 := math.Floor(ix), math.Floor(iy)
	fx, fy := ix-x0, iy-y0
	var v float64
	for j := range 2 {
		yy := y0 + float64(j)
		if !(yy >= 0 && yy <= float64(h-1)) {
			continue
		}
		wy := 1 - fy
		if j == 1 {
			wy = fy
		}
		for i := range 2 {
			xx := x0 + float64(i)
			if !(xx >= 0 && xx <= float64(w-1)) {
				continue
			}
			wx := 1 - fx
			if i == 1 {
				wx = fx
			}
			v += wx * wy * float64(src[int(yy)*w+int(xx)])
		}
	}
	return v
}

// gridCubic interpolates bicubically (A = −0.75) at (ix, iy), the padding
// applied to each of the 4×4 taps.
func gridCubic(src []float32, w int, sx, sy *gridAxis, ix, iy float64) float64 {
	x0, y0 := math.Floor(ix), math.Floor(iy)
	cx, cy := cubicWeights(ix-x0), cubicWeights(iy-y0)
	var v float64
	for j := range 4 {
		yy := sy.index(sy.move(y0-1+float64(j)), false)
		if yy < 0 {
			continue
		}
		for i := range 4 {
			xx := sx.index(sx.move(x0-1+float64(i)), false)
			v += cx[i] * cy[j] * gridTap(src, w, xx, yy)
		}
	}
	return v
}

// cubicWeights are the 4 taps' weights at fraction t of Keys' cubic
// convolution with A = −0.75 (torch's upsample_bicubic and grid_sample).
func cubicWeights(t float64) [4]float64 {
	const a = -0.75
	near := func(x float64) float64 { return ((a+2)*x-(a+3))*x*x + 1 }
	far := func(x float64) float64 { return ((a*x-5*a)*x+8*a)*x - 4*a }
	return [4]float64{far(t + 1), near(t), near(1 - t), far(2 - t)}
}
