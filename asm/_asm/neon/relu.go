package main

// ReLU: FCMLT #0 (false for NaN and −0) then BIC clears the lanes below
// zero and keeps NaN (its payload too) and −0; FMAXNM would turn NaN into
// 0, FMAX −0 into +0.
var reluK = &kernel{name: "ReLU", doc: []string{
	"ReLUNEON: dst[i] = src[i] < 0 ? +0 : src[i], as kernel's reluGeneric."},
	body: []string{
		"fcmlt {t0}.4s, {x}.4s, #0.0",
		"bic {x}.16b, {x}.16b, {t0}.16b",
	}, nregs: 1, kind: mapKind, unroll: 4}

func init() { register(activationFrom("ReLUNEON", "", reluK.emit)) }
