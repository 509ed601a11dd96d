package attn_test

import (
	"errors"
	"fmt"

	"github.com/simdcore/simdcore/attn"
)

// A model file with a NaN weight (here one of the reliability suite's
// malformed files) is refused unless loaded with AllowNonFinite.
func ExampleAllowNonFinite() {
	const path = "../internal/reliability/testdata/malformed/attn-nonfinite-nan-out-proj.safetensors"
	_, err := attn.LoadMultiHead(path, "", 0)
	fmt.Println(errors.Is(err, attn.ErrNonFinite))

	m, err := attn.LoadMultiHead(path, "", 0, attn.AllowNonFinite())
	fmt.Println(err, m.DModel, m.OutProj.At(1, 1))
	// Output:
	// true
	// <nil> 8 NaN
}
