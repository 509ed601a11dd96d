package kerneltest

import (
	"math"
	"runtime/debug"
	"testing"
)

// GuardNaN is the bit pattern the guard bands are filled with: a
// signalling NaN with a payload no kernel produces, so any write to a
// band, even of another NaN, is caught by comparing bits.
const GuardNaN uint32 = 0x7fa5a5a5

// BandWidth is how many guard elements sit on each side of a Banded slice.
const BandWidth = 64

// Banded is a slice with NaN-filled guard bands on both sides. A kernel
// that writes outside its slice changes a band; one that reads outside it
// gets NaN into its result.
type Banded struct {
	buf    []float32
	lo, hi int // the slice is buf[lo:hi]
}

// NewBanded returns n elements whose start is offset elements past a
// 64-byte boundary (offset in 0..15), between two guard bands.
func NewBanded(n, offset int) *Banded {
	// Over-allocate so the slice can start at a chosen alignment.
	buf := make([]float32, n+2*BandWidth+32)
	base := BandWidth
	for (addrOf(buf[base:])+uintptr(offset)*4)%64 != 0 {
		base++
	}
	base += offset
	for i := range buf {
		buf[i] = math.Float32frombits(GuardNaN)
	}
	return &Banded{buf: buf, lo: base, hi: base + n}
}

// S returns the slice itself, with capacity equal to its length.
func (b *Banded) S() []float32 { return b.buf[b.lo:b.hi:b.hi] }

// Check fails the test if a guard band has changed.
func (b *Banded) Check(t testing.TB, what string) {
	t.Helper()
	for i, v := range b.buf {
		if i >= b.lo && i < b.hi {
			continue
		}
		if math.Float32bits(v) != GuardNaN {
			pos := i - b.hi
			if i < b.lo {
				pos = i - b.lo
			}
			t.Fatalf("%s: guard band overwritten at %+d elements past the slice edge (%d elements): %v", what, pos, b.hi-b.lo, v)
		}
	}
}

// NoFault runs fn with faults turned into panics (debug.SetPanicOnFault)
// and fails the test if fn touches unmapped memory, such as a guard page.
func NoFault(t testing.TB, what string, fn func()) {
	t.Helper()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: fault: %v", what, r)
		}
	}()
	fn()
}
