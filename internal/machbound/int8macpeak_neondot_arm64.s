//go:build !purego && !noasm

#include "textflag.h"

// Written by hand, as fmapeak_neon_arm64.s; the encoded instructions are
// internal/neonasm's encodings (go run ./internal/neonasm/cmd/neonword),
// which its tests check against GNU binutils.

// func int8MacPeakNEONDot(n int)
// n iterations of one SDOT on each of V0–V27 (16 MACs each, 448 per
// iteration), every register its own dependency chain (acc += Σ₄ x·w,
// x = V30, w = V31): more chains than SDOT latency × pipes on any Arm
// core, so the pipes set the pace. Everything starts at zero.
TEXT ·int8MacPeakNEONDot(SB), NOSPLIT, $0-8
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
	CBZ  R0, done

loop:
	WORD $0x4e9f97c0 // sdot v0.4s, v30.16b, v31.16b
	WORD $0x4e9f97c1 // sdot v1.4s, v30.16b, v31.16b
	WORD $0x4e9f97c2 // sdot v2.4s, v30.16b, v31.16b
	WORD $0x4e9f97c3 // sdot v3.4s, v30.16b, v31.16b
	WORD $0x4e9f97c4 // sdot v4.4s, v30.16b, v31.16b
	WORD $0x4e9f97c5 // sdot v5.4s, v30.16b, v31.16b
	WORD $0x4e9f97c6 // sdot v6.4s, v30.16b, v31.16b
	WORD $0x4e9f97c7 // sdot v7.4s, v30.16b, v31.16b
	WORD $0x4e9f97c8 // sdot v8.4s, v30.16b, v31.16b
	WORD $0x4e9f97c9 // sdot v9.4s, v30.16b, v31.16b
	WORD $0x4e9f97ca // sdot v10.4s, v30.16b, v31.16b
	WORD $0x4e9f97cb // sdot v11.4s, v30.16b, v31.16b
	WORD $0x4e9f97cc // sdot v12.4s, v30.16b, v31.16b
	WORD $0x4e9f97cd // sdot v13.4s, v30.16b, v31.16b
	WORD $0x4e9f97ce // sdot v14.4s, v30.16b, v31.16b
	WORD $0x4e9f97cf // sdot v15.4s, v30.16b, v31.16b
	WORD $0x4e9f97d0 // sdot v16.4s, v30.16b, v31.16b
	WORD $0x4e9f97d1 // sdot v17.4s, v30.16b, v31.16b
	WORD $0x4e9f97d2 // sdot v18.4s, v30.16b, v31.16b
	WORD $0x4e9f97d3 // sdot v19.4s, v30.16b, v31.16b
	WORD $0x4e9f97d4 // sdot v20.4s, v30.16b, v31.16b
	WORD $0x4e9f97d5 // sdot v21.4s, v30.16b, v31.16b
	WORD $0x4e9f97d6 // sdot v22.4s, v30.16b, v31.16b
	WORD $0x4e9f97d7 // sdot v23.4s, v30.16b, v31.16b
	WORD $0x4e9f97d8 // sdot v24.4s, v30.16b, v31.16b
	WORD $0x4e9f97d9 // sdot v25.4s, v30.16b, v31.16b
	WORD $0x4e9f97da // sdot v26.4s, v30.16b, v31.16b
	WORD $0x4e9f97db // sdot v27.4s, v30.16b, v31.16b
	SUBS $1, R0
	BNE  loop

done:
	RET
