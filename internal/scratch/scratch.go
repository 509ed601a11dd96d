// Package scratch lends pooled float32 buffers to the model packages (rnn,
// attn) for the intermediates of a call, so that steady-state calls
// neither allocate nor zero fresh memory for them. Buffers come from one
// sync.Pool shared by every user, so their contents are arbitrary: a
// caller must overwrite, or clear, whatever it reads.
package scratch

import "sync"

// A Buf is a pooled buffer, lent by Get and given back by Put.
type Buf struct {
	// Data has the length asked of Get.
	Data []float32
}

var pool = sync.Pool{New: func() any { return new(Buf) }}

// Get lends a buffer of n elements with arbitrary contents; it allocates
// only when the pooled buffer it takes is shorter than n.
func Get(n int) *Buf {
	b := pool.Get().(*Buf)
	if cap(b.Data) < n {
		b.Data = make([]float32, n)
	}
	b.Data = b.Data[:n]
	return b
}

// Put gives b back; neither b nor its Data may be used afterwards.
func Put(b *Buf) { pool.Put(b) }

// A Set is several buffers lent together and given back together by
// Release. The zero Set is empty and ready to use.
type Set []*Buf

// Get lends a slice of n elements with arbitrary contents, valid until
// Release.
func (s *Set) Get(n int) []float32 {
	b := Get(n)
	*s = append(*s, b)
	return b.Data
}

// Release gives back every buffer of s and empties it.
func (s *Set) Release() {
	for _, b := range *s {
		Put(b)
	}
	*s = (*s)[:0]
}
