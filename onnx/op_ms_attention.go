package onnx

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// Attention (domain com.microsoft), the fused multi-head self-attention
// ONNX Runtime's transformer optimizer writes for BERT-like layers and
// GPT-2-style decoders: input [B, S, D] (float32), weights [D, Hq+Hk+Hv]
// (the Q, K and V projections side by side; Hq = Hk = Hv = hidden unless
// qkv_hidden_sizes gives them), bias [Hq+Hk+Hv], mask_index (optional,
// int32), past (optional, [2, B, N, P, Hk/N]: the keys and values of P
// earlier positions), num_heads N. Q, K, V = input·W + bias; the keys and
// values are past's followed by the S new ones, T = P + S of them, and
// the optional present output [2, B, N, T, Hk/N] holds them (without past,
// the new ones alone; with past, ONNX Runtime requires it). Each head h (of size Hq/N for Q and K, Hv/N for V)
// attends as softmax(scale·Q_h·K_hᵀ + M)·V_h, scale the attribute (0:
// 1/√(Hq/N)); the heads' outputs side by side are the output [B, S, Hv].
// The additive mask M (S×T per batch) is ONNX Runtime's: mask_index [B]
// (keys from the end position on get mask_filter_value, −10000 by
// default; an end below 0 is an ErrInput error from Run, as ONNX Runtime
// refuses it), [2B] (also the keys before the start position), [B, T] or
// [B, S, T] (a value ≤ 0 gives mask_filter_value, a positive one 0), [B, 1] or
// [1, 1] other than [B, T] (no mask, as ONNX Runtime reads them); unidirectional sets the keys
// after each query's own position P + s to the lowest float32. Past and
// present need Hk = Hv, as ONNX Runtime's. Refused: the 4-D Megatron
// mask_index (ONNX Runtime's CPU kernel has none), attention_bias,
// past_sequence_length and past_present_share_buffer, rotary embeddings.
// The heads run on attn.SelfAttention; a query whose keys are all masked
// by a mask_filter_value of −Inf gives NaN, as ONNX Runtime's softmax
// does.

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
	if c.attrInt("past_present_share_buffer", 0) != 0 {
		return nil, c.unsupported("Attention past_present_share_buffer=1")
	}
	if c.err != nil {
		return nil, c.err
	}
	for i := 5; i < c.nIn(); i++ {
		if c.input(i) != nil {
			return nil, c.unsupported("Attention input %d (attention_bias or past_sequence_length)", i)
		}
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
	past, P, err := attentionPast(c, B, N, hk, hv)
	if err != nil {
		return nil, err
	}
	wantPresent := c.wants(1)
	if past != nil && !wantPresent {
		return nil, fmt.Errorf("%w: Attention input past without output present (ONNX Runtime requires it)", ErrFormat)
	}
	if wantPresent && hk != hv {
		return nil, c.shapeErr("Attention output present with key and value hidden sizes %d, %d: want them equal", hk, hv)
	}
	T := P + S
	mask := c.input(3)
	if mask != nil && len(mask.Dims) == 2 && mask.Dims[1] == 1 && (mask.Dims[0] == B || mask.Dims[0] == 1) && !(mask.Dims[0] == B && T == 1) {
		if err := c.needType(mask, Int32); err != nil {
			return nil, err
		}
		mask = nil // ONNX Runtime's [B, 1] or [1, 1] "dummy" mask: none
	}
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
	// kv, present's buffer, holds the keys and then the values,
	// [2, B, N, T, d].
	var kv []float32
	if wantPresent {
		pt, err := c.output(1, Float, []int{2, B, N, T, hk / N})
		if err != nil {
			return nil, err
		}
		kv = pt.Float
	}
	rows := B * S
	if rows == 0 {
		if past != nil {
			// No new positions: present is past.
			return func() error { copy(kv, past.Float); return nil }, nil
		}
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
			if err := attentionMask(addMask, mask, B, S, P, filter, causal); err != nil {
				return err
			}
		}
		if kv != nil {
			appendKV(kv, past, qkv, B, N, S, P, hq, dq, cols)
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
				if kv != nil {
					off := (b*N + h) * T * dq
					k = kernel.MatrixFrom(T, dq, kv[off:off+T*dq])
					off += B * N * T * dq
					v = kernel.MatrixFrom(T, dv, kv[off:off+T*dv])
				}
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

// attentionMask fills m (B×S×T, T = P + S) with ONNX Runtime's additive
// attention mask for mask_index (nil: none) and unidirectional, the
// queries being positions P to P+S−1 of the T keys. A 1-D mask_index's
// end position below 0 is an ErrInput error, as ONNX Runtime refuses it.
func attentionMask(m []float32, mask *Tensor, B, S, P int, filter float32, causal bool) error {
	if mask != nil && len(mask.Dims) == 1 {
		for b, v := range mask.Int[:B] {
			if v < 0 {
				return fmt.Errorf("%w: Attention mask_index end position %d (index %d) is negative", ErrInput, v, b)
			}
		}
	}
	T := P + S
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
				for j := P + s + 1; j < T; j++ {
					p[s*T+j] = -math.MaxFloat32
				}
			}
		}
	}
	return nil
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

// attentionPast checks Attention's past input (4) against batch B, N heads
// and key and value hidden sizes hk, hv: nil and 0 when absent, else the
// tensor and its length P.
func attentionPast(c *nodeCtx, B, N, hk, hv int) (*Tensor, int, error) {
	past := c.input(4)
	if past == nil {
		return nil, 0, nil
	}
	if err := c.needType(past, Float); err != nil {
		return nil, 0, err
	}
	if hk != hv {
		return nil, 0, c.shapeErr("Attention past with key and value hidden sizes %d, %d: want them equal", hk, hv)
	}
	d := past.Dims
	if len(d) != 5 || d[0] != 2 || d[1] != B || d[2] != N || d[4] != hk/N {
		return nil, 0, c.shapeErr("Attention past of shape %v: want [2 %d %d P %d]", d, B, N, hk/N)
	}
	return past, d[3], nil
}

// appendKV writes into kv ([2, B, N, T, d], T = P + S) the keys and then the
// values: past's P positions (past [2, B, N, P, d], nil when P is 0)
// followed by the S new ones, read from qkv (rows of cols values: Q's hq,
// then K's and V's, head h's d values at h·d).
func appendKV(kv []float32, past *Tensor, qkv []float32, B, N, S, P, hq, d, cols int) {
	T := P + S
	for part := range 2 {
		for b := range B {
			for h := range N {
				dst := kv[((part*B+b)*N+h)*T*d:]
				if P > 0 {
					copy(dst[:P*d], past.Float[((part*B+b)*N+h)*P*d:])
				}
				src := hq + part*N*d + h*d
				for s := range S {
					r := (b*S + s) * cols
					copy(dst[(P+s)*d:(P+s+1)*d], qkv[r+src:r+src+d])
				}
			}
		}
	}
}
