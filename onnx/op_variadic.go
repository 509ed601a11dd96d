package onnx

// The variadic elementwise operators Max, Min, Sum and Mean, with numpy
// broadcasting of all their inputs, and Tile.

func init() {
	for _, name := range []string{"Max", "Min", "Sum", "Mean"} {
		register(name, 1, variadicBuilder(name))
	}
	register("Tile", 6, buildTile)
}

func variadicBuilder(name string) opBuilder {
	return func(c *nodeCtx) (func() error, error) {
		types := []DataType{Float}
		if name != "Mean" {
			types = append(types, intTypes...)
		}
		if c.nIn() == 0 {
			return nil, c.shapeErr("%s takes at least one input", name)
		}
		ins, err := c.needAll(c.nIn(), types...)
		if err != nil {
			return nil, err
		}
		shapes := make([][]int, len(ins))
		for i, t := range ins {
			if t.DType != ins[0].DType {
				return nil, c.shapeErr("input %d is %v, input 0 %v", i, t.DType, ins[0].DType)
			}
			if c.opset < 8 && !equalDims(t.Dims, ins[0].Dims) {
				return nil, c.shapeErr("input %d has shape %v, input 0 %v (no broadcasting before opset 8)", i, t.Dims, ins[0].Dims)
			}
			shapes[i] = t.Dims
		}
		dims, err := broadcastDims(shapes...)
		if err != nil {
			return nil, err
		}
		y, err := c.output(0, ins[0].DType, dims)
		if err != nil {
			return nil, err
		}
		idx := make([][]int32, len(ins))
		for i, t := range ins {
			if idx[i], err = broadcastIndex(c, t.Dims, dims); err != nil {
				return nil, err
			}
		}
		if y.DType == Float {
			return func() error {
				for i := range y.Float {
					acc := ins[0].Float[idx[0][i]]
					for k := 1; k < len(ins); k++ {
						v := ins[k].Float[idx[k][i]]
						switch name {
						case "Max":
							acc = nanMax(acc, v)
						case "Min":
							acc = nanMin(acc, v)
						default:
							acc += v
						}
					}
					if name == "Mean" {
						acc /= float32(len(ins))
					}
					y.Float[i] = acc
				}
				return nil
			}, nil
		}
		lo, hi := intRange(y.DType)
		return func() error {
			for i := range y.Int {
				acc := ins[0].Int[idx[0][i]]
				for k := 1; k < len(ins); k++ {
					v := ins[k].Int[idx[k][i]]
					switch name {
					case "Max":
						acc = max(acc, v)
					case "Min":
						acc = min(acc, v)
					default:
						acc = wrap(acc+v, lo, hi)
					}
				}
				y.Int[i] = acc
			}
			return nil
		}, nil
	}
}

// nanMax and nanMin propagate NaN, as ONNX's Max and Min do.
func nanMax(a, b float32) float32 {
	if a != a || b != b {
		return a + b
	}
	return max(a, b)
}

func nanMin(a, b float32) float32 {
	if a != a || b != b {
		return a + b
	}
	return min(a, b)
}

func buildTile(c *nodeCtx) (func() error, error) {
	x, err := c.need(0)
	if err != nil {
		return nil, err
	}
	reps, err := c.knownInts(1, "repeats")
	if err != nil {
		return nil, err
	}
	if len(reps) != len(x.Dims) {
		return nil, c.shapeErr("repeats %v for shape %v", reps, x.Dims)
	}
	dims := make([]int, len(x.Dims))
	for i, r := range reps {
		if r < 0 || r > maxIndex {
			return nil, c.shapeErr("repeats %v", reps)
		}
		dims[i] = x.Dims[i] * int(r)
	}
	st := strides(x.Dims)
	return mappedOutput(c, x, dims, nil, func(coord []int) int {
		o := 0
		for k, v := range coord {
			o += (v % x.Dims[k]) * st[k]
		}
		return o
	})
}
