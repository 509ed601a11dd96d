package nn

import (
	"errors"
	"fmt"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/kernel"
)

// ErrShape is wrapped by every error about inconsistent sizes (of
// matrices, masks, gradients or tensors in a file); the message names
// the sizes.
var ErrShape = errors.New("nn: shape mismatch")

// ErrConfig is wrapped by the errors of the constructors for a Config
// that makes no sense (sizes not positive, heads that do not divide
// d_model, an unknown activation, a negative or NaN eps).
var ErrConfig = errors.New("nn: invalid configuration")

// ErrFormat is wrapped by the loaders' errors for a malformed file:
// truncated, a bad header, metadata that makes no sense or disagrees with
// the tensors, or tensors the model has no place for.
var ErrFormat = weights.ErrFormat

// ErrMissing is wrapped by the loaders' errors when a tensor the model
// needs is absent.
var ErrMissing = weights.ErrMissing

// ErrNonFinite is wrapped, with ErrFormat, by the loaders' errors for a
// weight that is NaN or infinite, unless AllowNonFinite is given.
var ErrNonFinite = weights.ErrNonFinite

func shapeErr(fn, format string, args ...any) error {
	return fmt.Errorf("nn.%s: %s: %w", fn, fmt.Sprintf(format, args...), ErrShape)
}

// checkMatrix reports an error unless m is a valid rows×cols view.
func checkMatrix(fn, name string, m kernel.Matrix, rows, cols int) error {
	if m.Rows != rows || m.Cols != cols {
		return shapeErr(fn, "%s is %d×%d, want %d×%d", name, m.Rows, m.Cols, rows, cols)
	}
	return checkView(fn, name, m)
}

// checkView reports an error unless m's Stride and Data hold its rows.
func checkView(fn, name string, m kernel.Matrix) error {
	if m.Rows < 0 || m.Cols < 0 || m.Stride < m.Cols || (m.Rows > 0 && len(m.Data) < (m.Rows-1)*m.Stride+m.Cols) {
		return shapeErr(fn, "%s is not a valid %d×%d view (Stride %d, %d elements)", name, m.Rows, m.Cols, m.Stride, len(m.Data))
	}
	return nil
}

// prepare checks the model (modelErr is its check's result), the input x
// (T×in) and any memory, and returns dst, allocated as T×out if its Data
// is nil.
func prepare(fn string, modelErr error, dst, x kernel.Matrix, in, out int, memory ...kernel.Matrix) (kernel.Matrix, error) {
	if modelErr != nil {
		return dst, modelErr
	}
	if err := checkMatrix(fn, "input", x, x.Rows, in); err != nil {
		return dst, err
	}
	for _, m := range memory {
		if err := checkView(fn, "memory", m); err != nil {
			return dst, err
		}
	}
	return result(fn, dst, x.Rows, out)
}

// firstErr returns the first non-nil error of errs.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// result returns dst, allocated as rows×cols if its Data is nil, after
// checking its shape.
func result(fn string, dst kernel.Matrix, rows, cols int) (kernel.Matrix, error) {
	if dst.Data == nil && dst.Rows == 0 && dst.Cols == 0 {
		return kernel.NewMatrix(rows, cols), nil
	}
	return dst, checkMatrix(fn, "dst", dst, rows, cols)
}

// skip reports whether a gradient matrix is to be skipped (nil Data).
func skip(m kernel.Matrix) bool { return m.Data == nil }

// rowsOf returns the first n·cols elements of buf as an n×cols matrix.
func rowsOf(buf []float32, n, cols int) kernel.Matrix {
	return kernel.MatrixFrom(n, cols, buf[:n*cols])
}
