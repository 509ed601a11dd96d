package nn_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdcore/simdcore/internal/torchtest"
	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
	"github.com/simdcore/simdcore/nn"
	"github.com/simdcore/simdcore/optim"
)

// requireParamGrads compares every parameter's gradient in ps with the
// case's "d"+name, and checks that the case holds no gradient besides
// those and the ones named in others (dy and the inputs' gradients).
func requireParamGrads(t *testing.T, io *weights.File, get func(string) weights.Tensor, ps []optim.Param, others ...string) {
	for _, p := range ps {
		torchtest.RequireCloseOrZero(t, "d"+p.Name, p.Grad, get("d"+p.Name).Data)
	}
	n := 0
	for _, name := range io.Names() {
		if name[0] == 'd' && !slices.Contains(others, name) {
			n++
		}
	}
	require.Equal(t, n, len(ps), "parameters with gradients")
}

// TestTorchCrossCheckGrads runs the random encoder cases that
// scripts/attn_crosscheck.py wrote under $SIMDCORE_ATTN_CROSSCHECK/enc
// (skipped without it): Encoder.Forward and Encoder.Backward with causal
// and key padding masks, every parameter's gradient (by torch's name) and
// the input's, against PyTorch autograd to 1e-5 relative.
func TestTorchCrossCheckGrads(t *testing.T) {
	for _, dir := range torchtest.CrossCheckDirs(t, "SIMDCORE_ATTN_CROSSCHECK", "scripts/attn_crosscheck.py", "enc") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			io, get := torchtest.Tensors(t, filepath.Join(dir, "io.safetensors"))
			enc, err := nn.LoadEncoder(filepath.Join(dir, "model.safetensors"), "")
			require.NoError(t, err)
			xt := get("x")
			T, d := xt.Shape[0], xt.Shape[1]
			x := kernel.MatrixFrom(T, d, xt.Data)
			m := nn.Mask{Causal: io.Metadata()["causal"] == "True", KeepKeys: keptKeys(get("key_pad").Data)}
			t.Logf("T=%d d=%d layers=%d causal=%v pad=%v", T, d, len(enc.Layers), m.Causal, m.KeepKeys)
			y, err := enc.Forward(kernel.Matrix{}, x, m)
			require.NoError(t, err)
			torchtest.RequireCloseOrZero(t, "y", y.Data, get("y").Data)
			g := enc.NewGrads()
			dx := kernel.NewMatrix(T, d)
			require.NoError(t, enc.Backward(g, dx, kernel.MatrixFrom(T, d, get("dy").Data), x, m))
			torchtest.RequireCloseOrZero(t, "dx", dx.Data, get("dx").Data)
			requireParamGrads(t, io, get, enc.Params(g, ""), "dy", "dx")
		})
	}
}

// TestTorchCrossCheckDecoderGrads is TestTorchCrossCheckGrads for the
// decoder cases under $SIMDCORE_ATTN_CROSSCHECK/dec: Decoder.Forward and
// Decoder.Backward with a causal target mask and a memory key padding
// mask, the gradients of the target, the memory and every parameter.
func TestTorchCrossCheckDecoderGrads(t *testing.T) {
	for _, dir := range torchtest.CrossCheckDirs(t, "SIMDCORE_ATTN_CROSSCHECK", "scripts/attn_crosscheck.py", "dec") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			io, get := torchtest.Tensors(t, filepath.Join(dir, "io.safetensors"))
			dec, err := nn.LoadDecoder(filepath.Join(dir, "model.safetensors"), "")
			require.NoError(t, err)
			tt, mt := get("tgt"), get("memory")
			T, S, d := tt.Shape[0], mt.Shape[0], tt.Shape[1]
			tgt, mem := kernel.MatrixFrom(T, d, tt.Data), kernel.MatrixFrom(S, d, mt.Data)
			tm := nn.Mask{Causal: io.Metadata()["causal"] == "True"}
			mm := nn.Mask{KeepKeys: keptKeys(get("memory_pad").Data)}
			y, err := dec.Forward(kernel.Matrix{}, tgt, mem, tm, mm)
			require.NoError(t, err)
			torchtest.RequireCloseOrZero(t, "y", y.Data, get("y").Data)
			g := dec.NewGrads()
			dt, dm := kernel.NewMatrix(T, d), kernel.NewMatrix(S, d)
			require.NoError(t, dec.Backward(g, dt, dm, kernel.MatrixFrom(T, d, get("dy").Data), tgt, mem, tm, mm))
			torchtest.RequireCloseOrZero(t, "dtgt", dt.Data, get("dtgt").Data)
			torchtest.RequireCloseOrZero(t, "dmemory", dm.Data, get("dmemory").Data)
			requireParamGrads(t, io, get, dec.Params(g, ""), "dy", "dtgt", "dmemory")
		})
	}
}
