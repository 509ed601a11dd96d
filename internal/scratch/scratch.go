// Package scratch lends pooled buffers to simdcore's packages (kernel's
// Gemm, attn, nn, rnn) for the intermediates of a call, so that
// steady-state calls neither allocate nor zero fresh memory for them, and
// pools the small state of their parallel calls (Pool).
//
// A Buffers is a pool of float32 buffers in size classes a quarter of an
// octave apart (4, 5, 6 and 7 times a power of two elements), shared by
// every goroutine: Get(n) lends the shortest free buffer at least n long,
// of any class, and allocates only when there is none. A buffer is never
// traded for a shorter one, and a call finds what the calls before it
// gave back whatever goroutine or P it runs on; so a goroutine that makes
// calls one after another, each taking buffers (one inside another) and
// giving them back, allocates nothing once each call has run, whatever
// their order and sizes. (A sync.Pool keeps a buffer per P where other Ps
// do not look, and one pool for every size traded long buffers for short
// ones: such a steady state kept allocating now and then.)
//
// Calls split over goroutines (package workers, which calls BeginParallel
// and EndParallel around them) would still allocate whenever, by the luck
// of which shares each goroutine took and when, more buffers were lent at
// once than ever before. So a Get made while parallel calls of k threads
// in all are under way makes sure that its pool holds k buffers at least
// as long as it was asked for, lent or free. A pool from which each
// goroutine holds at most one buffer at a time (one pool per use, as
// Gemm's pack buffers or attention's blocks) then never allocates for a
// size that it has lent once during such calls, while no more goroutines
// than that use it.
//
// Memory: a pool holds as many buffers of a size as were lent at once, or
// as the threads of the parallel calls under way when one was lent, and
// rounding a request up to its class wastes at most a quarter of a
// buffer. A size class that lent nothing between two garbage collections
// gives its free buffers back to the collector at the second, so that one
// huge call does not keep its memory for the life of the program.
//
// Contents are arbitrary: a caller must overwrite, or clear, whatever it
// reads.
package scratch

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// A Buf is a pooled buffer, lent by Get and given back by Put.
type Buf struct {
	// Data has the length asked of Get. The borrower may reslice it
	// (carve it into pieces, say); Put takes back the whole buffer.
	Data []float32
	all  []float32 // the whole buffer, its class's size
}

// newBuf returns a buffer of class c.
func newBuf(c int) *Buf {
	all := make([]float32, classSize(c))
	return &Buf{Data: all, all: all}
}

// numClasses covers every int: class c holds 4+c%4 times 2^(c/4)
// elements.
const numClasses = 4 * 64

// classSet is a set of classes.
type classSet [numClasses / 64]uint64

func (s *classSet) add(c int)           { s[c/64] |= 1 << (c % 64) }
func (s *classSet) remove(c int)        { s[c/64] &^= 1 << (c % 64) }
func (s *classSet) contains(c int) bool { return s[c/64]&(1<<(c%64)) != 0 }

// next returns the smallest class ≥ c in s, or -1.
func (s *classSet) next(c int) int {
	for w := c / 64; w < len(s); w++ {
		m := s[w]
		if w == c/64 {
			m &^= 1<<(c%64) - 1
		}
		if m != 0 {
			return 64*w + bits.TrailingZeros64(m)
		}
	}
	return -1
}

// classOf returns the class of a request of n elements: the smallest
// (4+j)·2^s, j in 0..3, not below n (4 for n ≤ 4).
func classOf(n int) int {
	if n <= 4 {
		return 0
	}
	s := bits.Len(uint(n)) - 3          // n>>s is in [4, 8)
	m := int((uint(n) + 1<<s - 1) >> s) // ⌈n/2^s⌉, in [4, 8]
	return 4*s + m - 4                  // m = 8 is class 4(s+1): the next octave's first
}

// classSize returns the number of elements of a class-c buffer.
func classSize(c int) int { return (4 + c%4) << (c / 4) }

// Buffers is a pool of float32 buffers (see the package comment). Make
// one with NewBuffers, whose pools give idle buffers back at garbage
// collections (a zero Buffers works, but keeps them). Many goroutines may
// use one at once.
type Buffers struct {
	mu    sync.Mutex
	free  [numClasses][]*Buf
	total [numClasses]int // buffers of each class, lent or free
	// nonEmpty holds the classes with a free buffer, populated those
	// with total > 0, used those that lent a buffer since the last
	// garbage collection.
	nonEmpty, populated, used classSet
}

// pools is every Buffers, for releaseIdle.
var pools struct {
	mu  sync.Mutex
	all []*Buffers
}

// NewBuffers returns an empty pool. Pools are meant to live as long as
// the program (package variables): each is kept for releaseIdle.
func NewBuffers() *Buffers {
	p := new(Buffers)
	pools.mu.Lock()
	pools.all = append(pools.all, p)
	pools.mu.Unlock()
	return p
}

// parallel is the sum of the threads of the parallel calls under way.
var parallel atomic.Int64

// BeginParallel records that a call split over up to threads goroutines
// starts, EndParallel(threads) that it has ended: package workers calls
// them, so that Get knows how many goroutines may ask for buffers at once.
func BeginParallel(threads int) { parallel.Add(int64(threads)) }

// EndParallel undoes BeginParallel(threads).
func EndParallel(threads int) { parallel.Add(-int64(threads)) }

// Get lends a buffer of n ≥ 0 elements (a length that can be allocated)
// with arbitrary contents: the shortest free buffer at least n long, of
// n's class or a larger one. It allocates one of n's class when there is
// none, that is when every buffer at least n long is lent; and while
// parallel calls of k > 1 threads in all are under way (BeginParallel),
// if the pool has fewer than k buffers at least n long, lent or free, it
// allocates free ones of n's class up to k.
func (p *Buffers) Get(n int) *Buf {
	c := classOf(n)
	k := int(parallel.Load())
	var b *Buf
	p.mu.Lock()
	f := p.nonEmpty.next(c)
	if f >= 0 {
		l := p.free[f]
		last := len(l) - 1
		b = l[last]
		l[last] = nil
		p.free[f] = l[:last]
		if last == 0 {
			p.nonEmpty.remove(f)
		}
		p.used.add(f)
	} else {
		p.used.add(c)
		p.total[c]++
		p.populated.add(c)
	}
	if k > 1 {
		p.provide(c, k)
	}
	p.mu.Unlock()
	if b == nil {
		b = newBuf(c)
	}
	b.Data = b.all[:n]
	return b
}

// provide makes sure that p holds at least k buffers (lent or free) of
// class c or larger, adding free ones of class c. It marks the classes it
// counts as used, so that a garbage collection does not take back the
// spares that parallel calls keep asking for. The caller holds p.mu. The
// spares are made under the lock, so that no Get counts them before they
// are free.
func (p *Buffers) provide(c, k int) {
	have := 0
	for f := p.populated.next(c); f >= 0 && have < k; f = p.populated.next(f + 1) {
		have += p.total[f]
		p.used.add(f)
	}
	if have >= k {
		return
	}
	for range k - have {
		p.free[c] = append(p.free[c], newBuf(c))
	}
	p.total[c] += k - have
	p.nonEmpty.add(c)
	p.populated.add(c)
	p.used.add(c)
}

// Put gives back b, which p's Get lent; neither b nor its Data (nor any
// slice of it) may be used afterwards.
func (p *Buffers) Put(b *Buf) {
	c := classOf(cap(b.all))
	p.mu.Lock()
	p.free[c] = append(p.free[c], b)
	p.nonEmpty.add(c)
	p.mu.Unlock()
}

// releaseIdle drops the free buffers of the classes that lent nothing
// since the last call (the next collection frees them).
func (p *Buffers) releaseIdle() {
	p.mu.Lock()
	for c := p.nonEmpty.next(0); c >= 0; c = p.nonEmpty.next(c + 1) {
		if p.used.contains(c) {
			continue
		}
		p.total[c] -= len(p.free[c])
		clear(p.free[c])
		p.free[c] = nil
		p.nonEmpty.remove(c)
		if p.total[c] == 0 {
			p.populated.remove(c)
		}
	}
	p.used = classSet{}
	p.mu.Unlock()
}

// std is the pool of the package's Get and Put.
var std = NewBuffers()

// Get lends a buffer of n elements from the package's pool (see
// Buffers.Get), for the intermediates of a call.
func Get(n int) *Buf { return std.Get(n) }

// Put gives back b, which Get lent (see Buffers.Put).
func Put(b *Buf) { std.Put(b) }

// A Set is several buffers lent together by the package's pool and given
// back together by Release. The zero Set is empty and ready to use.
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

// releaseIdle runs after each garbage collection (see gcWatch).
func releaseIdle() {
	pools.mu.Lock()
	all := pools.all
	pools.mu.Unlock()
	for _, p := range all {
		p.releaseIdle()
	}
}

// gcWatch is an object that nothing references and whose finalizer sets
// itself again, so that it runs after every garbage collection (calling
// releaseIdle) without allocating. It holds a pointer so that it is not a
// tiny allocation, whose finalizer would wait for its neighbours.
type gcWatch struct{ _ *byte }

func init() { runtime.SetFinalizer(&gcWatch{}, onGC) }

func onGC(w *gcWatch) {
	releaseIdle()
	runtime.SetFinalizer(w, onGC)
}
