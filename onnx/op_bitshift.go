package onnx

// BitShift(X, Y): X shifted left or right (the attribute direction,
// "LEFT" or "RIGHT") by Y bits, elementwise with numpy broadcasting, on
// the unsigned integer types the package computes on (UINT8, UINT16,
// UINT32; UINT64 is refused as a data type). Bits shifted past the type's
// width are lost, and a shift by the width or more gives 0.

func init() {
	register("BitShift", 11, buildBitShift)
}

func buildBitShift(c *nodeCtx) (func() error, error) {
	dir := c.attrString("direction", "")
	if c.err != nil {
		return nil, c.err
	}
	left := dir == "LEFT"
	if !left && dir != "RIGHT" {
		return nil, c.unsupported("direction %q (want LEFT or RIGHT)", dir)
	}
	bin, err := planBinary(c, nil, Uint8, Uint16, Uint32)
	if err != nil {
		return nil, err
	}
	var width uint64
	switch bin.a.DType {
	case Uint8:
		width = 8
	case Uint16:
		width = 16
	default:
		width = 32
	}
	mask := uint64(1)<<width - 1
	a, b, out := bin.a, bin.b, bin.out
	return func() error {
		bin.plan.blocks(func(o, n, ao, bo, sa, sb int) {
			for i := range n {
				x, s := uint64(a.Int[ao+i*sa]), uint64(b.Int[bo+i*sb])
				var r uint64
				switch {
				case s >= width:
				case left:
					r = x << s & mask
				default:
					r = x >> s
				}
				out.Int[o+i] = int64(r)
			}
		})
		return nil
	}, nil
}
