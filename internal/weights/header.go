package weights

// This file parses a safetensors header: JSON read byte by byte, with no
// allocation but the strings, tensor descriptions and map the File keeps.
// encoding/json's Decoder, used before, allocated about 28 times a header
// of MaxTensors empty tensors (an error value for every number's end,
// boxed tokens, a map entry of a whole Info for each tensor).

import (
	"bytes"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of arrays and objects parseHeader skips
// in an unknown field.
const maxDepth = 64

// parseHeader decodes the JSON header strictly: one object whose values are
// tensor descriptions, plus an optional string-to-string "__metadata__";
// no duplicate keys; nothing but whitespace after the object.
func parseHeader(hdr []byte, src string) (*File, error) {
	if !utf8.Valid(hdr) {
		return nil, formatError(src, "header is not valid UTF-8")
	}
	p := &parser{b: hdr, src: src}
	// Every tensor description has a "data_offsets" key: the count sizes
	// the tables once (an overestimate at worst, never past the limit).
	n := min(bytes.Count(hdr, []byte(`"data_offsets"`)), MaxTensors)
	f := &File{src: src, infos: make([]Info, 0, n), index: make(map[string]int, n)}
	haveMetadata := false
	if err := p.open("", ""); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		k, more, err := p.key(first, "", "")
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		if string(k) == metadataKey {
			if haveMetadata {
				return nil, p.fail("duplicate key %q", metadataKey)
			}
			haveMetadata = true
			if f.metadata, err = p.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		if _, dup := f.index[string(k)]; dup {
			return nil, p.fail("duplicate key %q", string(k))
		}
		if len(f.infos) == MaxTensors {
			return nil, p.fail("more than %d tensors", MaxTensors)
		}
		if len(k) > MaxNameLength {
			return nil, p.fail("tensor name %q is longer than %d bytes", string(k), MaxNameLength)
		}
		key := string(k)
		p.tensor = key
		info, err := p.info(key)
		if err != nil {
			return nil, err
		}
		f.index[key] = len(f.infos)
		f.infos = append(f.infos, info)
	}
	p.space()
	if p.i < len(p.b) {
		return nil, p.fail("unexpected %q after the header object", string(p.b[p.i:min(len(p.b), p.i+16)]))
	}
	f.names = make([]string, len(f.infos))
	for i, info := range f.infos {
		f.names[i] = info.Name
	}
	slices.Sort(f.names)
	return f, nil
}

// parser reads the header's JSON.
type parser struct {
	b      []byte
	i      int // the next byte
	src    string
	nums   []uint64 // uints' result, reused
	tensor string   // the tensor being read, for messages
}

func (p *parser) fail(format string, args ...any) error {
	return formatError(p.src, "header: "+format, args...)
}

// A token is one JSON token: a delimiter ({ } [ ] : ,), a string (raw
// holds its quotes and escapes), a number or a literal.
type token struct {
	kind tokenKind
	raw  []byte
}

type tokenKind uint8

const (
	delim tokenKind = iota
	str
	number
	literal
)

// is reports whether t is the delimiter c.
func (t token) is(c byte) bool { return t.kind == delim && t.raw[0] == c }

// text is the token as the header spells it, for messages (which clip it).
func (t token) text() string { return string(t.raw) }

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// next reads the next token, checking its syntax.
func (p *parser) next() (token, error) {
	p.space()
	if p.i >= len(p.b) {
		return token{}, p.fail("unexpected end of JSON")
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',':
		p.i++
		return token{delim, p.b[start:p.i]}, nil
	case c == '"':
		for p.i++; p.i < len(p.b); p.i++ {
			switch ch := p.b[p.i]; {
			case ch == '"':
				p.i++
				return token{str, p.b[start:p.i]}, nil
			case ch == '\\':
				p.i++
			case ch < 0x20:
				return token{}, p.fail("invalid JSON: control character %#x in a string", ch)
			}
		}
		return token{}, p.fail("unexpected end of JSON in a string")
	case c == '-' || c >= '0' && c <= '9':
		for p.i < len(p.b) && (p.b[p.i] >= '0' && p.b[p.i] <= '9' || bytes.IndexByte([]byte("+-.eE"), p.b[p.i]) >= 0) {
			p.i++
		}
		if !isJSONNumber(p.b[start:p.i]) {
			return token{}, p.fail("invalid JSON: malformed number %q", string(p.b[start:p.i]))
		}
		return token{number, p.b[start:p.i]}, nil
	case c >= 'a' && c <= 'z':
		for p.i < len(p.b) && p.b[p.i] >= 'a' && p.b[p.i] <= 'z' {
			p.i++
		}
		switch w := string(p.b[start:p.i]); w {
		case "true", "false", "null":
			return token{literal, p.b[start:p.i]}, nil
		}
		return token{}, p.fail("invalid JSON: unknown literal %q", string(p.b[start:p.i]))
	default:
		return token{}, p.fail("invalid JSON: unexpected character %q", string(p.b[start:start+utf8RuneLen(p.b[start:])]))
	}
}

func utf8RuneLen(b []byte) int {
	_, n := utf8.DecodeRune(b)
	return max(n, 1)
}

// isJSONNumber reports whether b is a number in JSON's grammar.
func isJSONNumber(b []byte) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// unquote returns the value of a string token: a copy of its bytes, or,
// when it has escapes, what encoding/json decodes.
func (p *parser) unquote(t token) (string, error) {
	body := t.raw[1 : len(t.raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), nil
	}
	var s string
	if err := json.Unmarshal(t.raw, &s); err != nil {
		return "", p.fail("invalid JSON: %v", err)
	}
	return s, nil
}

// expect reads the delimiter c.
func (p *parser) expect(c byte) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if !t.is(c) {
		return p.fail("invalid JSON: got %s, want %c", t.text(), c)
	}
	return nil
}

// where is the start of a message about an object: what, or the tensor
// named tensor when it is not empty.
func where(what, tensor string) string {
	if tensor != "" {
		return sprintf("tensor %q: ", tensor)
	}
	return what
}

// open reads the '{' that starts an object; what and tensor say what the
// object is, for the message if it is something else.
func (p *parser) open(what, tensor string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if !t.is('{') {
		return p.fail("%sgot %s, want an object", where(what, tensor), t.text())
	}
	return nil
}

// key reads an object's next key and its colon, after the first key when
// first is false, and returns its value (the header's own bytes when it
// has no escapes), or more = false at the closing '}'.
func (p *parser) key(first bool, what, tensor string) (key []byte, more bool, err error) {
	t, err := p.next()
	if err != nil {
		return nil, false, err
	}
	if t.is('}') {
		return nil, false, nil
	}
	if !first {
		if !t.is(',') {
			return nil, false, p.fail("invalid JSON: %sgot %s after a value, want , or }", where(what, tensor), t.text())
		}
		if t, err = p.next(); err != nil {
			return nil, false, err
		}
	}
	if t.kind != str {
		return nil, false, p.fail("%sgot %s, want a key", where(what, tensor), t.text())
	}
	if key = t.raw[1 : len(t.raw)-1]; bytes.IndexByte(key, '\\') >= 0 {
		s, err := p.unquote(t)
		if err != nil {
			return nil, false, err
		}
		key = []byte(s)
	}
	return key, true, p.expect(':')
}

// skip reads one JSON value of any kind, at most maxDepth deep.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return p.fail("a value nested more than %d deep", maxDepth)
	}
	t, err := p.next()
	if err != nil {
		return err
	}
	switch {
	case t.is('{'):
		for first := true; ; first = false {
			_, more, err := p.key(first, "", "")
			if err != nil || !more {
				return err
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
		}
	case t.is('['):
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return nil
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			if t, err = p.next(); err != nil || t.is(']') {
				return err
			}
			if !t.is(',') {
				return p.fail("invalid JSON: got %s in an array, want , or ]", t.text())
			}
		}
	case t.kind == delim:
		return p.fail("invalid JSON: got %s, want a value", t.text())
	}
	return nil
}

// metadata reads the "__metadata__" value: null or an object of at most
// MaxMetadataKeys strings, whose keys are at most MaxNameLength bytes.
func (p *parser) metadata() (map[string]string, error) {
	p.space()
	if p.i < len(p.b) && p.b[p.i] != '{' {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == literal && t.text() == "null" {
			return nil, nil
		}
		return nil, p.fail("%s: got %s, want an object", metadataKey, t.text())
	}
	if err := p.open("", ""); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for first := true; ; first = false {
		k, more, err := p.key(first, metadataKey+": ", "")
		if err != nil || !more {
			return m, err
		}
		key := string(k)
		if _, dup := m[key]; dup {
			return nil, p.fail("%s: duplicate key %q", metadataKey, key)
		}
		if len(m) == MaxMetadataKeys {
			return nil, p.fail("%s: more than %d keys", metadataKey, MaxMetadataKeys)
		}
		if len(key) > MaxNameLength {
			return nil, p.fail("%s: key %q is longer than %d bytes", metadataKey, key, MaxNameLength)
		}
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind != str {
			return nil, p.fail("%s[%q]: got %s, want a string", metadataKey, key, t.text())
		}
		if m[key], err = p.unquote(t); err != nil {
			return nil, err
		}
	}
}

// info reads one tensor description.
func (p *parser) info(name string) (Info, error) {
	info := Info{Name: name}
	var haveDType, haveShape, haveOffsets bool
	var offsets [2]uint64
	unknown := 0
	if err := p.open("", name); err != nil {
		return info, err
	}
	for first := true; ; first = false {
		key, more, err := p.key(first, "", name)
		if err != nil {
			return info, err
		}
		if !more {
			break
		}
		switch string(key) {
		case "dtype":
			if haveDType {
				return info, p.fail("tensor %q: duplicate field dtype", name)
			}
			haveDType = true
			t, err := p.next()
			if err != nil {
				return info, err
			}
			if t.kind != str {
				return info, p.fail("tensor %q: dtype %s is not a string", name, t.text())
			}
			if info.DType, err = p.dtype(t); err != nil {
				return info, err
			}
		case "shape":
			if haveShape {
				return info, p.fail("tensor %q: duplicate field shape", name)
			}
			haveShape = true
			dims, err := p.uints(name, "shape", MaxRank)
			if err != nil {
				return info, err
			}
			info.Shape = make([]int, len(dims))
			for i, d := range dims {
				if d > uint64(maxInt) {
					return info, p.fail("tensor %q: dimension %d too large", name, d)
				}
				info.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return info, p.fail("tensor %q: duplicate field data_offsets", name)
			}
			haveOffsets = true
			o, err := p.uints(name, "data_offsets", 2)
			if err != nil {
				return info, err
			}
			if len(o) != 2 {
				return info, p.fail("tensor %q: data_offsets has %d entries, want 2", name, len(o))
			}
			offsets = [2]uint64{o[0], o[1]}
		default:
			// Unknown fields are ignored, as the reference implementation
			// ignores them, up to maxUnknownFields of them.
			if unknown++; unknown > maxUnknownFields {
				return info, p.fail("tensor %q: more than %d unknown fields", name, maxUnknownFields)
			}
			if err := p.skip(1); err != nil {
				return info, err
			}
		}
	}
	switch {
	case !haveDType:
		return info, p.fail("tensor %q: no dtype", name)
	case !haveShape:
		return info, p.fail("tensor %q: no shape", name)
	case !haveOffsets:
		return info, p.fail("tensor %q: no data_offsets", name)
	}
	return info, p.checkBytes(&info, offsets)
}

// dtype returns the dtype a string token names, without allocating for
// the names the format defines.
func (p *parser) dtype(t token) (DType, error) {
	body := t.raw[1 : len(t.raw)-1]
	for _, d := range dtypes {
		if string(body) == string(d) {
			return d, nil
		}
	}
	s, err := p.unquote(t)
	if err != nil {
		return "", err
	}
	if d := DType(s); d.Bits() != 0 {
		return d, nil
	}
	return "", p.fail("tensor %q: unknown dtype %q", p.tensor, s)
}

// uints reads a JSON array of at most max non-negative integers into
// p.nums, which it returns.
func (p *parser) uints(name, field string, max int) ([]uint64, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if !t.is('[') {
		return nil, p.fail("tensor %q: %s: got %s, want an array", name, field, t.text())
	}
	out := p.nums[:0]
	defer func() { p.nums = out[:0] }()
	if t, err = p.next(); err != nil || t.is(']') {
		return out, err
	}
	for {
		if len(out) == max {
			return nil, p.fail("tensor %q: %s has more than %d entries", name, field, max)
		}
		if t.kind != number {
			return nil, p.fail("tensor %q: %s: got %s, want an integer", name, field, t.text())
		}
		v, err := strconv.ParseUint(string(t.raw), 10, 64)
		if err != nil {
			return nil, p.fail("tensor %q: %s: %s is not a non-negative integer", name, field, t.text())
		}
		out = append(out, v)
		if t, err = p.next(); err != nil || t.is(']') {
			return out, err
		}
		if !t.is(',') {
			return nil, p.fail("invalid JSON: tensor %q: %s: got %s, want , or ]", name, field, t.text())
		}
		if t, err = p.next(); err != nil {
			return nil, err
		}
	}
}

// dtypes lists every safetensors dtype, for dtype's lookup.
var dtypes = []DType{BOOL, F4, F6E2M3, F6E3M2, U8, I8, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ,
	I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64}

// checkBytes sets info's byte range from offsets, checking that it holds
// exactly the elements its dtype and shape need, computed without
// overflow.
func (p *parser) checkBytes(info *Info, offsets [2]uint64) error {
	name := info.Name
	if offsets[0] > offsets[1] {
		return p.fail("tensor %q: data_offsets [%d, %d] end before they begin", name, offsets[0], offsets[1])
	}
	if offsets[1] > uint64(math.MaxInt64) {
		return p.fail("tensor %q: data_offsets [%d, %d] out of range", name, offsets[0], offsets[1])
	}
	info.Begin, info.End = int64(offsets[0]), int64(offsets[1])
	count := uint64(1)
	for _, d := range info.Shape {
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 {
			return p.fail("tensor %q: shape %v overflows", name, info.Shape)
		}
		count = lo
	}
	hi, nbits := bits.Mul64(count, uint64(info.DType.Bits()))
	if hi != 0 {
		return p.fail("tensor %q: shape %v overflows", name, info.Shape)
	}
	if nbits%8 != 0 {
		return p.fail("tensor %q: %d elements of %s are not a whole number of bytes", name, count, info.DType)
	}
	nbytes := nbits / 8
	if nbytes != offsets[1]-offsets[0] {
		return p.fail("tensor %q: %s%v needs %d bytes but data_offsets [%d, %d] hold %d",
			name, info.DType, info.Shape, nbytes, offsets[0], offsets[1], offsets[1]-offsets[0])
	}
	return nil
}
