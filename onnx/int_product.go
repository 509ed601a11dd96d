package onnx

import "github.com/simdcore/simdcore/kernel"

// intProduct computes the exact int32 sums of one integer matrix
// product, S[i,j] = Σ_r (a[i,r] − za[i])·(b[r,j] − zb[j]), for an m×k
// int8 or uint8 A and a k×n int8 or uint8 B given as strided views of
// int64 storage (so that a transposed operand needs no copy):
// MatMulInteger, QLinearMatMul and QGemm share it. Sums wrap as int32
// (the operators' accumulator type).
//
// Where B is int8, B is packed as int8 columns with their sums and each
// sum is one kernel.DotInt8 (A's rows as int8: uint8 less 128, the
// 128·Σb added back), the zero points then taken out by the sums:
// Σ (a−za)(b−zb) = Σ ab − zb·Σa − za·Σb + k·za·zb. kernel.DotInt8 counts
// a −128 of its second operand as −127, so a B holding −128 takes the Go
// loop over int32 columns less their zero points instead.
type intProduct struct {
	m, k, n int
	fast    bool    // B is int8: the DotInt8 path, where B has no −128
	bt      []int32 // B's columns less their zero points (the Go loop)
	ar      []int32 // a row of A less its zero point (the Go loop)
	bt8     []int8  // B's columns (the DotInt8 path)
	ar8     []int8  // a row of A as int8 (the DotInt8 path)
	colSum  []int64 // Σ_r b[r,j] (the DotInt8 path)
	// packed: B was packed once while planning (packOnce), packedOK
	// whether it holds no −128.
	packed, packedOK bool
}

// intView is a strided matrix view of int64 storage: element (i, j) is
// v[off + i·rs + j·cs].
type intView struct {
	v           []int64
	off, rs, cs int
}

func (w intView) at(i, j int) int64 { return w.v[w.off+i*w.rs+j*w.cs] }

// newIntProduct allocates the scratch of an m×k by k×n product (charged
// to the node's budget); bInt8 says whether B is int8.
func newIntProduct(c *nodeCtx, m, k, n int, bInt8 bool) (*intProduct, error) {
	p := &intProduct{m: m, k: k, n: n, fast: bInt8 && k > 0}
	var err error
	if p.bt, err = scratch[int32](c, k*n); err != nil {
		return nil, err
	}
	if p.ar, err = scratch[int32](c, k); err != nil {
		return nil, err
	}
	if p.fast {
		if p.bt8, err = scratch[int8](c, k*n); err != nil {
			return nil, err
		}
		if p.ar8, err = scratch[int8](c, k); err != nil {
			return nil, err
		}
		if p.colSum, err = scratch[int64](c, n); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// packB fills bt8 and colSum from b and reports whether it holds no −128
// (the DotInt8 path's condition).
func (p *intProduct) packB(b intView) bool {
	ok := true
	clear(p.colSum)
	for r := range p.k {
		for j := range p.n {
			v := b.at(r, j)
			ok = ok && v != -128
			p.bt8[j*p.k+r] = int8(v)
			p.colSum[j] += v
		}
	}
	return ok
}

// packOnce packs a B known while planning, so that run skips packing.
func (p *intProduct) packOnce(b intView) {
	if p.fast {
		p.packed, p.packedOK = true, p.packB(b)
	}
}

// run computes every S[i,j] of a by b, with za[i] and zb[j] their zero
// points, and hands it to store; aUint8 says whether A is uint8.
func (p *intProduct) run(a, b intView, aUint8 bool, za, zb []int64, store func(i, j int, s int32)) {
	m, k, n := p.m, p.k, p.n
	useFast := p.fast
	switch {
	case p.packed:
		useFast = p.packedOK
	case p.fast:
		useFast = p.packB(b)
	}
	if useFast {
		for i := range m {
			var rowSum int64
			for r := range k {
				v := a.at(i, r)
				rowSum += v
				if aUint8 {
					v -= 128
				}
				p.ar8[r] = int8(v)
			}
			for j := range n {
				sum := kernel.DotInt8(p.ar8, p.bt8[j*k:(j+1)*k])
				if aUint8 {
					sum += 128 * p.colSum[j]
				}
				sum += -zb[j]*rowSum - za[i]*p.colSum[j] + int64(k)*za[i]*zb[j]
				store(i, j, int32(sum))
			}
		}
		return
	}
	for r := range k {
		for j := range n {
			p.bt[j*k+r] = int32(b.at(r, j) - zb[j])
		}
	}
	for i := range m {
		for r := range k {
			p.ar[r] = int32(a.at(i, r) - za[i])
		}
		for j := range n {
			var s int32
			col := p.bt[j*k : (j+1)*k]
			for r, v := range p.ar {
				s += v * col[r]
			}
			store(i, j, s)
		}
	}
}
