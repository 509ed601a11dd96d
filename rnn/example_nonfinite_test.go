package rnn_test

import (
	"errors"
	"fmt"

	"github.com/simdcore/simdcore/rnn"
)

// A model file with a NaN weight (here one of the reliability suite's
// malformed files) is refused unless loaded with AllowNonFinite.
func ExampleAllowNonFinite() {
	const path = "../internal/reliability/testdata/malformed/rnn-nonfinite-nan-weight.safetensors"
	_, err := rnn.Load(path)
	fmt.Println(errors.Is(err, rnn.ErrNonFinite))
	fmt.Println(err)

	net, err := rnn.Load(path, rnn.AllowNonFinite())
	fmt.Println(err, net.Config().Hidden)
	// Output:
	// true
	// rnn: ../internal/reliability/testdata/malformed/rnn-nonfinite-nan-weight.safetensors: tensor "weight_hh_l0" holds NaN at index [1 1] (non-finite weights are refused unless the loader allows them)
	// <nil> 4
}
