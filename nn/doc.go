// Package nn is torch.nn's Transformer layers over simdcore's kernels:
// Linear, LayerNorm, a feed-forward block, TransformerEncoderLayer and
// TransformerDecoderLayer and their stacks, with torch's semantics, state
// dict names and constructor arguments, so that a trained PyTorch model
// loads by name and gives torch's outputs.
//
// # The computation
//
// All data are float32 kernel.Matrix views whose rows are time steps
// (torch's batch_first=True with batch 1; a T×d_model matrix is one
// sequence). Dropout is the identity (inference, or torch's dropout=0).
//
//   - Linear: y = x·Wᵀ + b (torch.nn.Linear, W out×in).
//   - LayerNorm: torch.nn.LayerNorm over the last dimension (kernel.LayerNorm).
//   - FeedForward: linear2(activation(linear1(x))), activation ReLU, GELU
//     (exact, erf) or GELUTanh (torch's approximate="tanh").
//   - EncoderLayer: torch.nn.TransformerEncoderLayer. Post-norm
//     (norm_first=False): x = norm1(x + self_attn(x)); y = norm2(x + ff(x)).
//     Pre-norm (norm_first=True): x = x + self_attn(norm1(x));
//     y = x + ff(norm2(x)).
//   - DecoderLayer: torch.nn.TransformerDecoderLayer, with the
//     cross-attention multihead_attn over the encoder's memory between the
//     self-attention and the feed-forward block, and norm3.
//   - Encoder and Decoder: torch.nn.TransformerEncoder and
//     TransformerDecoder, num_layers layers and an optional final norm.
//   - Transformer: torch.nn.Transformer, an Encoder and a Decoder over its
//     output.
//
// Self- and cross-attention are attn.MultiHead (torch's
// nn.MultiheadAttention in its packed in_proj_weight layout).
//
// # Decoding with a cache
//
// An Encoder with causal masks is a decoder-only language model's stack:
// Encoder.Prefill runs a prompt and fills a Cache (one attn.KVCache per
// layer), Encoder.Decode then runs one token at a time against it,
// allocating nothing. EncoderLayer.Prefill and Decode do the same for
// one layer.
//
// A Decoder (encoder–decoder models) decodes the same way with a
// DecoderCache: Decoder.SetMemory projects the encoder's output through
// every layer's cross-attention key and value weights once per sequence,
// then Decoder.Prefill and Decoder.Decode run the target causally, each
// layer appending to its self-attention cache and reading the memory's
// cached keys and values (DecoderLayer.NewCache, SetMemory, Prefill and
// Decode for one layer). The outputs are Forward's with a causal
// tgt_mask, and Decode allocates nothing.
//
// # Masks
//
// Mask carries torch's attn_mask (Causal, an additive float mask, or a
// boolean mask) and key_padding_mask, negated where torch's True means
// "masked" (Keep, KeepKeys false masks a key), as package attn takes them.
// They combine. One difference from torch: a query whose keys are all
// masked gets a zero attention output here, where torch gives NaN.
//
// # Forward, scratch and allocation
//
// Each Forward writes dst (which must not overlap the input) and returns
// it; a dst with nil Data is allocated. Each call takes one pooled
// workspace for all its intermediates, and attn.MultiHead's Forward and
// Cross allocate nothing either, so steady-state calls allocate nothing
// but an allocated result, on one thread or several. The layers are only
// read by their methods, so one model may serve many goroutines.
// EncoderLayer.ForwardBatch and Encoder.ForwardBatch take several
// sequences of one length stacked row-wise (torch's batch), each with its
// own key padding mask.
//
// # Gradients
//
// Every layer and stack has a Backward method that adds the parameters'
// gradients to a Grads value shaped by NewGrads and the input's gradient
// to dx (Params lists both for package optim, with torch's names). They
// recompute the forward activations rather than keep them.
//
// # Loading and saving
//
// LoadEncoder, LoadDecoder, LoadTransformer (a whole nn.Transformer's
// state_dict, encoder.… and decoder.…) and LoadEncoderLayer,
// LoadDecoderLayer (ReadEncoder, ReadDecoder and ReadTransformer from an
// io.ReaderAt) read torch
// state_dicts saved as safetensors, with torch's names
// (layers.0.self_attn.in_proj_weight, layers.0.linear1.weight,
// layers.0.norm1.weight, norm.weight, ...) and the constructor arguments
// in the metadata (d_model, nhead, dim_feedforward, activation,
// norm_first, layer_norm_eps, num_layers), checked against the shapes.
// Errors wrap ErrFormat, ErrMissing or ErrShape; NaN and Inf weights are
// refused (ErrNonFinite) unless AllowNonFinite is given. Save writes what
// torch's load_state_dict(strict=True) accepts.
package nn
