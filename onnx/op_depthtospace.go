package onnx

import "fmt"

// DepthToSpace and SpaceToDepth (opset 1 on), over every type a session
// holds: index maps built while planning (mappedOutput). X is N×C×H×W and
// blocksize b ≥ 1.
//
// DepthToSpace moves b·b blocks of channels into b×b spatial blocks:
// Y is N×(C/b²)×(H·b)×(W·b), and Y[n, c, h·b+i, w·b+j] is
// X[n, (i·b+j)·C/b² + c, h, w] in mode DCR (depth, column, row: the only
// mode before opset 11, and the default) or X[n, c·b² + i·b + j, h, w] in
// mode CRD. SpaceToDepth is the inverse of DCR: Y is N×(C·b²)×(H/b)×(W/b)
// and Y[n, (i·b+j)·C + c, h, w] is X[n, c, h·b+i, w·b+j].

func init() {
	register("DepthToSpace", 1, buildDepthToSpace)
	register("SpaceToDepth", 1, buildSpaceToDepth)
}

// blockInput returns input 0 (N×C×H×W) and the blocksize attribute.
func blockInput(c *nodeCtx) (*Tensor, int, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, 0, err
	}
	if len(x.Dims) != 4 {
		return nil, 0, c.shapeErr("%s of X %v: want N×C×H×W", c.node.OpType, x.Dims)
	}
	if c.node.Attr("blocksize") == nil {
		return nil, 0, c.shapeErr("%s without the attribute blocksize", c.node.OpType)
	}
	b := c.attrInt("blocksize", 1)
	if b < 1 || b > 1<<15 {
		return nil, 0, c.shapeErr("%s with blocksize %d", c.node.OpType, b)
	}
	return x, int(b), nil
}

func buildDepthToSpace(c *nodeCtx) (func() error, error) {
	x, b, err := blockInput(c)
	if err != nil {
		return nil, err
	}
	mode := "DCR"
	if c.opset >= 11 {
		mode = c.attrString("mode", "DCR")
	}
	if mode != "DCR" && mode != "CRD" {
		return nil, c.unsupported("attribute mode %q", mode)
	}
	N, C, H, W := x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3]
	if C%(b*b) != 0 {
		return nil, c.shapeErr("DepthToSpace of X %v with blocksize %d: the channels are not a multiple of %d", x.Dims, b, b*b)
	}
	Co := C / (b * b)
	if float64(H)*float64(b) > maxTensorElements || float64(W)*float64(b) > maxTensorElements {
		return nil, fmt.Errorf("%w: DepthToSpace of X %v with blocksize %d", ErrLimit, x.Dims, b)
	}
	crd := mode == "CRD"
	return mappedOutput(c, x, []int{N, Co, H * b, W * b}, nil, func(o []int) int {
		h, i, w, j := o[2]/b, o[2]%b, o[3]/b, o[3]%b
		ch := (i*b+j)*Co + o[1]
		if crd {
			ch = o[1]*b*b + i*b + j
		}
		return ((o[0]*C+ch)*H+h)*W + w
	})
}

func buildSpaceToDepth(c *nodeCtx) (func() error, error) {
	x, b, err := blockInput(c)
	if err != nil {
		return nil, err
	}
	N, C, H, W := x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3]
	if H%b != 0 || W%b != 0 {
		return nil, c.shapeErr("SpaceToDepth of X %v with blocksize %d: the height and width are not multiples of it", x.Dims, b)
	}
	if float64(C)*float64(b)*float64(b) > maxTensorElements {
		return nil, fmt.Errorf("%w: SpaceToDepth of X %v with blocksize %d", ErrLimit, x.Dims, b)
	}
	return mappedOutput(c, x, []int{N, C * b * b, H / b, W / b}, nil, func(o []int) int {
		blk, ch := o[1]/C, o[1]%C
		i, j := blk/b, blk%b
		return ((o[0]*C+ch)*H+o[2]*b+i)*W + o[3]*b + j
	})
}
