package nn

import (
	"fmt"
	"math"

	"github.com/simdcore/simdcore/attn"
	"github.com/simdcore/simdcore/kernel"
)

// Config holds the constructor arguments of torch's
// nn.TransformerEncoderLayer and nn.TransformerDecoderLayer and of their
// stacks.
type Config struct {
	DModel int // d_model
	Heads  int // nhead; it must divide DModel
	FF     int // dim_feedforward
	// Activation is the feed-forward block's (torch's default ReLU).
	Activation Activation
	// NormFirst is torch's norm_first: normalise each sublayer's input
	// (pre-norm) rather than the residual sum (post-norm, the default).
	NormFirst bool
	// Eps is layer_norm_eps; 0 means torch's default 1e-5.
	Eps float32
	// Layers is num_layers, for NewEncoder and NewDecoder.
	Layers int
	// FinalNorm gives a stack the final LayerNorm (torch's norm argument
	// of nn.TransformerEncoder/Decoder, as nn.Transformer builds them).
	FinalNorm bool
}

func (c Config) eps() float32 {
	if c.Eps == 0 {
		return kernel.DefaultLayerNormEps
	}
	return c.Eps
}

func (c Config) check(fn string, stack bool) error {
	switch {
	case c.DModel <= 0 || c.DModel > attn.MaxDModel || c.Heads <= 0 || c.DModel%c.Heads != 0:
		return fmt.Errorf("nn.%s: d_model=%d, nhead=%d: want nhead dividing 0 < d_model ≤ %d: %w", fn, c.DModel, c.Heads, attn.MaxDModel, ErrConfig)
	case c.FF <= 0 || c.FF > maxWidth:
		return fmt.Errorf("nn.%s: dim_feedforward=%d, want 1…%d: %w", fn, c.FF, maxWidth, ErrConfig)
	case !c.Activation.valid():
		return fmt.Errorf("nn.%s: %v: %w", fn, c.Activation, ErrConfig)
	case !(c.Eps >= 0) || math.IsInf(float64(c.Eps), 0):
		return fmt.Errorf("nn.%s: layer_norm_eps=%g: %w", fn, c.Eps, ErrConfig)
	case stack && (c.Layers <= 0 || c.Layers > maxLayers):
		return fmt.Errorf("nn.%s: num_layers=%d, want 1…%d: %w", fn, c.Layers, maxLayers, ErrConfig)
	}
	return nil
}

// maxLayers bounds num_layers.
const maxLayers = 1 << 10

// newAttention returns torch's nn.MultiheadAttention(d_model, nhead) with
// zero weights and biases.
func (c Config) newAttention() *attn.MultiHead {
	m, err := attn.NewMultiHead(c.DModel, c.Heads, true)
	if err != nil {
		panic(err) // checked by Config.check
	}
	return m
}

func (c Config) newNorm() LayerNorm {
	n, err := NewLayerNorm(c.DModel, c.eps(), true)
	if err != nil {
		panic(err) // checked by Config.check
	}
	return *n
}

func (c Config) newFF() FeedForward {
	f, err := NewFeedForward(c.DModel, c.FF, c.Activation)
	if err != nil {
		panic(err) // checked by Config.check
	}
	return *f
}
