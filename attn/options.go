package attn

import (
	"errors"
	"fmt"
	"math"
)

// ErrShape is wrapped by every error about inconsistent sizes; the message
// names the sizes involved.
var ErrShape = errors.New("attn: shape mismatch")

// ErrOptions is wrapped by errors about invalid Options.
var ErrOptions = errors.New("attn: invalid options")

// ErrCacheFull is returned by Decode (wrapped) when a KVCache has no room
// for another token.
var ErrCacheFull = errors.New("attn: KV cache full")

// Options control scaling, temperature and masking. The zero value is
// plain scaled dot-product attention: scale 1/√d, temperature 1, no mask.
type Options struct {
	// Scale multiplies every score q·k. 0 means 1/√d, with d the query
	// width; set Unscaled for raw dot products (scale 1). Setting both
	// Unscaled and a non-zero Scale is an error, and so is a NaN or
	// infinite Scale.
	Scale float32
	// Unscaled selects scale 1 (raw dot products), as in the worked
	// example of the package documentation.
	Unscaled bool
	// Temperature divides the scaled scores before the softmax: values
	// below 1 sharpen the weights towards hard attention, above 1 flatten
	// them. 0 means 1; negative and NaN values are an error (+Inf gives
	// every key the same score). Hard attention's choice does not depend
	// on it.
	Temperature float32

	// KeyLimit, if positive, restricts attention to keys [0, KeyLimit)
	// (a padding mask). Keys beyond it get weight 0.
	KeyLimit int
	// Causal, in the sequence functions, lets query row i see only keys
	// j ≤ i + (Tk − Tq): the queries are the last Tq positions of the Tk
	// keys (bottom-right alignment, as when decoding against a cache; for
	// Tq == Tk it is the usual lower triangle). A single query (Soft,
	// Hard) is the one-row case and sees every key, so Causal does not
	// change it.
	Causal bool
	// Mask, if not nil, is added to the scaled scores: 0 keeps a key,
	// −Inf removes it, and finite values bias it. For a single query its
	// length is the number of keys; for a sequence it is a Tq×Tk
	// row-major matrix (length Tq·Tk).
	Mask []float32
	// Keep, if not nil, is a boolean mask with the shape of Mask: false
	// removes the key.
	Keep []bool
	// KeepKeys, if not nil, is a boolean mask over the keys shared by
	// every query (length Tk; the number of keys for a single query):
	// false removes the key. It is torch's key_padding_mask negated
	// (torch's True marks a padding key).
	KeepKeys []bool
}

// effScale returns the multiplier applied to q·k for query width d.
func (o *Options) effScale(d int) float32 {
	s := o.Scale
	switch {
	case o.Unscaled:
		s = 1
	case s == 0:
		if d > 0 {
			s = float32(1 / math.Sqrt(float64(d)))
		} else {
			s = 1
		}
	}
	if o.Temperature != 0 {
		s /= o.Temperature
	}
	return s
}

// check validates the options for nq queries against nk keys.
func (o *Options) check(fn string, nq, nk int) error {
	if o.Unscaled && o.Scale != 0 {
		return fmt.Errorf("attn.%s: Unscaled with Scale=%g: %w", fn, o.Scale, ErrOptions)
	}
	if s := float64(o.Scale); math.IsNaN(s) || math.IsInf(s, 0) {
		return fmt.Errorf("attn.%s: Scale=%g: %w", fn, o.Scale, ErrOptions)
	}
	if o.Temperature < 0 || o.Temperature != o.Temperature {
		return fmt.Errorf("attn.%s: Temperature=%g: %w", fn, o.Temperature, ErrOptions)
	}
	if o.KeyLimit < 0 {
		return fmt.Errorf("attn.%s: KeyLimit=%d: %w", fn, o.KeyLimit, ErrOptions)
	}
	if o.hasMask() && nk > 0 && nq > math.MaxInt/nk {
		return shapeErr(fn, "a %d×%d mask overflows int", nq, nk) // nq·nk would wrap, maybe to len(Mask)
	}
	if o.Mask != nil && len(o.Mask) != nq*nk {
		return shapeErr(fn, "len(Mask)=%d, want %d×%d=%d", len(o.Mask), nq, nk, nq*nk)
	}
	if o.Keep != nil && len(o.Keep) != nq*nk {
		return shapeErr(fn, "len(Keep)=%d, want %d×%d=%d", len(o.Keep), nq, nk, nq*nk)
	}
	if o.KeepKeys != nil && len(o.KeepKeys) != nk {
		return shapeErr(fn, "len(KeepKeys)=%d, want %d keys", len(o.KeepKeys), nk)
	}
	return nil
}

// hasMask reports whether any mask other than the causal one applies.
func (o *Options) hasMask() bool { return o.Mask != nil || o.Keep != nil || o.KeepKeys != nil }

// keyEnd returns the number of keys query row i (of nq, against nk keys)
// may see before the explicit masks: the KeyLimit and causal bounds.
func (o *Options) keyEnd(i, nq, nk int) int {
	end := nk
	if o.KeyLimit > 0 && o.KeyLimit < end {
		end = o.KeyLimit
	}
	if o.Causal {
		end = min(end, max(0, i+nk-nq+1))
	}
	return end
}

// applyMask applies the explicit masks of query row i to the scaled
// scores s of keys [k0, k0+len(s)) against nk keys.
func (o *Options) applyMask(s []float32, i, k0, nk int) {
	if o.Mask != nil {
		m := o.Mask[i*nk+k0:][:len(s)]
		for j := range s {
			s[j] += m[j]
		}
	}
	if o.Keep != nil {
		k := o.Keep[i*nk+k0:][:len(s)]
		for j := range s {
			if !k[j] {
				s[j] = negInf
			}
		}
	}
	if o.KeepKeys != nil {
		for j, keep := range o.KeepKeys[k0:][:len(s)] {
			if !keep {
				s[j] = negInf
			}
		}
	}
}

var negInf = float32(math.Inf(-1))

func shapeErr(fn, format string, args ...any) error {
	return fmt.Errorf("attn.%s: %s: %w", fn, fmt.Sprintf(format, args...), ErrShape)
}
