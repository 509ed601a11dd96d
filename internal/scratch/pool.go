package scratch

import "sync"

// A Pool lends values of type T (the state of one parallel call: a task
// and its workers.Group, say) to any goroutine, and keeps what it is
// given back. Unlike a sync.Pool, it lends to a goroutine what another
// gave back on another P, and a garbage collection does not empty it: it
// holds as many values as were ever lent at once, so once a call has run
// at its concurrency it allocates nothing more. Its values are small, so
// it never gives them up. The zero Pool is empty and ready to use; many
// goroutines may use one at once.
type Pool[T any] struct {
	mu   sync.Mutex
	free []*T
}

// Get lends a value: one given back by Put, as Put left it, or a new
// zero one.
func (p *Pool[T]) Get() *T {
	p.mu.Lock()
	k := len(p.free)
	if k == 0 {
		p.mu.Unlock()
		return new(T)
	}
	x := p.free[k-1]
	p.free[k-1] = nil
	p.free = p.free[:k-1]
	p.mu.Unlock()
	return x
}

// Put gives x back; it must not be used afterwards.
func (p *Pool[T]) Put(x *T) {
	p.mu.Lock()
	p.free = append(p.free, x)
	p.mu.Unlock()
}
