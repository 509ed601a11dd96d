// Package attn is dot-product attention over simdcore's kernels: from one
// query against a set of keys to multi-head attention with a KV cache, soft
// and hard, with masks and gradients.
//
// # The computation
//
// A query q is compared with each key k_i by the dot product s_i = c·q·k_i,
// where the effective scale c is Options.Scale (0 means 1/√d, see
// Options.Unscaled) divided by Options.Temperature. Soft attention returns
// Σ_i softmax(s)_i·v_i; hard attention returns the value v_j at
// j = argmax_i s_i (the first maximum on ties).
//
// The worked example of the package tests: keys (1,2,3), (2,2,1), (0,1,−1)
// and (0,2,−1), query (3,−1,−1). The unscaled scores are −2, 3, 0 and −1,
// so hard attention picks index 1 and soft attention weighs the values by
// softmax(−2, 3, 0, −1) ≈ (0.0063, 0.9304, 0.0463, 0.0170).
//
// # Entry points
//
//   - Scores, Soft and Hard: one query against the rows of a key matrix.
//   - SelfAttention: a Tq×d block of queries against Tk keys, optionally
//     causal. Long sequences are computed tile by tile with an online
//     softmax (flash-attention style): the Tq×Tk score matrix is never
//     held, the tiles above the causal diagonal are skipped, and the Q·Kᵀ
//     and P·V tiles are matrix products (kernel.Gemm). Short sequences take
//     a direct path.
//   - MultiHead: H heads with the projections Wq, Wk, Wv, Wo and biases,
//     laid out as torch.nn.MultiheadAttention's in_proj_weight (or
//     q_proj_weight, k_proj_weight and v_proj_weight when the key and
//     value widths kdim, vdim differ), in_proj_bias, out_proj.weight and
//     out_proj.bias. Forward runs a whole sequence (prefill; for long
//     sequences the heads' blocks of query rows, and the projections,
//     spread over kernel.Threads() goroutines); Cross attends
//     from one sequence to another (torch's forward(query, key, value));
//     with a caller's dst, Forward, Prefill and Cross allocate nothing in
//     the steady state, on one thread or several. Decode runs one token against a KVCache and allocates nothing once
//     the cache has warmed up. With more than one thread, Decode splits
//     the heads, and for fewer heads than threads also the cached keys
//     (flash-decoding), over a pool of helpers. SetMemory and
//     DecodeCross do the same for a decoder's cross-attention over a
//     memory projected once. KVHeads < Heads gives grouped-query (1:
//     multi-query) attention, whose cache holds only the key/value heads;
//     NewMultiHeadConfig builds any of these shapes. NewKVCacheInt8 keeps
//     the cache in int8 (a quarter of the bytes Decode streams);
//     MultiHead.Quantize and QuantizeResidual make the projections int8.
//   - Positions: Rotary (RoPE, in GPT-NeoX/LLaMA's rotate-half or GPT-J's
//     interleaved convention) rotates queries and keys inside MultiHead,
//     at each token's position in the cache; Positions adds an absolute
//     table (Sinusoidal, or a learned one) to the embeddings;
//     SinusoidalRows computes the same rows as it adds them, without the
//     table, for contexts that come from outside.
//   - Gradients: SoftBackward (one query), SelfAttentionBackward,
//     MultiHead.Backward and CrossBackward (every projection and bias, in
//     every layout, through Rotary), HardBackward with a choice of
//     estimator (zero, straight-through), and GumbelSoft for seeded
//     Gumbel-softmax sampling.
//
// # Masks
//
// Options.KeyLimit, Options.Causal, an explicit additive (−Inf) or
// boolean mask, and a key padding mask (KeepKeys) combine. A query row whose keys are all masked produces a
// zero output and zero weights, never NaN.
//
// # NaN and Inf
//
// Non-finite inputs show in the output, the same way on every path (the
// direct and the tiled SelfAttention, Forward and Prefill on one
// goroutine or several, Decode serial or split over threads, Soft), so
// that a model fed a NaN is seen to fail:
//
//   - A NaN or +Inf score of a key a query may attend to (from a NaN or
//     Inf in the query, the key or Mask) makes that query's whole output
//     row NaN. A −Inf score removes the key, as a mask does.
//   - A NaN or ±Inf in the value of such a key makes the matching column
//     of the output non-finite: NaN for a NaN; ±Inf, or NaN where the
//     weight underflows to 0 or +Inf meets −Inf.
//   - Keys beyond KeyLimit or the causal bound never affect a query, and
//     Keep or KeepKeys = false removes a key's score (a NaN there
//     included); but a key removed by Keep, KeepKeys or a −Inf in Mask
//     still has its value multiplied by its weight 0, so a NaN or Inf in
//     that value reaches the output (0·NaN is NaN), and NaN + (−Inf) in
//     Mask is NaN.
//
// Options.Scale NaN or ±Inf and Options.Temperature NaN or negative are
// errors (ErrOptions).
//
// # Errors
//
// Functions that return an error report inconsistent shapes with an error
// wrapping ErrShape that names the sizes; invalid options wrap
// ErrOptions. Scores, which returns nothing, panics with such an error.
//
// All data are float32 in row-major kernel.Matrix views (Stride ≥ Cols, so
// a head can be a column window of a wider matrix). Package attn uses only
// package kernel for its arithmetic, so it runs at whatever level
// kernel.Active reports.
package attn
