package kernel

// lstmCellGeneric is the pure-Go LSTMCell on one chunk, gates split into
// its four blocks: the steps its doc comment states, each activation
// being the generic level's Sigmoid or Tanh (sigmoidFast, tanhFast).
func lstmCellGeneric(h, c, cPrev, gi, gf, gg, gout []float32) {
	n := len(c)
	h, cPrev, gi, gf, gg, gout = h[:n], cPrev[:n], gi[:n], gf[:n], gg[:n], gout[:n]
	for k := range c {
		i, f, g, o := sigmoidFast(gi[k]), sigmoidFast(gf[k]), tanhFast(gg[k]), sigmoidFast(gout[k])
		ck := fma32(f, cPrev[k], float32(i*g)) // cPrev[k] is read before c[k] is written
		gi[k], gf[k], gg[k], gout[k] = i, f, g, o
		c[k] = ck
		h[k] = float32(o * tanhFast(ck))
	}
}

// gruCellGeneric is the pure-Go GRUCell on one chunk, xg and hg split
// into their three blocks: the steps its doc comment states.
func gruCellGeneric(h, hPrev, xr, xz, xn, hr, hz, hn []float32) {
	n := len(h)
	hPrev, xr, xz, xn, hr, hz, hn = hPrev[:n], xr[:n], xz[:n], xn[:n], hr[:n], hz[:n], hn[:n]
	for k := range h {
		r := sigmoidFast(float32(xr[k] + hr[k]))
		z := sigmoidFast(float32(xz[k] + hz[k]))
		m := tanhFast(fma32(r, hn[k], xn[k]))
		hp := hPrev[k] // read before h[k] is written
		xr[k], xz[k], xn[k] = r, z, m
		h[k] = fma32(z, float32(hp-m), m)
	}
}
