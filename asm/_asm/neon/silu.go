package main

// SiLU: each lane runs kernel's silu32, GELUTanh's tail (xSigmoid) with
// wh = t = min(|x|, 120) and wl = 0, then NaN (0x7fc00000) for −Inf, as
// torch; the −Inf mask waits in {t0}, which the tail leaves alone.
var siluK = geluKernel("SiLU", []string{
	"SiLUNEON: dst[i] = silu32(src[i]) = x·σ(x): e^−|x| by Exp's reduction and the",
	"expm1 polynomial, a compensated quotient, NaN for −Inf."},
	append([]string{"one", "siluClamp", "negInf", "siluNaN"}, expm1Res...), func(c *geluCode) {
		c.add("// wh = t = min(|x|, 120) (NaN passes), {t13} = the sign bit of x, xc = t with it.")
		c.absClampSign("siluClamp", 4)
		c.three("fcmeq", v(1), v(0), c.k("negInf"))
		c.xSigmoid(false)
		c.add("// silu(−Inf) = NaN, as torch.")
		c.add("bsl %s.16b, %s.16b, %s.16b", v(1), c.k("siluNaN"), v(0))
		c.mov(v(0), v(1))
	})

func init() { register(activationFrom("SiLUNEON", "kernel/silu.go", siluK.emit)) }
