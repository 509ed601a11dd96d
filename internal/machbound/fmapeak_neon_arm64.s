//go:build !purego && !noasm

#include "textflag.h"

// Written by hand: asm/_asm/neon writes package asm's kernels on its
// kernel skeletons, and this probe is neither. Go's assembler has every
// instruction used, go vet checks the frame, and the package's tests run
// it under qemu-aarch64.

// func fmaPeakNEON(n int)
// n iterations of one FMLA on each of V0–V27, every register its own
// dependency chain (acc += a·b, a = V30, b = V31): more chains than FMA
// latency × FMA pipes on any Arm core (4 × 4 on Neoverse V2), so the
// pipes set the pace. Everything starts at zero.
TEXT ·fmaPeakNEON(SB), NOSPLIT, $0-8
	MOVD n+0(FP), R0
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	CMP  $0, R0
	BLE  fmadone

fmaloop:
	VFMLA V31.S4, V30.S4, V0.S4 // fmla v0.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V1.S4 // fmla v1.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V2.S4 // fmla v2.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V3.S4 // fmla v3.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V4.S4 // fmla v4.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V5.S4 // fmla v5.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V6.S4 // fmla v6.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V7.S4 // fmla v7.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V8.S4 // fmla v8.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V9.S4 // fmla v9.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V10.S4 // fmla v10.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V11.S4 // fmla v11.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V12.S4 // fmla v12.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V13.S4 // fmla v13.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V14.S4 // fmla v14.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V15.S4 // fmla v15.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V16.S4 // fmla v16.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V17.S4 // fmla v17.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V18.S4 // fmla v18.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V19.S4 // fmla v19.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V20.S4 // fmla v20.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V21.S4 // fmla v21.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V22.S4 // fmla v22.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V23.S4 // fmla v23.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V24.S4 // fmla v24.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V25.S4 // fmla v25.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V26.S4 // fmla v26.4s, v30.4s, v31.4s
	VFMLA V31.S4, V30.S4, V27.S4 // fmla v27.4s, v30.4s, v31.4s
	SUBS $1, R0
	BNE  fmaloop

fmadone:
	RET
