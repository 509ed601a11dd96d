// Package neonasm encodes the Advanced SIMD (NEON) instructions that Go's
// arm64 assembler lacks, so that asm/*_neon_arm64.s can spell them as
//
//	WORD $0x4e20d400 // fadd v0.4s, v0.4s, v0.4s
//
// The NEON generator (asm/_asm/neon) calls Word for every instruction
// Go's assembler lacks. The package's test reads every WORD line of the
// arm64 assembly files and checks that the number is the encoding of the
// instruction in the comment, so a comment can never disagree with the
// code it documents. For a hand-written kernel, run
//
//	go run ./internal/neonasm/cmd/neonword 'fadd v0.4s, v1.4s, v2.4s'
//
// to print the WORD line of an instruction.
//
// Only the forms the kernels use are supported: single-precision and
// 32-bit-lane vectors (.4s, .2s for pairwise scalars), byte vectors for
// the bitwise operations, the int8 kernels' SDOT, SMULL(2), SMLAL(2),
// SADALP, SQXTN(2) and SMAX, by-element forms with a .s[i] index, shifts
// by an immediate, and the across-lanes reductions; and for the norms'
// float64 sums, the three-same floating-point forms on .2d, FCVTL{2},
// FCVTN{2} and FADDP of a .2d pair into a d register.
package neonasm

import (
	"fmt"
	"strconv"
	"strings"
)

// threeSameFP lists the vector floating-point three-register instructions
// as U<<6 | a<<5 | opcode (Arm ARM C4.1.95, "Advanced SIMD three same").
var threeSameFP = map[string]uint32{
	"fmaxnm": 0<<6 | 0<<5 | 0b11000, "fmla": 0<<6 | 0<<5 | 0b11001, "fadd": 0<<6 | 0<<5 | 0b11010,
	"fmulx": 0<<6 | 0<<5 | 0b11011, "fcmeq": 0<<6 | 0<<5 | 0b11100, "fmax": 0<<6 | 0<<5 | 0b11110,
	"frecps": 0<<6 | 0<<5 | 0b11111,
	"fminnm": 0<<6 | 1<<5 | 0b11000, "fmls": 0<<6 | 1<<5 | 0b11001, "fsub": 0<<6 | 1<<5 | 0b11010,
	"fmin": 0<<6 | 1<<5 | 0b11110, "frsqrts": 0<<6 | 1<<5 | 0b11111,
	"fmaxnmp": 1<<6 | 0<<5 | 0b11000, "faddp": 1<<6 | 0<<5 | 0b11010, "fmul": 1<<6 | 0<<5 | 0b11011,
	"fcmge": 1<<6 | 0<<5 | 0b11100, "facge": 1<<6 | 0<<5 | 0b11101, "fmaxp": 1<<6 | 0<<5 | 0b11110,
	"fdiv":    1<<6 | 0<<5 | 0b11111,
	"fminnmp": 1<<6 | 1<<5 | 0b11000, "fabd": 1<<6 | 1<<5 | 0b11010, "fcmgt": 1<<6 | 1<<5 | 0b11100,
	"facgt": 1<<6 | 1<<5 | 0b11101, "fminp": 1<<6 | 1<<5 | 0b11110,
}

// threeSameInt lists the integer three-register instructions (.4s lanes)
// as U<<5 | opcode.
var threeSameInt = map[string]uint32{
	"add": 0<<5 | 0b10000, "sub": 1<<5 | 0b10000, "cmgt": 0<<5 | 0b00110, "cmhi": 1<<5 | 0b00110,
	"cmge": 0<<5 | 0b00111, "cmhs": 1<<5 | 0b00111, "cmeq": 1<<5 | 0b10001, "cmtst": 0<<5 | 0b10001,
	"smax": 0<<5 | 0b01100, "umax": 1<<5 | 0b01100, "smin": 0<<5 | 0b01101, "umin": 1<<5 | 0b01101,
	"sshl": 0<<5 | 0b01000, "ushl": 1<<5 | 0b01000, "mul": 0<<5 | 0b10011,
	"addp": 0<<5 | 0b10111,
}

// logical lists the bitwise three-register instructions (.16b) as
// U<<2 | size; their opcode is 00011.
var logical = map[string]uint32{
	"and": 0<<2 | 0b00, "bic": 0<<2 | 0b01, "orr": 0<<2 | 0b10, "orn": 0<<2 | 0b11,
	"eor": 1<<2 | 0b00, "bsl": 1<<2 | 0b01, "bit": 1<<2 | 0b10, "bif": 1<<2 | 0b11,
}

// twoRegFP lists the vector floating-point two-register instructions as
// U<<6 | a<<5 | opcode ("Advanced SIMD two-register miscellaneous").
// The compare-with-zero forms take a third operand #0.0.
var twoRegFP = map[string]uint32{
	"frintn": 0<<6 | 0<<5 | 0b11000, "frintm": 0<<6 | 0<<5 | 0b11001, "fcvtns": 0<<6 | 0<<5 | 0b11010,
	"fcvtms": 0<<6 | 0<<5 | 0b11011, "fcvtas": 0<<6 | 0<<5 | 0b11100, "scvtf": 0<<6 | 0<<5 | 0b11101,
	"fabs": 0<<6 | 1<<5 | 0b01111, "frintp": 0<<6 | 1<<5 | 0b11000, "frintz": 0<<6 | 1<<5 | 0b11001,
	"fcvtps": 0<<6 | 1<<5 | 0b11010, "fcvtzs": 0<<6 | 1<<5 | 0b11011, "frecpe": 0<<6 | 1<<5 | 0b11101,
	"frinta": 1<<6 | 0<<5 | 0b11000, "frintx": 1<<6 | 0<<5 | 0b11001, "fcvtnu": 1<<6 | 0<<5 | 0b11010,
	"ucvtf": 1<<6 | 0<<5 | 0b11101,
	"fneg":  1<<6 | 1<<5 | 0b01111, "frinti": 1<<6 | 1<<5 | 0b11001, "fcvtzu": 1<<6 | 1<<5 | 0b11011,
	"frsqrte": 1<<6 | 1<<5 | 0b11101, "fsqrt": 1<<6 | 1<<5 | 0b11111,
}

// compareZero lists the floating-point compares against #0.0.
var compareZero = map[string]uint32{
	"fcmgt": 0<<6 | 1<<5 | 0b01100, "fcmeq": 0<<6 | 1<<5 | 0b01101, "fcmlt": 0<<6 | 1<<5 | 0b01110,
	"fcmge": 1<<6 | 1<<5 | 0b01100, "fcmle": 1<<6 | 1<<5 | 0b01101,
}

// twoRegInt lists integer two-register instructions as U<<7 | size<<5 |
// opcode, with the arrangement they take.
var twoRegInt = map[string]struct {
	bits    uint32
	arrange string
}{
	"not": {1<<7 | 0b00<<5 | 0b00101, "16b"}, "mvn": {1<<7 | 0b00<<5 | 0b00101, "16b"},
	"neg": {1<<7 | 0b10<<5 | 0b01011, "4s"}, "abs": {0<<7 | 0b10<<5 | 0b01011, "4s"},
}

// acrossLanes lists the reductions of a .4s vector to a scalar as
// U<<7 | size<<5 | opcode, and whether the result is an s register.
var acrossLanes = map[string]uint32{
	"fmaxnmv": 1<<7 | 0b00<<5 | 0b01100, "fmaxv": 1<<7 | 0b00<<5 | 0b01111,
	"fminnmv": 1<<7 | 0b10<<5 | 0b01100, "fminv": 1<<7 | 0b10<<5 | 0b01111,
	"uminv": 1<<7 | 0b10<<5 | 0b11010, "umaxv": 1<<7 | 0b10<<5 | 0b01010,
	"sminv": 0<<7 | 0b10<<5 | 0b11010, "smaxv": 0<<7 | 0b10<<5 | 0b01010,
	"addv": 0<<7 | 0b10<<5 | 0b11011,
}

// shifts lists shifts by an immediate (.4s) as U<<5 | opcode, and
// whether the immediate counts right (encoded as 64-shift) or left
// (32+shift).
var shifts = map[string]struct {
	bits  uint32
	right bool
}{
	"shl": {0<<5 | 0b01010, false}, "sli": {1<<5 | 0b01010, false},
	"sshr": {0<<5 | 0b00000, true}, "ushr": {1<<5 | 0b00000, true},
	"sri": {1<<5 | 0b01000, true}, "ssra": {0<<5 | 0b00010, true}, "usra": {1<<5 | 0b00010, true},
}

// byElement lists the single-precision by-element instructions as
// U<<4 | opcode.
var byElement = map[string]uint32{
	"fmla": 0<<4 | 0b0001, "fmls": 0<<4 | 0b0101, "fmul": 0<<4 | 0b1001, "fmulx": 1<<4 | 0b1001,
}

// integerDot lists the int8 kernels' widening and dot-product
// instructions by mnemonic and operand arrangements, with their encoding
// before the registers (Rm<<16 | Rn<<5 | Rd are added; a two-operand form
// has no Rm).
var integerDot = map[string]uint32{
	"sdot 4s,16b,16b":   0x4e809400, // SDOT (vector), the dot-product extension
	"smull 8h,8b,8b":    0x0e20c000,
	"smull2 8h,16b,16b": 0x4e20c000,
	"smlal 8h,8b,8b":    0x0e208000,
	"smlal2 8h,16b,16b": 0x4e208000,
	"sadalp 4s,8h":      0x4e606800,
	// The int8 quantizer's saturating narrowing and byte maximum.
	"sqxtn 4h,4s":      0x0e614800,
	"sqxtn2 8h,4s":     0x4e614800,
	"sqxtn 8b,8h":      0x0e214800,
	"sqxtn2 16b,8h":    0x4e214800,
	"smax 16b,16b,16b": 0x4e206400,
}

// operand is one parsed operand: a register with an arrangement, an
// indexed element, a scalar register, or an immediate.
type operand struct {
	kind    byte // 'v' vector, 'e' element, 's' scalar s register, '#' immediate
	reg     uint32
	arrange string // "4s", "2s", "16b" for 'v'
	index   uint32 // for 'e'
	imm     string // for '#'
}

func parseOperand(s string) (operand, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch {
	case strings.HasPrefix(s, "#"):
		return operand{kind: '#', imm: s[1:]}, nil
	case strings.HasPrefix(s, "v"):
		name, rest, ok := strings.Cut(s[1:], ".")
		if !ok {
			return operand{}, fmt.Errorf("vector operand %q lacks an arrangement", s)
		}
		r, err := regNum(name)
		if err != nil {
			return operand{}, err
		}
		if strings.HasPrefix(rest, "s[") && strings.HasSuffix(rest, "]") {
			i, err := strconv.ParseUint(rest[2:len(rest)-1], 10, 32)
			if err != nil || i > 3 {
				return operand{}, fmt.Errorf("bad element index in %q", s)
			}
			return operand{kind: 'e', reg: r, index: uint32(i)}, nil
		}
		switch rest {
		case "4s", "2s", "16b", "8h", "8b", "4h", "2d":
			return operand{kind: 'v', reg: r, arrange: rest}, nil
		}
		return operand{}, fmt.Errorf("unsupported arrangement in %q", s)
	case strings.HasPrefix(s, "s"):
		r, err := regNum(s[1:])
		return operand{kind: 's', reg: r}, err
	case strings.HasPrefix(s, "d"):
		r, err := regNum(s[1:])
		return operand{kind: 'd', reg: r}, err
	}
	return operand{}, fmt.Errorf("unsupported operand %q", s)
}

func regNum(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > 31 {
		return 0, fmt.Errorf("bad register number %q", s)
	}
	return uint32(n), nil
}

// Encode returns the 32-bit encoding of one instruction in Arm syntax,
// such as "fadd v0.4s, v1.4s, v2.4s" or "fmla v3.4s, v4.4s, v5.s[2]".
func Encode(text string) (uint32, error) {
	text = strings.TrimSpace(strings.ToLower(text))
	mn, args, _ := strings.Cut(text, " ")
	var ops []operand
	for _, a := range strings.Split(args, ",") {
		if strings.TrimSpace(a) == "" {
			continue
		}
		o, err := parseOperand(a)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", text, err)
		}
		ops = append(ops, o)
	}
	w, err := encode(mn, ops)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", text, err)
	}
	return w, nil
}

// Word returns the Go assembler directive that emits one instruction in
// Arm syntax, "WORD $0x4e22d420" for "fadd v0.4s, v1.4s, v2.4s", without
// the comment that should follow it.
func Word(text string) (string, error) {
	w, err := Encode(text)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("WORD $0x%08x", w), nil
}

func kinds(ops []operand) string {
	b := make([]byte, len(ops))
	for i, o := range ops {
		b[i] = o.kind
	}
	return string(b)
}

// all4s reports whether every vector operand is .4s.
func allArr(ops []operand, arr string) bool {
	for _, o := range ops {
		if o.kind == 'v' && o.arrange != arr {
			return false
		}
	}
	return true
}

func encode(mn string, ops []operand) (uint32, error) {
	k := kinds(ops)
	const q = 1 << 30
	if k == "vvv" || k == "vv" {
		arr := make([]string, len(ops))
		for i, o := range ops {
			arr[i] = o.arrange
		}
		if b, ok := integerDot[mn+" "+strings.Join(arr, ",")]; ok {
			w := b | ops[1].reg<<5 | ops[0].reg
			if k == "vvv" {
				w |= ops[2].reg << 16
			}
			return w, nil
		}
	}
	switch {
	case k == "vvv" && allArr(ops, "4s") && threeSameFP[mn] != 0:
		b := threeSameFP[mn]
		u, a, opc := b>>6&1, b>>5&1, b&31
		return q | u<<29 | 0b01110<<24 | a<<23 | 1<<21 | ops[2].reg<<16 | opc<<11 | 1<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vvv" && allArr(ops, "2d") && threeSameFP[mn] != 0:
		// The double-precision forms: sz (bit 22) set.
		b := threeSameFP[mn]
		u, a, opc := b>>6&1, b>>5&1, b&31
		return q | u<<29 | 0b01110<<24 | a<<23 | 1<<22 | 1<<21 | ops[2].reg<<16 | opc<<11 | 1<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vv" && (mn == "fcvtl" && ops[0].arrange == "2d" && ops[1].arrange == "2s" ||
		mn == "fcvtl2" && ops[0].arrange == "2d" && ops[1].arrange == "4s"):
		// Widen the low (fcvtl) or high (fcvtl2) two singles to doubles.
		return twoReg(0, 0b01, 0b10111, ops) &^ (q * boolBit(mn == "fcvtl")), nil
	case k == "vv" && (mn == "fcvtn" && ops[0].arrange == "2s" && ops[1].arrange == "2d" ||
		mn == "fcvtn2" && ops[0].arrange == "4s" && ops[1].arrange == "2d"):
		// Narrow two doubles to the low (fcvtn, the high half zeroed) or
		// high (fcvtn2) two singles, rounding as FPCR says (to nearest).
		return twoReg(0, 0b01, 0b10110, ops) &^ (q * boolBit(mn == "fcvtn")), nil
	case k == "dv" && ops[1].arrange == "2d" && mn == "faddp":
		return 0b01111110<<24 | 1<<22 | 0b11000<<17 | 0b01101<<12 | 0b10<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vvv" && allArr(ops, "4s") && threeSameInt[mn] != 0:
		b := threeSameInt[mn]
		return q | (b>>5&1)<<29 | 0b01110<<24 | 0b10<<22 | 1<<21 | ops[2].reg<<16 | (b&31)<<11 | 1<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vvv" && allArr(ops, "16b"):
		b, ok := logical[mn]
		if !ok {
			break
		}
		return q | (b>>2&1)<<29 | 0b01110<<24 | (b&3)<<22 | 1<<21 | ops[2].reg<<16 | 0b00011<<11 | 1<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vv#" && allArr(ops, "4s") && compareZero[mn] != 0 && (ops[2].imm == "0.0" || ops[2].imm == "0"):
		b := compareZero[mn]
		return twoReg(b>>6&1, b>>5&1<<1, b&31, ops), nil
	case k == "vv" && allArr(ops, "4s") && twoRegFP[mn] != 0:
		b := twoRegFP[mn]
		return twoReg(b>>6&1, b>>5&1<<1, b&31, ops), nil
	case k == "vv":
		e, ok := twoRegInt[mn]
		if !ok || !allArr(ops, e.arrange) {
			break
		}
		return twoReg(e.bits>>7&1, e.bits>>5&3, e.bits&31, ops), nil
	case k == "sv" && ops[1].arrange == "4s":
		b, ok := acrossLanes[mn]
		if !ok {
			break
		}
		return q | (b>>7&1)<<29 | 0b01110<<24 | (b>>5&3)<<22 | 0b11000<<17 | (b&31)<<12 | 0b10<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "sv" && ops[1].arrange == "2s" && mn == "faddp":
		return 0b01111110<<24 | 0b11000<<17 | 0b01101<<12 | 0b10<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vv#" && allArr(ops, "4s"):
		s, ok := shifts[mn]
		if !ok {
			break
		}
		n, err := strconv.ParseUint(ops[2].imm, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("bad shift %q", ops[2].imm)
		}
		var immhb uint32
		if s.right {
			if n < 1 || n > 32 {
				return 0, fmt.Errorf("right shift %d out of 1..32", n)
			}
			immhb = 64 - uint32(n)
		} else {
			if n > 31 {
				return 0, fmt.Errorf("left shift %d out of 0..31", n)
			}
			immhb = 32 + uint32(n)
		}
		return q | (s.bits>>5&1)<<29 | 0b011110<<23 | immhb<<16 | (s.bits&31)<<11 | 1<<10 | ops[1].reg<<5 | ops[0].reg, nil
	case k == "vve" && allArr(ops, "4s"):
		b, ok := byElement[mn]
		if !ok {
			break
		}
		m, i := ops[2].reg, ops[2].index
		return q | (b>>4&1)<<29 | 0b01111<<24 | 1<<23 | (i&1)<<21 | m<<16 | (b&15)<<12 | (i>>1)<<11 | ops[1].reg<<5 | ops[0].reg, nil
	}
	return 0, fmt.Errorf("unsupported instruction or operand form")
}

// twoReg encodes "Advanced SIMD two-register miscellaneous" with Q=1.
// boolBit is 1 for true, 0 for false.
func boolBit(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func twoReg(u, size, opcode uint32, ops []operand) uint32 {
	return 1<<30 | u<<29 | 0b01110<<24 | size<<22 | 0b10000<<17 | opcode<<12 | 0b10<<10 | ops[1].reg<<5 | ops[0].reg
}
