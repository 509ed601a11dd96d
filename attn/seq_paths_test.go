package attn

import "github.com/simdcore/simdcore/kernel"

// selfDirect runs SelfAttention's direct path over all of q's rows on the
// calling goroutine, in blocks of directRows (directRowsCausal) rows.
func selfDirect(dst, q, k, v kernel.Matrix, opt *Options) {
	rows := directRows
	if opt.Causal {
		rows = directRowsCausal
	}
	serialBlocks(rowBlocks{dst: dst, q: q, k: k, v: v, opt: *opt, rows: rows})
}

// selfTiled runs the flash-attention path with bq×bk score tiles on the
// calling goroutine.
func selfTiled(dst, q, k, v kernel.Matrix, opt *Options, bq, bk int) {
	serialBlocks(rowBlocks{dst: dst, q: q, k: k, v: v, opt: *opt, tiled: true, rows: bq, tileK: bk})
}

func serialBlocks(b rowBlocks) {
	tq := b.q.Rows
	if tq == 0 || b.dst.Cols == 0 {
		return
	}
	b.rows = max(1, min(tq, b.rows))
	buf := make([]float32, b.scratch())
	for i := range (tq + b.rows - 1) / b.rows {
		b.block(i, buf)
	}
}
