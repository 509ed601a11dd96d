// Package tlm is a small transformer language model beside package rnn's
// recurrent one, with the same tokenizers, sampling and training loop:
//
//	tokens → embedding (Vocab×DModel) + positions (sinusoidal or learned)
//	       → causal nn.Encoder stack (decoder-only) → final LayerNorm
//	       → linear head over the vocabulary → softmax
//
// LM.Next, LogProb and Perplexity run whole sequences; State decodes one
// token at a time with a key/value cache (nn.Cache) and allocates nothing
// per token; Generate samples as rnn.LM.Generate does (rnn.GenerateOptions:
// temperature, top-k, seed). Train fits the model by Adam (or any
// optim.Optimizer) on the mean next-token cross-entropy, with nn's
// gradients; Save and Load keep the model in safetensors with torch-like
// names and its tokenizer in the metadata.
//
// The context is at most MaxLen tokens (the positions): Next,
// LogProb and training windows longer than that are errors, and Generate
// slides its window (see Generate).
package tlm
