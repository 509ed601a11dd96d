package weights

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A Dict is a checked view of a File as a model's state_dict, for the
// loaders built on this package: they take every tensor they need by name
// and shape, read their constructor arguments from typed metadata, and
// finish with Leftovers, which rejects any tensor nothing took. Has and
// Names, and the File's own methods (Shape, Float32s, ...), stay
// available for looking around before taking; Ignore hides tensors that
// are not the model's.
//
// Every error a Dict makes starts with the loader's prefix given to
// NewDict (which should name the loader and the file), stays on one line,
// quotes at most a couple of hundred bytes of any string in it (a name or
// metadata value from the file),
// and wraps exactly one of the sentinels: ErrFormat for a malformed model
// (bad metadata, tensors with no place), ErrMissing for an absent tensor,
// ErrShape for a tensor or metadata of the wrong size; a shape error also
// wraps the loader's own shape sentinel, if it gave one.
//
// The tensor data a Dict returns (Take, Float32s) is finite: a NaN or an
// infinity in a weight is refused with an error wrapping ErrFormat and
// ErrNonFinite that names the tensor and the first bad element, unless
// the loader called AllowNonFinite. A weight that is not finite is almost
// always a training run that diverged, and it would make every output NaN
// with no error anywhere else; the loaders document this policy once, in
// this package's terms, and offer the option to their callers.
type Dict struct {
	*File
	prefix         string
	shapeErr       error
	meta           map[string]string
	taken          map[string]bool
	ignored        []string          // name prefixes hidden from the model
	alias          map[string]string // a loader's name → the file's (Alias)
	allowNonFinite bool
}

// ErrNonFinite is wrapped, with ErrFormat, by a Dict's error for a tensor
// holding a NaN or an infinity.
var ErrNonFinite = errors.New("tensor holds NaN or Inf")

// AllowNonFinite makes Take and Float32s return tensors holding NaN or
// infinities instead of refusing them.
func (d *Dict) AllowNonFinite() { d.allowNonFinite = true }

// NewDict returns a view of f whose errors start with prefix (such as
// "rnn: model.safetensors: ") and whose shape errors also wrap shapeErr
// (nil for none).
func NewDict(f *File, prefix string, shapeErr error) *Dict {
	return &Dict{File: f, prefix: prefix, shapeErr: shapeErr, meta: f.Metadata(), taken: map[string]bool{}}
}

// Ignore hides the tensors whose names start with prefix (an optimiser's
// state saved beside the model, say): Names and Has no longer list them,
// the Take methods report them missing, and Leftovers does not count
// them. The File's own methods still see them.
func (d *Dict) Ignore(prefix string) {
	d.ignored = append(d.ignored, prefix)
}

// Alias makes the loader's name stand for the file's tensor fileName:
// Has, TakeRank, TakeShape, Take, Float32s, Shape, Int8s and Taken
// resolve name to fileName, their errors quote fileName, and taking name
// takes fileName (so Leftovers does not report it). A loader uses it for
// the same tensor under another of torch's module layouts (nn.LSTMCell's
// weight_ih standing for nn.LSTM's weight_ih_l0).
func (d *Dict) Alias(name, fileName string) {
	if d.alias == nil {
		d.alias = map[string]string{}
	}
	d.alias[name] = fileName
}

// FileName returns the file's name for the loader's name: its Alias, or
// name itself.
func (d *Dict) FileName(name string) string {
	if f, ok := d.alias[name]; ok {
		return f
	}
	return name
}

// Shape is File.Shape of FileName(name).
func (d *Dict) Shape(name string) ([]int, error) { return d.File.Shape(d.FileName(name)) }

// Int8s is File.Int8s of FileName(name).
func (d *Dict) Int8s(name string, shape ...int) ([]int8, error) {
	return d.File.Int8s(d.FileName(name), shape...)
}

// isIgnored reports whether name is hidden by Ignore.
func (d *Dict) isIgnored(name string) bool {
	for _, p := range d.ignored {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Names returns the names of the tensors, sorted, without those Ignore
// hides.
func (d *Dict) Names() []string {
	return slices.DeleteFunc(d.File.Names(), d.isIgnored)
}

// Has reports whether the file holds a tensor called name that Ignore
// does not hide.
func (d *Dict) Has(name string) bool {
	name = d.FileName(name)
	return !d.isIgnored(name) && d.File.Has(name)
}

// dictError carries a message and the sentinels it wraps.
type dictError struct {
	msg  string
	errs []error
}

func (e *dictError) Error() string   { return e.msg }
func (e *dictError) Unwrap() []error { return e.errs }

// Formatf returns an error wrapping ErrFormat: the prefix, "malformed
// model: ", then the formatted message.
func (d *Dict) Formatf(format string, args ...any) error {
	return &dictError{d.prefix + "malformed model: " + sprintf(format, args...), []error{ErrFormat}}
}

// Missing returns an error wrapping ErrMissing for the absent tensor name;
// why, if not empty, follows the message (" (the head)").
func (d *Dict) Missing(name, why string) error {
	return &dictError{d.prefix + sprintf("tensor %q missing%s", name, why), []error{ErrMissing}}
}

// Shapef returns an error wrapping ErrShape and the loader's shape
// sentinel: the prefix, then the formatted message.
func (d *Dict) Shapef(format string, args ...any) error {
	errs := []error{ErrShape}
	if d.shapeErr != nil {
		errs = append(errs, d.shapeErr)
	}
	return &dictError{d.prefix + sprintf(format, args...), errs}
}

// TakeRank takes the tensor name, which must exist and have dims
// dimensions, and returns its shape. why is added to the message of a
// missing tensor.
func (d *Dict) TakeRank(name string, dims int, why string) ([]int, error) {
	name = d.FileName(name)
	s, err := d.File.Shape(name)
	if err != nil || d.isIgnored(name) {
		return nil, d.Missing(name, why)
	}
	if len(s) != dims {
		return nil, d.Shapef("tensor %q has shape %v, want %d dimensions", name, s, dims)
	}
	d.taken[name] = true
	return s, nil
}

// TakeShape takes the tensor name, which must exist with exactly the
// shape want. why is added to the message of a missing or misshapen
// tensor.
func (d *Dict) TakeShape(name, why string, want ...int) error {
	name = d.FileName(name)
	s, err := d.File.Shape(name)
	if err != nil || d.isIgnored(name) {
		return d.Missing(name, why)
	}
	if !slices.Equal(s, want) {
		return d.Shapef("tensor %q has shape %v, want %v%s", name, s, want, why)
	}
	d.taken[name] = true
	return nil
}

// Take is TakeShape followed by the tensor's data converted to float32, a
// fresh copy (an error wrapping ErrFormat for a dtype that does not
// convert).
func (d *Dict) Take(name, why string, want ...int) ([]float32, error) {
	if err := d.TakeShape(name, why, want...); err != nil {
		return nil, err
	}
	return d.Float32s(name, want...)
}

// Float32s is File.Float32s, which converts the tensor name of exactly
// shape to float32, refusing a tensor that holds NaN or Inf unless
// AllowNonFinite was called (an F64 value beyond float32's range becomes
// an infinity, and is refused too).
func (d *Dict) Float32s(name string, shape ...int) ([]float32, error) {
	name = d.FileName(name)
	data, err := d.File.Float32s(name, shape...)
	if err != nil || d.allowNonFinite {
		return data, err
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, &dictError{d.prefix + sprintf("tensor %q holds %v at index %s (non-finite weights are refused unless the loader allows them)", name, v, elementIndex(i, shape)), []error{ErrFormat, ErrNonFinite}}
		}
	}
	return data, nil
}

// elementIndex formats the flat row-major index i in a tensor of shape as
// one index per dimension, such as [2 7].
func elementIndex(i int, shape []int) string {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k], i = i%shape[k], i/shape[k]
		}
	}
	return fmt.Sprint(idx)
}

// Taken reports whether the tensor name has been taken.
func (d *Dict) Taken(name string) bool { return d.taken[d.FileName(name)] }

// Leftovers returns an error wrapping ErrFormat for the first tensor (in
// name order) that was not taken, with hint added to its message, or nil
// when every tensor found a place.
func (d *Dict) Leftovers(hint string) error {
	for _, n := range d.Names() {
		if !d.taken[n] {
			return d.Formatf("tensor %q is not part of the model%s", n, hint)
		}
	}
	return nil
}

// Text returns the metadata value of key and whether it is present.
func (d *Dict) Text(key string) (string, bool) {
	v, ok := d.meta[key]
	return v, ok
}

// Int returns the integer metadata value of key, whether it is present,
// and an error wrapping ErrFormat if it is present but not a decimal
// integer of at least min.
func (d *Dict) Int(key string, min int) (n int, ok bool, err error) {
	v, ok := d.meta[key]
	if !ok {
		return 0, false, nil
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n < min {
		return 0, false, d.Formatf("metadata %s=%q is not an integer ≥ %d", key, v, min)
	}
	return n, true, nil
}

// Bool returns the boolean metadata value of key ("True" and "False" as
// Python prints them, or any form strconv.ParseBool accepts), whether it
// is present, and an error wrapping ErrFormat if it is present but not a
// boolean.
func (d *Dict) Bool(key string) (b, ok bool, err error) {
	v, ok := d.meta[key]
	if !ok {
		return false, false, nil
	}
	b, perr := strconv.ParseBool(v)
	if perr != nil {
		return false, false, d.Formatf("metadata %s=%q is not a boolean", key, v)
	}
	return b, true, nil
}

// Float returns the numeric metadata value of key, whether it is present,
// and an error wrapping ErrFormat if it is present but not a number.
func (d *Dict) Float(key string) (x float64, ok bool, err error) {
	v, ok := d.meta[key]
	if !ok {
		return 0, false, nil
	}
	x, perr := strconv.ParseFloat(v, 64)
	if perr != nil {
		return 0, false, d.Formatf("metadata %s=%q is not a number", key, v)
	}
	return x, true, nil
}

// Choice returns the index in names of the metadata value of key, compared
// without regard to case, whether it is present, and an error wrapping
// ErrFormat if it is present but none of names.
func (d *Dict) Choice(key string, names ...string) (i int, ok bool, err error) {
	v, ok := d.meta[key]
	if !ok {
		return 0, false, nil
	}
	for i, n := range names {
		if strings.EqualFold(v, n) {
			return i, true, nil
		}
	}
	return 0, false, d.Formatf("metadata %s=%q is not one of %v", key, v, names)
}
