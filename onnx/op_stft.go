package onnx

import "github.com/simdcore/simdcore/kernel"

// STFT (opset 17): the short-time Fourier transform of signal
// [batch, length, 1] (real) or [batch, length, 2] (complex). Frame i of
// each signal is the frame_length samples from i·frame_step, times the
// window when one is given; its DFT (see DFT) is output[b, i, :, :]:
// output [batch, frames, bins, 2] with frames = 1 + (length −
// frame_length)/frame_step and bins = frame_length, or ⌊frame_length/2⌋+1
// with onesided=1 (the default), which takes a real signal only.
// frame_step and frame_length are integer scalars known while planning;
// the window [frame_length] may be computed at run time. frame_length
// comes from its input or, when that is omitted, the window's length;
// given both, they must agree.
//
// As for DFT, the transform is a product with a matrix computed while
// planning; a window known then is folded into it. The frames are read in
// place when they do not overlap and the window is known, else copied
// (and windowed) into scratch.

func init() {
	register("STFT", 17, buildSTFT)
}

func buildSTFT(c *nodeCtx) (func() error, error) {
	x, err := c.needTyped(0, Float)
	if err != nil {
		return nil, err
	}
	if len(x.Dims) != 3 || (x.Dims[2] != 1 && x.Dims[2] != 2) {
		return nil, c.shapeErr("STFT of signal %v: want [batch, length, 1] (real) or [batch, length, 2] (complex)", x.Dims)
	}
	batch, length, cin := x.Dims[0], x.Dims[1], x.Dims[2]
	sv, err := knownScalarInt(c, 1, "frame_step")
	if err != nil {
		return nil, err
	}
	if sv < 1 {
		return nil, c.shapeErr("frame_step %d, want at least 1", sv)
	}
	step := int(min(sv, int64(length)+1)) // a step beyond the signal gives one frame
	win := c.input(2)
	fl := -1
	if win != nil {
		if err := c.needType(win, Float); err != nil {
			return nil, err
		}
		if len(win.Dims) != 1 {
			return nil, c.shapeErr("STFT window %v, want one dimension", win.Dims)
		}
		fl = win.Dims[0]
	}
	if c.input(3) != nil {
		v, err := knownScalarInt(c, 3, "frame_length")
		if err != nil {
			return nil, err
		}
		if win != nil && v != int64(fl) {
			return nil, c.shapeErr("STFT frame_length %d and window %v disagree", v, win.Dims)
		}
		if fl, err = knownSize(c, v, "frame_length"); err != nil {
			return nil, err
		}
	}
	if fl < 0 {
		return nil, c.shapeErr("STFT without a window or a frame_length")
	}
	if fl < 1 || fl > length {
		return nil, c.shapeErr("STFT frame_length %d for a signal of length %d", fl, length)
	}
	bins := fl
	if c.attrInt("onesided", 1) != 0 {
		if cin == 2 {
			return nil, c.unsupported("onesided=1 with a complex signal (only for a real one)")
		}
		bins = fl/2 + 1
	}
	frames := 1 + (length-fl)/step
	y, err := c.output(0, Float, []int{batch, frames, bins, 2})
	if err != nil {
		return nil, err
	}
	rows, k, cols := batch*frames, fl*cin, 2*bins
	if rows == 0 {
		return func() error { return nil }, nil
	}
	if err := checkDFTWork(c, rows, k, cols); err != nil {
		return nil, err
	}
	var fold []float32 // a window known while planning, folded into the matrix
	if win != nil && c.known(2) {
		fold = win.Float
	}
	po, err := dftMatrix(c, fl, cin, fl, bins, false, fold)
	if err != nil {
		return nil, err
	}
	if (win == nil || fold != nil) && step*cin >= k {
		// Frames that do not overlap are rows in place, one product per
		// signal.
		sig := length * cin
		return func() error {
			for b := range batch {
				a := kernel.Matrix{Rows: frames, Cols: k, Stride: step * cin, Data: x.Float[b*sig : (b+1)*sig]}
				po.gemm(kernel.NoTrans, 1, a, 0, kernel.MatrixFrom(frames, cols, y.Float[b*frames*cols:(b+1)*frames*cols]))
			}
			return nil
		}, nil
	}
	in, err := scratch[float32](c, rows*k)
	if err != nil {
		return nil, err
	}
	a, out := kernel.MatrixFrom(rows, k, in), kernel.MatrixFrom(rows, cols, y.Float)
	var w []float32 // a window known only at run time, applied to the copies
	if win != nil && fold == nil {
		w = win.Float
	}
	return func() error {
		for b := range batch {
			sig := x.Float[b*length*cin:]
			for i := range frames {
				dst, src := in[(b*frames+i)*k:][:k], sig[i*step*cin:][:k]
				if w == nil {
					copy(dst, src)
					continue
				}
				for t, wt := range w {
					for ch := range cin {
						dst[t*cin+ch] = src[t*cin+ch] * wt
					}
				}
			}
		}
		po.gemm(kernel.NoTrans, 1, a, 0, out)
		return nil
	}, nil
}
