package weights

// This file holds the restricted unpickler of a torch checkpoint's
// data.pkl, and of the pickles of the legacy format (torch_legacy.go): the
// opcodes and the few globals that torch.save writes for a state_dict of
// tensors, and nothing else. It never calls anything from the file: a
// global is a name it knows or an error, and REDUCE on a known name builds
// one of the values below.

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the unpickler, so that a hostile data.pkl costs bounded memory
// (TestTorchPickleAmplification measures it) and time linear in its size.
const (
	// maxPickleSize is the largest data.pkl accepted, in bytes: a state_dict
	// costs about 150 bytes a tensor, so this allows some 100,000 tensors,
	// more than MaxTensors.
	maxPickleSize = 16 << 20

	// maxValues is the most values a pickle may push (a state_dict pushes
	// about 25 a tensor, so this allows more than MaxTensors), and
	// maxStack the most on the stack at once (pickle writes SETITEMS and
	// APPENDS in batches of 1000): together they bound the memory the
	// values take, at 16 bytes each, however the pickle arranges them.
	maxValues = 1 << 21
	maxStack  = 1 << 16

	// chunkPairs is the number of pairs in a chunk of a pyDict.
	chunkPairs = 256

	// maxMemo is the most memo entries a pickle may store.
	maxMemo = 1 << 20

	// maxMarks is the deepest nesting of MARKs (tuples, SETITEMS and
	// APPENDS open at once); torch's pickles nest two or three deep.
	maxMarks = 64

	// maxGlobalName is the longest module or name of a GLOBAL, in bytes.
	maxGlobalName = 256

	// maxKeptKeys is the number of a dict's keys kept for messages.
	maxKeptKeys = 8
)

// checkpointKeys are the keys under which a training checkpoint (a dict
// such as {"model": model.state_dict(), "epoch": 3, "optimizer": …})
// may hold the one state_dict that Open reads from it.
var checkpointKeys = []string{"state_dict", "model", "model_state_dict", "net"}

// The values a restricted pickle builds. Integers are int64 (a LONG1 that
// does not fit is a pyBigInt), strings are Go strings, None is nil.
type (
	pyTuple []any
	// pyList is a list, whose items nothing in a state_dict needs: only
	// their number is kept, and, when the unpickler keeps lists' items
	// (the legacy format's list of storage keys), the items.
	pyList struct {
		n     int
		items []any
	}
	pyBigInt struct{}
	pyGlobal struct{ module, name string }
	// pyDict is a dict or an OrderedDict. Only what a state_dict needs is
	// kept: its pairs of a string and a tensor, in insertion order, and
	// the first pair of another kind, which makes the dict no state_dict
	// (as _metadata's dict of dicts is none).
	pyDict struct {
		// chunks hold the pairs, chunkPairs a chunk, so that a dict
		// grows without copying (a hostile pickle fills dicts cheaply).
		chunks     [][]pyPair
		n          int // every pair, kept or not
		badK, badV any // the first pair that is not a string and a tensor
		bad        bool
		tensors    int // the pairs of a string and a tensor, kept or not
		// keys are the first maxKeptKeys keys, for messages, and vals
		// their values (the legacy format's sys info is read from them).
		keys, vals []any
		// subs are the dicts under the keys of checkpointKeys, in
		// insertion order: where a training checkpoint keeps its
		// state_dict.
		subs []pySub
	}
	pySub struct {
		key string
		d   *pyDict
	}
	pyPair struct {
		key string
		t   *pyTensor
	}

	// pyStorage is a storage named by a persistent ID: the zip record
	// archive/data/<key>, or the legacy format's record of key, of numel
	// elements of the storage class typ. A view (the legacy format's
	// view_metadata) is numel elements of the storage root from element
	// base on; a storage that is no view has root nil.
	pyStorage struct {
		key   string
		typ   string // torch's class name, "FloatStorage"
		numel int64
		root  *pyStorage
		base  int64
	}
	// pyTensor is torch._utils._rebuild_tensor_v2's view of a storage.
	pyTensor struct {
		storage *pyStorage
		offset  int64
		size    []int64
		stride  []int64
	}
)

// unpickler holds the state of one restricted unpickling.
type unpickler struct {
	b        []byte
	i        int // the next byte
	stack    []any
	marks    []int // stack heights at each MARK
	memo     []any // pickle numbers its memo entries 0, 1, 2, …
	storages map[string]*pyStorage
	src      string
	pushes   int    // values pushed so far
	what     string // the pickle, for messages: "data.pkl"

	// legacy reads a pickle of the legacy format: one of several in a
	// file, ending at its STOP rather than at the end of b; persistent IDs
	// of six items; _rebuild_tensor, and Python 2's byte strings read as
	// UTF-8 (as torch.load reads them). cut says that b ends before the
	// file does, at the most the reader reads of it.
	legacy, cut bool
	// keepItems keeps lists' items, at most maxItems in all (the legacy
	// format's storage keys, one per storage; the object's lists, where
	// Python 2 keeps an OrderedDict's items).
	keepItems bool
	maxItems  int
}

// unpickle runs the restricted unpickler over data.pkl and returns the
// value it leaves.
func unpickle(b []byte, src string) (any, error) {
	u := &unpickler{b: b, storages: map[string]*pyStorage{}, src: src, what: "data.pkl"}
	return u.run()
}

// fail returns an error wrapping ErrFormat for the opcode at byte at.
func (u *unpickler) fail(at int, format string, args ...any) error {
	return torchError(u.src, "%s at byte %d: %s", composed(u.what), at, composed(sprintf(format, args...)))
}

// errCut is what short returns when the pickle runs past the end of a
// buffer that ends before the file does (cut).
var errCut = errors.New("the pickle runs past the bytes read")

// short returns the error for a pickle that runs past the end of b: the
// message for a truncated one, or errCut.
func (u *unpickler) short(at int, format string, args ...any) error {
	if u.cut {
		return errCut
	}
	return u.fail(at, format, args...)
}

// take returns the next n bytes.
func (u *unpickler) take(at, n int) ([]byte, error) {
	if n > len(u.b)-u.i {
		return nil, u.short(at, "truncated: an argument of %d bytes, %d left", n, len(u.b)-u.i)
	}
	if n < 0 {
		return nil, u.fail(at, "truncated: an argument of %d bytes, %d left", n, len(u.b)-u.i)
	}
	p := u.b[u.i : u.i+n]
	u.i += n
	return p, nil
}

// push pushes v; run checks the limits on the stack after each opcode.
func (u *unpickler) push(v any) {
	u.stack = append(u.stack, v)
	u.pushes++
}

// pop removes the top of the stack, which must be above the last MARK.
func (u *unpickler) pop(at int) (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, u.fail(at, "stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

// top returns the top of the stack, which must be above the last MARK,
// without removing it.
func (u *unpickler) top(at int) (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, u.fail(at, "stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark removes and returns the items above the last MARK, and the
// MARK. The items alias the stack: they are valid until the next push.
func (u *unpickler) popMark(at int) ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.fail(at, "no MARK")
	}
	h := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := u.stack[h:]
	u.stack = u.stack[:h]
	return items, nil
}

func (u *unpickler) memoize(at int, idx uint32) error {
	v, err := u.top(at)
	if err != nil {
		return err
	}
	switch {
	case int64(idx) < int64(len(u.memo)):
		u.memo[idx] = v
	case int64(idx) > int64(len(u.memo)):
		// Python's pickler numbers entries in order; a gap would make a
		// table as large as the pickle says.
		return u.fail(at, "memo entry %d leaves a gap after entry %d", idx, len(u.memo)-1)
	case len(u.memo) >= maxMemo:
		return u.fail(at, "more than %d memo entries", maxMemo)
	default:
		u.memo = append(u.memo, v)
	}
	return nil
}

func (u *unpickler) recall(at int, idx uint32) error {
	if int64(idx) >= int64(len(u.memo)) {
		return u.fail(at, "memo entry %d was never stored", idx)
	}
	v := u.memo[idx]
	u.push(v)
	return nil
}

// run interprets the pickle to its STOP.
func (u *unpickler) run() (any, error) {
	for u.i < len(u.b) {
		at := u.i
		op := u.b[u.i]
		u.i++
		if err := u.step(at, op); err != nil {
			if err == errStop {
				return u.stop(at)
			}
			return nil, err
		}
		if len(u.stack) > maxStack {
			return nil, u.fail(at, "more than %d values on the stack", maxStack)
		}
		if u.pushes > maxValues {
			return nil, u.fail(at, "more than %d values", maxValues)
		}
	}
	return nil, u.short(len(u.b), "truncated: no STOP")
}

// errStop is step's signal that it read STOP.
var errStop = errors.New("STOP")

// stop checks the state at STOP and returns the pickle's value.
func (u *unpickler) stop(at int) (any, error) {
	switch {
	case u.i != len(u.b) && !u.legacy:
		return nil, u.fail(at, "%d bytes after STOP", len(u.b)-u.i)
	case len(u.marks) != 0:
		return nil, u.fail(at, "STOP with a MARK open")
	case len(u.stack) != 1:
		return nil, u.fail(at, "STOP with %d values on the stack, want 1", len(u.stack))
	}
	return u.stack[0], nil
}

// step interprets one opcode.
func (u *unpickler) step(at int, op byte) error {
	switch op {
	case 0x80: // PROTO
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		if p[0] < 2 || p[0] > 5 {
			return u.fail(at, "pickle protocol %d (want 2 to 5)", p[0])
		}
	case 0x95: // FRAME: a hint of the next frame's length, nothing to do
		_, err := u.take(at, 8)
		return err
	case '.': // STOP
		return errStop
	case '(': // MARK
		if len(u.marks) == maxMarks {
			return u.fail(at, "MARKs nested more than %d deep", maxMarks)
		}
		u.marks = append(u.marks, len(u.stack))
	case '}': // EMPTY_DICT
		u.push(&pyDict{})
	case ']': // EMPTY_LIST
		u.push(&pyList{})
	case ')': // EMPTY_TUPLE
		u.push(pyTuple{})
	case 'N': // NONE
		u.push(nil)
	case 0x88: // NEWTRUE
		u.push(true)
	case 0x89: // NEWFALSE
		u.push(false)
	case 'K': // BININT1
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		u.push(int64(p[0]))
	case 'M': // BININT2
		p, err := u.take(at, 2)
		if err != nil {
			return err
		}
		u.push(int64(binary.LittleEndian.Uint16(p)))
	case 'I': // INT: a decimal line; protocol 1 writes booleans so ("01", "00")
		line, err := u.line(at, "INT")
		if err != nil {
			return err
		}
		switch line {
		case "01":
			u.push(true)
		case "00":
			u.push(false)
		default:
			n, err := strconv.ParseInt(line, 10, 64)
			if err != nil {
				return u.fail(at, "INT %q is not a decimal integer", line)
			}
			u.push(n)
		}
	case 'L': // LONG: a decimal line ending "L" (protocols 0 and 1)
		line, err := u.line(at, "LONG")
		if err != nil {
			return err
		}
		digits, _ := strings.CutSuffix(line, "L")
		switch n, err := strconv.ParseInt(digits, 10, 64); {
		case err == nil:
			u.push(n)
		case errors.Is(err, strconv.ErrRange):
			u.push(pyBigInt{})
		default:
			return u.fail(at, "LONG %q is not a decimal integer", line)
		}
	case 'p', 'g', 'P', 'V', 'S', 'F', 'l', 'd':
		// PUT, GET, PERSID, UNICODE, STRING, FLOAT, LIST, DICT: text
		// opcodes that only protocol 0 writes.
		return u.fail(at, "opcode %q of pickle protocol 0 (torch.save(obj, path, pickle_protocol=0)), which torch.load does not read back either: save with torch.save's default protocol", op)
	case 'J': // BININT
		p, err := u.take(at, 4)
		if err != nil {
			return err
		}
		u.push(int64(int32(binary.LittleEndian.Uint32(p))))
	case 0x8a: // LONG1
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		if p, err = u.take(at, int(p[0])); err != nil {
			return err
		}
		u.push(long1(p))
	case 'G': // BINFLOAT
		p, err := u.take(at, 8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(p)))
	case 'X': // BINUNICODE
		p, err := u.take(at, 4)
		if err != nil {
			return err
		}
		return u.unicode(at, int64(binary.LittleEndian.Uint32(p)))
	case 0x8c: // SHORT_BINUNICODE
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		return u.unicode(at, int64(p[0]))
	case 0x8d: // BINUNICODE8
		p, err := u.take(at, 8)
		if err != nil {
			return err
		}
		n := binary.LittleEndian.Uint64(p)
		if n > uint64(len(u.b)) {
			return u.short(at, "a string of %d bytes in a pickle of %d", n, len(u.b))
		}
		return u.unicode(at, int64(n))
	case 'T', 'U': // BINSTRING, SHORT_BINSTRING: Python 2's str
		if !u.legacy {
			return u.fail(at, "opcode %#02x, a Python 2 string, in a zip checkpoint, which only Python 3 writes", op)
		}
		w := 4
		if op == 'U' {
			w = 1
		}
		p, err := u.take(at, w)
		if err != nil {
			return err
		}
		n := int64(p[0])
		if op == 'T' {
			n = int64(int32(binary.LittleEndian.Uint32(p)))
		}
		if n < 0 {
			return u.fail(at, "BINSTRING of %d bytes", n)
		}
		return u.unicode(at, n)
	case 'q': // BINPUT
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		return u.memoize(at, uint32(p[0]))
	case 'r': // LONG_BINPUT
		p, err := u.take(at, 4)
		if err != nil {
			return err
		}
		return u.memoize(at, binary.LittleEndian.Uint32(p))
	case 0x94: // MEMOIZE
		return u.memoize(at, uint32(len(u.memo)))
	case 'h': // BINGET
		p, err := u.take(at, 1)
		if err != nil {
			return err
		}
		return u.recall(at, uint32(p[0]))
	case 'j': // LONG_BINGET
		p, err := u.take(at, 4)
		if err != nil {
			return err
		}
		return u.recall(at, binary.LittleEndian.Uint32(p))
	case 't': // TUPLE
		items, err := u.popMark(at)
		if err != nil {
			return err
		}
		u.push(pyTuple(slices.Clone(items)))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op - 0x84)
		t := make(pyTuple, n)
		for k := n - 1; k >= 0; k-- {
			v, err := u.pop(at)
			if err != nil {
				return err
			}
			t[k] = v
		}
		u.push(t)
	case 'a': // APPEND
		v, err := u.pop(at)
		if err != nil {
			return err
		}
		return u.appendTo(at, []any{v})
	case 'e': // APPENDS
		items, err := u.popMark(at)
		if err != nil {
			return err
		}
		return u.appendTo(at, items)
	case 's': // SETITEM
		v, err := u.pop(at)
		if err != nil {
			return err
		}
		k, err := u.pop(at)
		if err != nil {
			return err
		}
		return u.setItems(at, []any{k, v})
	case 'u': // SETITEMS
		items, err := u.popMark(at)
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return u.fail(at, "SETITEMS with an odd number (%d) of keys and values", len(items))
		}
		return u.setItems(at, items)
	case 'c': // GLOBAL
		module, err := u.line(at, "GLOBAL")
		if err != nil {
			return err
		}
		name, err := u.line(at, "GLOBAL")
		if err != nil {
			return err
		}
		return u.global(at, module, name)
	case 0x93: // STACK_GLOBAL
		name, err := u.pop(at)
		if err != nil {
			return err
		}
		module, err := u.pop(at)
		if err != nil {
			return err
		}
		m, ok1 := module.(string)
		n, ok2 := name.(string)
		if !ok1 || !ok2 {
			return u.fail(at, "STACK_GLOBAL of %s and %s, want two strings", typeName(module), typeName(name))
		}
		return u.global(at, m, n)
	case 'R': // REDUCE
		args, err := u.pop(at)
		if err != nil {
			return err
		}
		fn, err := u.pop(at)
		if err != nil {
			return err
		}
		v, err := u.reduce(at, fn, args)
		if err != nil {
			return err
		}
		u.push(v)
	case 'Q': // BINPERSID
		pid, err := u.pop(at)
		if err != nil {
			return err
		}
		s, err := u.persistent(at, pid)
		if err != nil {
			return err
		}
		u.push(s)
	case 'b': // BUILD
		state, err := u.pop(at)
		if err != nil {
			return err
		}
		obj, err := u.top(at)
		if err != nil {
			return err
		}
		// An OrderedDict's state is its attributes: a state_dict's
		// _metadata (the modules' versions), which the loaders do not use.
		if _, ok := obj.(*pyDict); !ok {
			return u.fail(at, "BUILD of %s", typeName(obj))
		}
		if _, ok := state.(*pyDict); !ok && state != nil {
			return u.fail(at, "BUILD of a dict with %s", typeName(state))
		}
	default:
		return u.fail(at, "opcode %#02x is not one torch.save writes for a state_dict (at pickle protocols 1 to 5)", op)
	}
	return nil
}

// long1 decodes a LONG1's little-endian two's complement bytes.
func long1(p []byte) any {
	if len(p) > 8 {
		// Fits only if the extra bytes are sign extension.
		ext := byte(0)
		if p[len(p)-1]&0x80 != 0 {
			ext = 0xff
		}
		for _, c := range p[8:] {
			if c != ext {
				return pyBigInt{}
			}
		}
		if (p[7]&0x80 != 0) != (ext == 0xff) {
			return pyBigInt{}
		}
		p = p[:8]
	}
	var v uint64
	for k := len(p) - 1; k >= 0; k-- {
		v = v<<8 | uint64(p[k])
	}
	if n := len(p); n > 0 && n < 8 && p[n-1]&0x80 != 0 {
		v |= ^uint64(0) << (8 * n) // sign-extend
	}
	return int64(v)
}

// unicode pushes the next n bytes as a string, which must be UTF-8.
func (u *unpickler) unicode(at int, n int64) error {
	if n > int64(len(u.b)-u.i) {
		return u.short(at, "truncated: a string of %d bytes, %d left", n, len(u.b)-u.i)
	}
	p, err := u.take(at, int(n))
	if err != nil {
		return err
	}
	if !utf8.Valid(p) {
		return u.fail(at, "a string that is not UTF-8")
	}
	u.push(string(p))
	return nil
}

// line reads the argument of the opcode what (a GLOBAL's module or
// name, an INT's or LONG's digits), up to its newline.
func (u *unpickler) line(at int, what string) (string, error) {
	rest := u.b[u.i:min(len(u.b), u.i+maxGlobalName+1)]
	n := strings.IndexByte(string(rest), '\n')
	if n < 0 && len(rest) <= maxGlobalName {
		return "", u.short(at, "%s without a newline in its first %d bytes", what, len(rest))
	}
	if n < 0 {
		return "", u.fail(at, "%s without a newline in its first %d bytes", what, len(rest))
	}
	s := string(rest[:n])
	u.i += n + 1
	if !utf8.ValidString(s) {
		return "", u.fail(at, "%s argument that is not UTF-8", what)
	}
	return s, nil
}

// appendTo appends items to the list on top of the stack.
func (u *unpickler) appendTo(at int, items []any) error {
	v, err := u.top(at)
	if err != nil {
		return err
	}
	l, ok := v.(*pyList)
	if !ok {
		return u.fail(at, "APPEND to %s", typeName(v))
	}
	l.n += len(items)
	if u.keepItems {
		if len(items) > u.maxItems-len(l.items) {
			return u.fail(at, "a list of more than %d items", u.maxItems)
		}
		l.items = append(l.items, items...)
	}
	return nil
}

// setItems adds the pairs in kv (key, value, key, value, …) to the dict
// on top of the stack.
func (u *unpickler) setItems(at int, kv []any) error {
	v, err := u.top(at)
	if err != nil {
		return err
	}
	d, ok := v.(*pyDict)
	if !ok {
		return u.fail(at, "SETITEM on %s", typeName(v))
	}
	return u.addItems(at, d, kv)
}

// addItems adds the pairs in kv (key, value, key, value, …) to d.
func (u *unpickler) addItems(at int, d *pyDict, kv []any) error {
	if d.n+len(kv)/2 > MaxTensors {
		return u.fail(at, "a dict of more than %d items", MaxTensors)
	}
	d.n += len(kv) / 2
	for k := 0; k < len(kv); k += 2 {
		key, ok1 := kv[k].(string)
		val, ok2 := kv[k+1].(*pyTensor)
		if len(d.keys) < maxKeptKeys {
			d.keys = append(d.keys, kv[k])
			d.vals = append(d.vals, kv[k+1])
		}
		if ok1 && ok2 {
			d.tensors++
		}
		if sub, ok := kv[k+1].(*pyDict); ok && ok1 && slices.Contains(checkpointKeys, key) {
			d.subs = slices.DeleteFunc(d.subs, func(s pySub) bool { return s.key == key })
			d.subs = append(d.subs, pySub{key, sub})
		}
		switch {
		case ok1 && ok2 && !d.bad:
			if len(d.chunks) == 0 || len(d.chunks[len(d.chunks)-1]) == chunkPairs {
				d.chunks = append(d.chunks, make([]pyPair, 0, chunkPairs))
			}
			last := &d.chunks[len(d.chunks)-1]
			*last = append(*last, pyPair{key, val})
		case !(ok1 && ok2) && !d.bad:
			d.bad, d.badK, d.badV = true, kv[k], kv[k+1]
			d.chunks = nil
		}
	}
	return nil
}

// storageTypes maps the storage classes a state_dict's tensors may name
// (torch.<name>) to their dtypes; the others (complex, quantized) are
// refused, naming the tensor, when a tensor uses them.
var storageTypes = map[string]DType{
	"FloatStorage": F32, "HalfStorage": F16, "BFloat16Storage": BF16, "DoubleStorage": F64,
	"LongStorage": I64, "IntStorage": I32, "ShortStorage": I16, "CharStorage": I8,
	"ByteStorage": U8, "BoolStorage": BOOL,
}

// global resolves a GLOBAL: only the names torch's state_dict pickles use.
func (u *unpickler) global(at int, module, name string) error {
	if !dotted(module) || !dotted(name) {
		return u.fail(at, "global %q %q is not a Python name", module, name)
	}
	ok := false
	switch module {
	case "collections":
		ok = name == "OrderedDict"
	case "torch._utils":
		switch name {
		case "_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_parameter_with_state":
			ok = true
		case "_rebuild_tensor":
			// What torch before 0.4 pickled a tensor as, in the legacy
			// format only.
			ok = u.legacy
		}
	case "torch":
		// Every storage class, so that a tensor of an unsupported one is
		// refused with its name; nothing else of torch.
		ok = strings.HasSuffix(name, "Storage") && len(name) > len("Storage")
	}
	if !ok {
		hint := "only a state_dict of tensors can be read: torch.save(model.state_dict(), path)"
		switch {
		case strings.HasPrefix(module, "__torch__"):
			hint = "a TorchScript archive (torch.jit.save)? " + hint
		case u.legacy && len(u.stack) > 0 && u.stack[len(u.stack)-1] == "module":
			// The legacy format's persistent ID ('module', class, file,
			// source) of a module's class.
			hint = "torch.save(model) of a whole module: its classes need their code, which this reader never runs: save torch.save(model.state_dict(), path)"
		case len(u.stack) > 0 || len(u.marks) > 0:
			// Within the pickled value: a training checkpoint's args
			// (argparse.Namespace), a numpy number, a torch.Size.
			hint = "an object inside the checkpoint that only its Python code could rebuild, which this reader never runs: save the state_dict by itself, torch.save(model.state_dict(), path)"
		case name[0] >= 'A' && name[0] <= 'Z':
			// A class as the pickled value itself: what torch.save(model)
			// pickles for a whole module.
			hint = "torch.save(model) of a whole module? its classes need their code, which this reader never runs: save torch.save(model.state_dict(), path)"
		}
		return u.fail(at, "global %s.%s is not allowed (%s)", module, name, hint)
	}
	u.push(pyGlobal{module, name})
	return nil
}

// dotted reports whether s is a dotted Python name as torch's globals are
// (ASCII letters, digits, _ and .), which messages can quote as they are.
func dotted(s string) bool {
	if s == "" || len(s) > maxGlobalName {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// reduce applies one of the allowed callables to its arguments.
func (u *unpickler) reduce(at int, fn, args any) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, u.fail(at, "REDUCE of %s", typeName(fn))
	}
	a, ok := args.(pyTuple)
	if !ok {
		return nil, u.fail(at, "REDUCE of %s.%s with %s, want a tuple", g.module, g.name, typeName(args))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if u.legacy && len(a) == 1 {
			return u.python2Dict(at, a[0])
		}
		if len(a) != 0 {
			return nil, u.fail(at, "OrderedDict with %d arguments, want none", len(a))
		}
		return &pyDict{}, nil
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		return u.rebuildTensor(at, g.name, a)
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		// (data, requires_grad, backward_hooks[, state]): the data is the
		// tensor; the rest is autograd's.
		want := 3
		if g.name == "_rebuild_parameter_with_state" {
			want = 4
		}
		if len(a) != want {
			return nil, u.fail(at, "%s with %d arguments, want %d", g.name, len(a), want)
		}
		t, ok := a[0].(*pyTensor)
		if !ok {
			return nil, u.fail(at, "%s of %s, want a tensor", g.name, typeName(a[0]))
		}
		return t, nil
	}
	return nil, u.fail(at, "REDUCE of %s.%s", g.module, g.name)
}

// python2Dict is the OrderedDict that Python 2's pickle reduces to
// OrderedDict(items), items a list of [key, value] lists (the legacy
// format's lists keep their items, keepItems).
func (u *unpickler) python2Dict(at int, items any) (*pyDict, error) {
	l, ok := items.(*pyList)
	if !ok {
		return nil, u.fail(at, "OrderedDict of %s, want a list of [key, value] items", typeName(items))
	}
	d := &pyDict{}
	for _, it := range l.items {
		var kv []any
		switch it := it.(type) {
		case *pyList:
			kv = it.items
		case pyTuple:
			kv = it
		default:
			return nil, u.fail(at, "OrderedDict with an item that is %s, want a [key, value] list", typeName(it))
		}
		if len(kv) != 2 {
			return nil, u.fail(at, "OrderedDict with an item of %d values, want a [key, value] list", len(kv))
		}
		if err := u.addItems(at, d, kv); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]),
// or (name) _rebuild_tensor(storage, storage_offset, size, stride).
func (u *unpickler) rebuildTensor(at int, name string, a pyTuple) (any, error) {
	switch {
	case name == "_rebuild_tensor" && len(a) != 4:
		return nil, u.fail(at, "_rebuild_tensor with %d arguments, want 4", len(a))
	case name != "_rebuild_tensor" && len(a) != 6 && len(a) != 7:
		return nil, u.fail(at, "_rebuild_tensor_v2 with %d arguments, want 6 or 7", len(a))
	}
	s, ok := a[0].(*pyStorage)
	if !ok {
		return nil, u.fail(at, "_rebuild_tensor_v2 of %s, want a storage", typeName(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 {
		return nil, u.fail(at, "_rebuild_tensor_v2: storage offset is not an integer ≥ 0")
	}
	size, err := u.ints(at, a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := u.ints(at, a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, u.fail(at, "_rebuild_tensor_v2: size %v and stride %v differ in rank", size, stride)
	}
	return &pyTensor{storage: s, offset: off, size: size, stride: stride}, nil
}

// ints reads a tuple of at most MaxRank integers ≥ 0.
func (u *unpickler) ints(at int, v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, u.fail(at, "_rebuild_tensor_v2: %s is %s, want a tuple", what, typeName(v))
	}
	if len(t) > MaxRank {
		return nil, u.fail(at, "_rebuild_tensor_v2: %s has %d dimensions, more than %d", what, len(t), MaxRank)
	}
	out := make([]int64, len(t))
	for k, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, u.fail(at, "_rebuild_tensor_v2: %s[%d] is not an integer ≥ 0", what, k)
		}
		out[k] = n
	}
	return out, nil
}

// persistent resolves a BINPERSID: ('storage', torch.<X>Storage, key,
// location, numel), the same storage object for the same key; in the
// legacy format, ('storage', torch.<X>Storage, key, location, numel,
// view_metadata), whose view_metadata is None or (view_key, offset,
// view_numel): the storage view_key, view_numel elements of the storage
// key from element offset on.
func (u *unpickler) persistent(at int, pid any) (*pyStorage, error) {
	if u.storages == nil {
		// The legacy format's pickles other than the object's.
		return nil, u.fail(at, "a persistent ID, which torch.save writes only in the pickled object")
	}
	t, ok := pid.(pyTuple)
	switch {
	case u.legacy && (!ok || len(t) != 6):
		return nil, u.fail(at, "persistent ID is not a 6-tuple ('storage', type, key, location, numel, view_metadata)")
	case !u.legacy && (!ok || len(t) != 5):
		return nil, u.fail(at, "persistent ID is not a 5-tuple ('storage', type, key, location, numel)")
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, u.fail(at, "persistent ID of kind %s, want 'storage'", typeName(t[0]))
	}
	g, ok := t[1].(pyGlobal)
	if !ok || g.module != "torch" {
		return nil, u.fail(at, "persistent ID's storage type is %s", typeName(t[1]))
	}
	key, ok1 := t[2].(string)
	_, ok2 := t[3].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, u.fail(at, "persistent ID's key, location and numel are not a string, a string and an integer ≥ 0")
	}
	s, err := u.storage(at, &pyStorage{key: key, typ: g.name, numel: numel})
	if err != nil || !u.legacy || t[5] == nil {
		return s, err
	}
	v, ok := t[5].(pyTuple)
	if !ok || len(v) != 3 {
		return nil, u.fail(at, "persistent ID's view_metadata is %s, want None or a 3-tuple (view_key, offset, numel)", typeName(t[5]))
	}
	vkey, ok1 := v[0].(string)
	off, ok2 := v[1].(int64)
	vn, ok3 := v[2].(int64)
	if !ok1 || !ok2 || !ok3 || off < 0 || vn < 0 {
		return nil, u.fail(at, "persistent ID's view_metadata is not a string and two integers ≥ 0")
	}
	if off > s.numel || vn > s.numel-off {
		return nil, u.fail(at, "storage view %q of %d elements at offset %d reaches past its storage %q of %d elements", vkey, vn, off, key, s.numel)
	}
	return u.storage(at, &pyStorage{key: vkey, typ: g.name, numel: vn, root: s, base: off})
}

// storage returns the storage of want.key: want, the first time, and the
// same storage after, which must then be the same as want, but for the
// storage class of a storage of no elements. torch.save checks that the
// tensors sharing data share a dtype only for an allocated storage, so
// two empty tensors viewing one storage as two dtypes name it with two
// classes; their tensors take the first, as torch.load gives them.
func (u *unpickler) storage(at int, want *pyStorage) (*pyStorage, error) {
	if s, ok := u.storages[want.key]; ok {
		if s.typ != want.typ && s.numel != 0 || s.numel != want.numel {
			return nil, u.fail(at, "storage %q is %s of %d elements, and also %s of %d", want.key, s.typ, s.numel, want.typ, want.numel)
		}
		if _, ok := elementBytes(want.typ); !ok {
			return nil, u.fail(at, "storage %q is %s, and also torch.%s, whose element size this reader does not know", want.key, s.typ, want.typ)
		}
		if s.root != want.root || s.base != want.base {
			return nil, u.fail(at, "storage %q is named both as a storage and as a view, or as two different views", want.key)
		}
		return s, nil
	}
	if len(want.key) > MaxNameLength {
		return nil, u.fail(at, "storage key %q is longer than %d bytes", want.key, MaxNameLength)
	}
	u.storages[want.key] = want
	return want, nil
}

// typeName names a pickle value's type for messages, with its article
// ("an int", "a list", "None").
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int64, pyBigInt:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case pyTuple:
		return "a tuple"
	case *pyList:
		return "a list"
	case *pyDict:
		return "a dict"
	case pyGlobal:
		return "the global " + v.module + "." + v.name
	case *pyStorage:
		return "a storage"
	case *pyTensor:
		return "a tensor"
	}
	return "a value"
}
