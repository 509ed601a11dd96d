// Package x86enc encodes the x86 instructions that the amd64 generator
// (asm/_asm/amd64, avo) cannot write: VPDPBUSD in its VEX form (AVX-VNNI,
// on ymm) and its EVEX form (AVX-512 VNNI, on zmm). Go's assembler knows
// only the EVEX form, which faults on CPUs that have AVX-VNNI without
// AVX-512, and avo knows neither, so the generator writes both as BYTE
// sequences under a comment in GNU as's AT&T syntax:
//
//	// x86enc: {vex} vpdpbusd %ymm3, %ymm2, %ymm1
//	BYTE $0xc4
//	...
//
// The package's test reads every such comment in asm/*_amd64.s,
// assembles it with GNU as, and checks that the bytes under it are what
// objdump shows: a comment can never disagree with the code under it.
//
// Only the register–register forms are supported.
package x86enc

import "fmt"

// VPDPBUSD returns the encoding of "vpdpbusd src2, src1, dst" (AT&T
// order; Intel's vpdpbusd dst, src1, src2): dst's int32 lanes += the sum
// of four products of src1's unsigned bytes and src2's signed bytes.
// zmm selects the EVEX form on zmm registers (0..31), else the VEX form
// on ymm registers (0..15).
func VPDPBUSD(dst, src1, src2 int, zmm bool) ([]byte, error) {
	limit := 16
	if zmm {
		limit = 32
	}
	for _, r := range []int{dst, src1, src2} {
		if r < 0 || r >= limit {
			return nil, fmt.Errorf("x86enc: register %d out of range 0..%d", r, limit-1)
		}
	}
	modrm := byte(0xc0 | (dst&7)<<3 | src2&7)
	inv := func(bit int) byte { return byte(^bit & 1) }
	if !zmm {
		// VEX.256.66.0F38.W0 50 /r: C4, R̄X̄B̄ m-mmmm=00010, W v̄v̄v̄v̄ L=1 pp=01.
		b1 := inv(dst>>3)<<7 | 1<<6 | inv(src2>>3)<<5 | 0b00010
		b2 := byte(^src1&15)<<3 | 1<<2 | 0b01
		return []byte{0xc4, b1, b2, 0x50, modrm}, nil
	}
	// EVEX.512.66.0F38.W0 50 /r: 62, P0 = R̄ X̄ B̄ R̄' 0 0 m m (mm = 10),
	// P1 = W v̄v̄v̄v̄ 1 pp (pp = 01), P2 = z L'L b V̄' aaa (L'L = 10).
	p0 := inv(dst>>3)<<7 | inv(src2>>4)<<6 | inv(src2>>3)<<5 | inv(dst>>4)<<4 | 0b10
	p1 := byte(^src1&15)<<3 | 1<<2 | 0b01
	p2 := byte(0b10)<<5 | inv(src1>>4)<<3
	return []byte{0x62, p0, p1, p2, 0x50, modrm}, nil
}

// Comment returns the AT&T text of the instruction VPDPBUSD encodes, as
// the generator writes it above the bytes (without the "x86enc: " mark).
func Comment(dst, src1, src2 int, zmm bool) string {
	if zmm {
		return fmt.Sprintf("vpdpbusd %%zmm%d, %%zmm%d, %%zmm%d", src2, src1, dst)
	}
	return fmt.Sprintf("{vex} vpdpbusd %%ymm%d, %%ymm%d, %%ymm%d", src2, src1, dst)
}

// Mark is what starts the comment above an encoded instruction.
const Mark = "x86enc: "
