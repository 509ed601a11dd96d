package nn

import "github.com/simdcore/simdcore/attn"

// Mask is one attention's masks, torch's attn_mask and key_padding_mask,
// for T queries against S keys (S = T in self-attention, the memory's
// length in cross-attention). The parts combine; the zero Mask masks
// nothing.
type Mask struct {
	// Causal lets query i see keys j ≤ i + S − T only: for S = T the
	// mask of torch's nn.Transformer.generate_square_subsequent_mask.
	Causal bool
	// Add, if not nil, is torch's float attn_mask (T×S, row-major),
	// added to the scaled scores: −Inf removes a key.
	Add []float32
	// Keep, if not nil, is torch's boolean attn_mask negated (T×S):
	// false removes the key (torch's True).
	Keep []bool
	// KeepKeys, if not nil, is torch's key_padding_mask negated (S):
	// false marks a padding key, which no query sees.
	KeepKeys []bool
}

// options returns the attn.Options of m.
func (m Mask) options() attn.Options {
	return attn.Options{Causal: m.Causal, Mask: m.Add, Keep: m.Keep, KeepKeys: m.KeepKeys}
}
