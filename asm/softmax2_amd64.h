// The scalar steps that ExpScaledSumMaxAVX2 and ExpScaledSumMaxAVX512
// share: the scaling from c (flags&1) and the log of LogSoftmax's second
// pass (flags&4), each step for step as the Go code in kernel/softmax.go.

// SCALING_FOR sets, from c in X0, X2 = j = ⌊c·log2e⌋, X3 = the shifter
// 1.5·2^23 + 26 − j and X4 = lo = j·ln2 − 104 (each rounded once), as
// kernel.scalingFor does, and jumps to unusable if c is not within ±2^15
// (or is NaN). X1 is scratch.
#define SCALING_FOR \
	VUCOMISS    scLimit<>(SB), X0;     \ // c against 2^15: above, or unordered?
	JA          unusable;              \
	JP          unusable;              \
	VXORPS      X1, X1, X1;            \
	VSUBSS      scLimit<>(SB), X1, X1; \ // −2^15
	VUCOMISS    X1, X0;                \
	JB          unusable;              \
	VMULSS      scLog2e<>(SB), X0, X2; \ // c·log2e, rounded
	VROUNDSS    $9, X2, X2, X2;        \ // j = ⌊c·log2e⌋ (9: toward −Inf, inexact quiet)
	VMOVSS      scShift26<>(SB), X3;   \
	VSUBSS      X2, X3, X3;            \ // 1.5·2^23 + 26 − j, exact
	VMOVSS      scM104<>(SB), X4;      \
	VFMADD231SS lgLn2hi<>(SB), X2, X4    // lo = j·ln2 − 104

// LOG_RATIO(SUM, YMAX, LS, T, U) sets LS = log(SUM/YMAX) in float32 from
// the scalars in the low lanes of SUM and YMAX: q = SUM/YMAX = 2^e·f with
// f in [√½, √2], t = (f−1)/(f+1), log f = 2t + 2t·p(t²), LS = log f +
// e·ln2lo + e·ln2hi. T and U are scratch X registers, and so are R11, R12
// and R13. It needs the constants of LOG_RATIO_CONSTANTS in the file.
#define LOG_RATIO(SUM, YMAX, LS, T, U) \
	VDIVSS      YMAX, SUM, T;              \ // q = sum/ymax
	VMOVD       T, R11;                    \
	MOVL        R11, R12;                  \
	SHRL        $23, R12;                  \
	SUBL        $127, R12;                 \ // e
	ANDL        $0x7fffff, R11;            \
	ORL         $0x3f800000, R11;          \ // f in [1, 2)
	MOVL        R11, R13;                  \
	SUBL        $0x00800000, R13;          \ // f/2
	CMPL        R11, $0x3fb504f3;          \
	CMOVLHI     R13, R11;                  \ // f > √2: f/2 ...
	LEAL        1(R12), R13;               \
	CMOVLHI     R13, R12;                  \ // ... and e+1
	VMOVD       R11, T;                    \ // f
	VSUBSS      lgOne<>(SB), T, LS;        \ // f − 1
	VADDSS      lgOne<>(SB), T, U;         \ // f + 1
	VDIVSS      U, LS, LS;                 \ // t
	VMULSS      LS, LS, U;                 \ // t²
	VMOVSS      lgC9<>(SB), T;             \
	VFMADD213SS lgC7<>(SB), U, T;          \ // c9·t² + c7
	VFMADD213SS lgC5<>(SB), U, T;          \
	VFMADD213SS lgC3<>(SB), U, T;          \
	VMULSS      U, T, T;                   \ // p
	VADDSS      LS, LS, LS;                \ // 2t
	VFMADD231SS T, LS, LS;                 \ // 2t + 2t·p = log f
	VCVTSI2SSL  R12, U, U;                 \ // e
	VFMADD231SS lgLn2lo<>(SB), U, LS;      \ // + e·ln2lo
	VFMADD231SS lgLn2hi<>(SB), U, LS         // + e·ln2hi

// SOFTMAX2_CONSTANTS defines the file-local constants of SCALING_FOR and
// LOG_RATIO.
#define SOFTMAX2_CONSTANTS \
	DATA scLimit<>+0(SB)/4, $0x47000000;   \ // 2^15
	GLOBL scLimit<>(SB), RODATA|NOPTR, $4;   \
	DATA scLog2e<>+0(SB)/4, $0x3fb8aa3b;   \
	GLOBL scLog2e<>(SB), RODATA|NOPTR, $4;   \
	DATA scShift26<>+0(SB)/4, $0x4b40001a; \ // 1.5·2^23 + 26
	GLOBL scShift26<>(SB), RODATA|NOPTR, $4; \
	DATA scM104<>+0(SB)/4, $0xc2d00000;    \ // −104
	GLOBL scM104<>(SB), RODATA|NOPTR, $4;    \
	DATA lgOne<>+0(SB)/4, $0x3f800000;   \
	GLOBL lgOne<>(SB), RODATA|NOPTR, $4; \
	DATA lgC3<>+0(SB)/4, $0x3eaaaaab;    \ // 1/3
	GLOBL lgC3<>(SB), RODATA|NOPTR, $4;  \
	DATA lgC5<>+0(SB)/4, $0x3e4ccccd;    \ // 1/5
	GLOBL lgC5<>(SB), RODATA|NOPTR, $4;  \
	DATA lgC7<>+0(SB)/4, $0x3e124925;    \ // 1/7
	GLOBL lgC7<>(SB), RODATA|NOPTR, $4;  \
	DATA lgC9<>+0(SB)/4, $0x3de38e39;    \ // 1/9
	GLOBL lgC9<>(SB), RODATA|NOPTR, $4;  \
	DATA lgLn2hi<>+0(SB)/4, $0x3f317218; \ // float32(ln2)
	GLOBL lgLn2hi<>(SB), RODATA|NOPTR, $4; \
	DATA lgLn2lo<>+0(SB)/4, $0xb102e308; \ // ln2 − float32(ln2)
	GLOBL lgLn2lo<>(SB), RODATA|NOPTR, $4
