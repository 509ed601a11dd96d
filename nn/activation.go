package nn

import (
	"fmt"
	"strings"

	"github.com/simdcore/simdcore/kernel"
)

// Activation is the feed-forward block's nonlinearity.
type Activation int

const (
	// ReLU is max(0, x): torch's activation="relu", the default.
	ReLU Activation = iota
	// GELU is x·Φ(x) with the exact normal CDF: torch's activation="gelu"
	// (F.gelu, approximate="none").
	GELU
	// GELUTanh is torch's F.gelu(x, approximate="tanh").
	GELUTanh
)

// String returns the activation's name as torch's metadata spells it:
// "relu", "gelu" or "gelu_tanh".
func (a Activation) String() string {
	switch a {
	case ReLU:
		return "relu"
	case GELU:
		return "gelu"
	case GELUTanh:
		return "gelu_tanh"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the Activation named s ("relu", "gelu",
// "gelu_tanh", any case), or an error wrapping ErrConfig.
func ParseActivation(s string) (Activation, error) {
	for _, a := range []Activation{ReLU, GELU, GELUTanh} {
		if strings.EqualFold(s, a.String()) {
			return a, nil
		}
	}
	return 0, fmt.Errorf("nn: activation %q is not relu, gelu or gelu_tanh: %w", s, ErrConfig)
}

func (a Activation) valid() bool { return a >= ReLU && a <= GELUTanh }

// apply runs the activation over a row (dst may be src).
func (a Activation) apply(dst, src []float32) {
	switch a {
	case GELU:
		kernel.GELU(dst, src)
	case GELUTanh:
		kernel.GELUTanh(dst, src)
	default:
		kernel.ReLU(dst, src)
	}
}
