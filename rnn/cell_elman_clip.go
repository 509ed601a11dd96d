package rnn

// elmanStep is an Elman cell with Clip (see variant.go):
// h = ψ(clip(z)) for the pre-activation z in g, which it leaves
// activated.
func (v variant) elmanStep(h, g []float32) {
	v.clipTo(g)
	activate(v.act, g)
	copy(h, g)
}
