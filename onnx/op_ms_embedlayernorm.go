package onnx

import (
	"fmt"

	"github.com/simdcore/simdcore/kernel"
)

// EmbedLayerNormalization (domain com.microsoft), the embedding layer of
// BERT-like models as ONNX Runtime's transformer optimizer fuses it:
// inputs input_ids [B, S] (int32), segment_ids (optional, [B, S]),
// word_embedding [V, H], position_embedding [P, H], segment_embedding
// (optional, [G, H]; given exactly when segment_ids is), gamma [H], beta
// [H], mask (optional, [B, S] int32), position_ids (optional, [B, S] or
// [1, S]; S positions 0, 1, … when absent); attribute epsilon (1e-12 by
// default). Each token's embedding sum word + position (+ segment), each
// addition rounded to float32, is output 2 (embedding_sum) and, layer
// normalised over H (kernel.LayerNorm), output 0; output 1 (mask_index,
// [B] int32) counts each row's mask values equal to 1, as ONNX Runtime
// does (0 without mask). An id outside its table is an ErrInput error from Run.

func init() {
	registerMS("EmbedLayerNormalization", buildEmbedLayerNorm)
}

func buildEmbedLayerNorm(c *nodeCtx) (func() error, error) {
	ids, err := c.needTyped(0, Int32)
	if err != nil {
		return nil, err
	}
	seg := c.input(1)
	word, err := c.needTyped(2, Float)
	if err != nil {
		return nil, err
	}
	pos, err := c.needTyped(3, Float)
	if err != nil {
		return nil, err
	}
	segEmb := c.input(4)
	gamma, err := c.needTyped(5, Float)
	if err != nil {
		return nil, err
	}
	beta, err := c.needTyped(6, Float)
	if err != nil {
		return nil, err
	}
	mask, posIDs := c.input(7), c.input(8)
	eps := c.attrFloat("epsilon", 1e-12)
	if c.err != nil {
		return nil, c.err
	}
	if len(ids.Dims) != 2 {
		return nil, c.shapeErr("EmbedLayerNormalization input_ids of shape %v: want [batch, sequence]", ids.Dims)
	}
	B, S := ids.Dims[0], ids.Dims[1]
	if len(word.Dims) != 2 || len(pos.Dims) != 2 {
		return nil, c.shapeErr("EmbedLayerNormalization embeddings of shapes %v, %v: want 2-D", word.Dims, pos.Dims)
	}
	H := word.Dims[1]
	if pos.Dims[1] != H {
		return nil, c.shapeErr("EmbedLayerNormalization position_embedding %v for hidden size %d", pos.Dims, H)
	}
	if (seg == nil) != (segEmb == nil) {
		return nil, c.shapeErr("EmbedLayerNormalization takes segment_ids and segment_embedding together")
	}
	if seg != nil {
		if err := c.needType(seg, Int32); err != nil {
			return nil, err
		}
		if err := c.needType(segEmb, Float); err != nil {
			return nil, err
		}
		if !equalDims(seg.Dims, ids.Dims) || len(segEmb.Dims) != 2 || segEmb.Dims[1] != H {
			return nil, c.shapeErr("EmbedLayerNormalization segment_ids %v, segment_embedding %v for input_ids %v, hidden size %d", seg.Dims, segEmb.Dims, ids.Dims, H)
		}
	}
	for _, p := range []*Tensor{gamma, beta} {
		if len(p.Dims) != 1 || p.Dims[0] != H {
			return nil, c.shapeErr("EmbedLayerNormalization gamma or beta of shape %v: want [%d]", p.Dims, H)
		}
	}
	if mask != nil {
		if err := c.needType(mask, Int32); err != nil {
			return nil, err
		}
		if !equalDims(mask.Dims, ids.Dims) {
			return nil, c.shapeErr("EmbedLayerNormalization mask of shape %v for input_ids %v", mask.Dims, ids.Dims)
		}
	}
	posRows := 0 // position_ids rows: 0 none, 1 shared, B per batch
	if posIDs != nil {
		if err := c.needType(posIDs, Int32, Int64); err != nil {
			return nil, err
		}
		if len(posIDs.Dims) != 2 || posIDs.Dims[1] != S || (posIDs.Dims[0] != 1 && posIDs.Dims[0] != B) {
			return nil, c.shapeErr("EmbedLayerNormalization position_ids of shape %v for input_ids %v", posIDs.Dims, ids.Dims)
		}
		posRows = posIDs.Dims[0]
	}
	y, err := c.output(0, Float, []int{B, S, H})
	if err != nil {
		return nil, err
	}
	mi, err := c.output(1, Int32, []int{B})
	if err != nil {
		return nil, err
	}
	sum, err := c.output(2, Float, []int{B, S, H})
	if err != nil {
		return nil, err
	}
	V, P := word.Dims[0], pos.Dims[0]
	G := 0
	if segEmb != nil {
		G = segEmb.Dims[0]
	}
	return func() error {
		for b := range B {
			n := int64(0)
			if mask != nil {
				for _, v := range mask.Int[b*S : (b+1)*S] {
					if v == 1 {
						n++
					}
				}
			}
			mi.Int[b] = n
			for s := range S {
				t := b*S + s
				w := ids.Int[t]
				p := int64(s)
				if posRows > 0 {
					p = posIDs.Int[(b%posRows)*S+s]
				}
				if w < 0 || w >= int64(V) || p < 0 || p >= int64(P) {
					return fmt.Errorf("%w: EmbedLayerNormalization input id %d or position %d outside tables of %d and %d rows", ErrInput, w, p, V, P)
				}
				row := sum.Float[t*H : (t+1)*H]
				kernel.Add(row, word.Float[int(w)*H:(int(w)+1)*H], pos.Float[int(p)*H:(int(p)+1)*H])
				if seg != nil {
					g := seg.Int[t]
					if g < 0 || g >= int64(G) {
						return fmt.Errorf("%w: EmbedLayerNormalization segment id %d outside a table of %d rows", ErrInput, g, G)
					}
					kernel.Add(row, row, segEmb.Float[int(g)*H:(int(g)+1)*H])
				}
				kernel.LayerNorm(y.Float[t*H:(t+1)*H], row, gamma.Float, beta.Float, eps)
			}
		}
		return nil
	}, nil
}
