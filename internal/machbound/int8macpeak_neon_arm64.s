//go:build !purego && !noasm

#include "textflag.h"

// Written by hand, as fmapeak_neon_arm64.s; the encoded instructions are
// internal/neonasm's encodings (go run ./internal/neonasm/cmd/neonword),
// which its tests check against GNU binutils.

// func int8MacPeakNEON(n int)
// n iterations of twelve copies of the NEON path's MAC sequence (SMULL,
// SMLAL2 into int16 pairs, SADALP into int32 lanes: 16 MACs, 192 per
// iteration), each copy's products in its own register (V12–V23) and
// added to its own accumulator (V0–V11), so that a copy is a chain only
// through its SADALP. Everything starts at zero.
TEXT ·int8MacPeakNEON(SB), NOSPLIT, $0-8
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
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16
	CBZ  R0, done

loop:
	WORD $0x0e3fc3cc // smull v12.8h, v30.8b, v31.8b
	WORD $0x4e3f83cc // smlal2 v12.8h, v30.16b, v31.16b
	WORD $0x4e606980 // sadalp v0.4s, v12.8h
	WORD $0x0e3fc3cd // smull v13.8h, v30.8b, v31.8b
	WORD $0x4e3f83cd // smlal2 v13.8h, v30.16b, v31.16b
	WORD $0x4e6069a1 // sadalp v1.4s, v13.8h
	WORD $0x0e3fc3ce // smull v14.8h, v30.8b, v31.8b
	WORD $0x4e3f83ce // smlal2 v14.8h, v30.16b, v31.16b
	WORD $0x4e6069c2 // sadalp v2.4s, v14.8h
	WORD $0x0e3fc3cf // smull v15.8h, v30.8b, v31.8b
	WORD $0x4e3f83cf // smlal2 v15.8h, v30.16b, v31.16b
	WORD $0x4e6069e3 // sadalp v3.4s, v15.8h
	WORD $0x0e3fc3d0 // smull v16.8h, v30.8b, v31.8b
	WORD $0x4e3f83d0 // smlal2 v16.8h, v30.16b, v31.16b
	WORD $0x4e606a04 // sadalp v4.4s, v16.8h
	WORD $0x0e3fc3d1 // smull v17.8h, v30.8b, v31.8b
	WORD $0x4e3f83d1 // smlal2 v17.8h, v30.16b, v31.16b
	WORD $0x4e606a25 // sadalp v5.4s, v17.8h
	WORD $0x0e3fc3d2 // smull v18.8h, v30.8b, v31.8b
	WORD $0x4e3f83d2 // smlal2 v18.8h, v30.16b, v31.16b
	WORD $0x4e606a46 // sadalp v6.4s, v18.8h
	WORD $0x0e3fc3d3 // smull v19.8h, v30.8b, v31.8b
	WORD $0x4e3f83d3 // smlal2 v19.8h, v30.16b, v31.16b
	WORD $0x4e606a67 // sadalp v7.4s, v19.8h
	WORD $0x0e3fc3d4 // smull v20.8h, v30.8b, v31.8b
	WORD $0x4e3f83d4 // smlal2 v20.8h, v30.16b, v31.16b
	WORD $0x4e606a88 // sadalp v8.4s, v20.8h
	WORD $0x0e3fc3d5 // smull v21.8h, v30.8b, v31.8b
	WORD $0x4e3f83d5 // smlal2 v21.8h, v30.16b, v31.16b
	WORD $0x4e606aa9 // sadalp v9.4s, v21.8h
	WORD $0x0e3fc3d6 // smull v22.8h, v30.8b, v31.8b
	WORD $0x4e3f83d6 // smlal2 v22.8h, v30.16b, v31.16b
	WORD $0x4e606aca // sadalp v10.4s, v22.8h
	WORD $0x0e3fc3d7 // smull v23.8h, v30.8b, v31.8b
	WORD $0x4e3f83d7 // smlal2 v23.8h, v30.16b, v31.16b
	WORD $0x4e606aeb // sadalp v11.4s, v23.8h
	SUBS $1, R0
	BNE  loop

done:
	RET
