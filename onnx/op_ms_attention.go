package onnx

import (
	"math"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// Attention (domain com.microsoft), the fused multi-head self-attention
// ONNX Runtime's transformer optimizer writes for BERT-like layers:
// input [B, S, D] (float32), weights [D, Hq+Hk+Hv] (the Q, K and V
// projections side by side; Hq = Hk = Hv = hidden unless
// qkv_hidden_sizes gives them), bias [Hq+Hk+Hv], mask_index (optional,
// int32), num_heads N. Q, K, V = input·W + bias; each head h (of size
// Hq/N for Q and K, Hv/N for V) attends as softmax(scale·Q_h·K_hᵀ + M)·V_h,
// scale the attribute (0: 1/√(Hq/N)); the heads' outputs side by side
// are the output [B, S, Hv]. The additive mask M is ONNX Runtime's:
// mask_index [B] (keys from the end position on get mask_filter_value,
// −10000 by default), [2B] (also the keys before the start position),
// [B, T] or [B, S, T] (a 0 gives mask_filter_value, anything else 0);
// unidirectional sets the keys after each query to the lowest float32.
// Past state (past, past_sequence_length, present), attention_bias and
// rotary embeddings are refused. The heads run on attn.SelfAttention; a
// query whose keys are all masked by a mask_filter_value of −Inf gives
// NaN, as ONNX Runtime's softmax does.

func init() {
	registerMS("Attention", buildAttention)
}

func buildAttention(c *nodeCtx) (func() error, error) {
	in, err := c.needAll(3, Float)
	if err != nil {
		return nil, err
	}
	x, w, bias := in[0], in[1], in[2]
	nHeads := c.attrInt("num_heads", 0)
	causal := c.attrInt("unidirectional", 0) != 0
	filter := c.attrFloat("mask_filter_value", -10000)
	scale := c.attrFloat("scale", 0)
	if c.attrInt("do_rotary", 0) != 0 {
		return nil, c.unsupported("Attention do_rotary=1")
	}
	sizes, given, err := c.attrInts("qkv_hidden_sizes")
	if err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	for i := 4; i < c.nIn(); i++ {
		if c.input(i) != nil {
			return nil, c.unsupported("Attention input %d (past state or attention_bias)", i)
		}
	}
	if c.wants(1) {
		return nil, c.unsupported("Attention output present")
	}
	if len(x.Dims) != 3 || len(w.Dims) != 2 || len(bias.Dims) != 1 {
		return nil, c.shapeErr("Attention of input %v, weights %v, bias %v: want 3-D, 2-D, 1-D", x.Dims, w.Dims, bias.Dims)
	}
	B, S, D := x.Dims[0], x.Dims[1], x.Dims[2]
	cols := w.Dims[1]
	hq, hk, hv := cols/3, cols/3, cols/3
	if given {
		if len(sizes) != 3 || sizes[0] != sizes[1] || sizes[0] < 1 || sizes[2] < 1 || sizes[0]+sizes[1]+sizes[2] != int64(cols) {
			return nil, c.shapeErr("Attention qkv_hidden_sizes %v for weights %v", sizes, w.Dims)
		}
		hq, hk, hv = int(sizes[0]), int(sizes[1]), int(sizes[2])
	} else if cols%3 != 0 {
		return nil, c.shapeErr("Attention weights %v: want [D, 3·hidden]", w.Dims)
	}
	if w.Dims[0] != D || bias.Dims[0] != cols {
		return nil, c.shapeErr("Attention of input %v, weights %v, bias %v", x.Dims, w.Dims, bias.Dims)
	}
	if nHeads < 1 || int64(hq)%nHeads != 0 || int64(hv)%nHeads != 0 || hq == 0 {
		return nil, c.shapeErr("Attention num_heads=%d for hidden sizes %d, %d", nHeads, hq, hv)
	}
	N := int(nHeads)
	dq, dv := hq/N, hv/N
	if scale == 0 {
		scale = 1 / float32(math.Sqrt(float64(dq)))
	}
	if math.IsNaN(float64(scale)) || math.IsInf(float64(scale), 0) {
		return nil, c.shapeErr("Attention scale %v", scale)
	}
	mask := c.input(3)
	T := S
	if mask != nil {
		if err := c.needType(mask, Int32); err != nil {
			return nil, err
		}
		ok := false
		switch len(mask.Dims) {
		case 1:
			ok = mask.Dims[0] == B || mask.Dims[0] == 2*B
		case 2:
			ok = equalDims(mask.Dims, []int{B, T})
		case 3:
			ok = equalDims(mask.Dims, []int{B, S, T})
		}
		if !ok {
			return nil, c.unsupported("Attention mask_index of shape %v for batch %d, sequence %d", mask.Dims, B, S)
		}
	}
	y, err := c.output(0, Float, []int{B, S, hv})
	if err != nil {
		return nil, err
	}
	rows := B * S
	if rows == 0 {
		return func() error { return nil }, nil
	}
	qkv, err := scratch[float32](c, rows*cols)
	if err != nil {
		return nil, err
	}
	var addMask []float32
	if mask != nil || causal {
		if addMask, err = scratch[float32](c, B*S*T); err != nil {
			return nil, err
		}
	}
	var po *packedOperand
	wm := kernel.MatrixFrom(D, cols, w.Float)
	if c.known(1) && D > 0 {
		if po, err = packOperand(c, kernel.NoTrans, wm, w); err != nil {
			return nil, err
		}
	}
	qm := kernel.MatrixFrom(rows, cols, qkv)
	negInfFilter := addMask != nil && math.IsInf(float64(filter), -1)
	return func() error {
		for r := range rows {
			copy(qkv[r*cols:(r+1)*cols], bias.Float)
		}
		if D > 0 {
			xm := kernel.MatrixFrom(rows, D, x.Float)
			if po != nil {
				po.gemm(kernel.NoTrans, 1, xm, 1, qm)
			} else {
				kernel.Gemm(kernel.NoTrans, kernel.NoTrans, 1, xm, wm, 1, qm)
			}
		}
		if addMask != nil {
			attentionMask(addMask, mask, B, S, T, filter, causal)
		}
		for b := range B {
			opt := attn.Options{Scale: scale}
			if addMask != nil {
				opt.Mask = addMask[b*S*T : (b+1)*S*T]
			}
			base := b * S * cols
			for h := range N {
				view := func(off, width, stride int, data []float32) kernel.Matrix {
					return kernel.Matrix{Rows: S, Cols: width, Stride: stride, Data: data[off : off+(S-1)*stride+width]}
				}
				q := view(base+h*dq, dq, cols, qkv)
				k := view(base+hq+h*dq, dq, cols, qkv)
				v := view(base+hq+hk+h*dv, dv, cols, qkv)
				dst := view(b*S*hv+h*dv, dv, hv, y.Float)
				if err := attn.SelfAttention(dst, q, k, v, opt); err != nil {
					return err
				}
			}
			if negInfFilter {
				// A query whose every key is masked by −Inf: ONNX
				// Runtime's softmax of −Inf − (−Inf) is NaN (attn's, 0).
				for s := range S {
					if allNegInf(opt.Mask[s*T : (s+1)*T]) {
						out := y.Float[(b*S+s)*hv : (b*S+s+1)*hv]
						for i := range out {
							out[i] = float32(math.NaN())
						}
					}
				}
			}
		}
		return nil
	}, nil
}

// attentionMask fills m (B×S×T) with ONNX Runtime's additive attention
// mask for mask_index (nil: none) and unidirectional.
func attentionMask(m []float32, mask *Tensor, B, S, T int, filter float32, causal bool) {
	clear(m)
	for b := range B {
		p := m[b*S*T : (b+1)*S*T]
		if mask != nil {
			switch len(mask.Dims) {
			case 3:
				for i, v := range mask.Int[b*S*T : (b+1)*S*T] {
					if v <= 0 {
						p[i] = filter
					}
				}
			case 2:
				for i, v := range mask.Int[b*T : (b+1)*T] {
					if v <= 0 {
						p[i] = filter
					}
				}
			case 1:
				end := max(0, int(mask.Int[b]))
				for j := end; j < T; j++ {
					p[j] = filter
				}
				if mask.Dims[0] == 2*B {
					start := min(max(0, int(mask.Int[B+b])), T)
					for j := range start {
						p[j] = filter
					}
				}
			}
			if len(mask.Dims) < 3 {
				for s := 1; s < S; s++ {
					copy(p[s*T:(s+1)*T], p[:T])
				}
			}
		}
		if causal {
			for s := 0; s < S; s++ {
				for j := s + 1; j < T; j++ {
					p[s*T+j] = -math.MaxFloat32
				}
			}
		}
	}
}

// allNegInf reports whether row is not empty and all −Inf.
func allNegInf(row []float32) bool {
	for _, v := range row {
		if !math.IsInf(float64(v), -1) {
			return false
		}
	}
	return len(row) > 0
}
