package weights

// This file reads the checkpoint torch.save wrote before torch 1.6, and
// writes still with _use_new_zipfile_serialization=False: pickles one
// after another (at torch.save's pickle protocol, 2 unless told), then
// the storages' bytes:
//
//	the magic number 0x1950a86a20f9469cfc6c    a pickled int
//	the protocol version 1001                  a pickled int
//	the sys info                               a pickled dict (protocol_version,
//	                                           little_endian, type_sizes)
//	the object                                 a pickled state_dict, or a training
//	                                           checkpoint's dict
//	the storage keys                           a pickled list of strings, sorted
//	each storage, in the keys' order           its element count, an int64, then its
//	                                           elements, both little-endian
//
// The object is read as data.pkl is (unpickle.go, torch_state.go), but
// for its persistent IDs: ('storage', torch.<X>Storage, key, location,
// numel, view_metadata), where view_metadata, None since torch 1.0, may
// name a view of the storage (view_key, offset, view_numel) that tensors
// are rebuilt on. Files written by Python 2 (byte strings, an OrderedDict
// reduced to a list of [key, value] lists) and by torch before 0.4
// (torch._utils._rebuild_tensor) are read too, as torch.load reads them. The even older tar format (torch before 0.1.10) is refused.

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
)

const (
	// legacyMaxRead is the most bytes of a legacy checkpoint read for its
	// pickles, each of at most maxPickleSize bytes as data.pkl: the
	// object's and the others. The storages that lie within them are not
	// read again.
	legacyMaxRead = 2 * maxPickleSize

	// legacyVersion is the legacy format's protocol version.
	legacyVersion = 1001
)

// legacyMagicBytes is LONG1 of the magic number, 0x1950a86a20f9469cfc6c,
// then STOP; legacyMagicText is the same pickled at protocol 0 or 1.
var (
	legacyMagicBytes = []byte{0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}
	legacyMagicText  = []byte("L119547037146038801333356L\n.")
)

// legacyMagic returns the length of the magic number's pickle that head,
// a file's first bytes, starts with, or 0 if it does not start with one:
// PROTO 2 or 3 then legacyMagicBytes; PROTO 4 or 5, a FRAME, then
// legacyMagicBytes; or legacyMagicText.
func legacyMagic(head []byte) int {
	switch {
	case bytes.HasPrefix(head, legacyMagicText):
		return len(legacyMagicText)
	case len(head) < 2 || head[0] != 0x80 || head[1] < 2 || head[1] > 5:
		return 0
	}
	at := 2
	if head[1] >= 4 {
		if len(head) < at+9 || head[at] != 0x95 {
			return 0
		}
		at += 9
	}
	if !bytes.HasPrefix(head[at:], legacyMagicBytes) {
		return 0
	}
	return at + len(legacyMagicBytes)
}

// legacyTypeBytes are the element sizes of the storage classes that
// storageTypes does not convert, so that the storages after one can be
// found.
var legacyTypeBytes = map[string]int64{
	"ComplexDoubleStorage": 16, "ComplexFloatStorage": 8,
	"QInt8Storage": 1, "QUInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
}

// elementBytes returns the size of an element of the storage class typ.
func elementBytes(typ string) (int64, bool) {
	if dt, ok := storageTypes[typ]; ok {
		return int64(dt.Bits() / 8), true
	}
	n, ok := legacyTypeBytes[typ]
	return n, ok
}

// legacyReader reads one legacy checkpoint: its pickles from head, the
// file's first bytes (all of them, or legacyMaxRead), its storages from r.
type legacyReader struct {
	r    io.ReaderAt
	size int64
	src  string
	head []byte
	at   int // the next pickle's first byte
}

// readLegacyTorch reads a legacy checkpoint of size bytes from r, its
// pickles from its first legacyMaxRead bytes.
func readLegacyTorch(r io.ReaderAt, size int64, src string) (*File, error) {
	head := make([]byte, min(size, legacyMaxRead))
	if err := readAt(r, head, 0, src); err != nil {
		return nil, err
	}
	l := &legacyReader{r: r, size: size, src: src, head: head}
	return l.read()
}

// pickle unpickles the next pickle, of at most maxPickleSize bytes, what
// for messages; the storages its persistent IDs name go into storages;
// keep keeps up to keep of lists' items.
func (l *legacyReader) pickle(what string, storages map[string]*pyStorage, keep int) (any, error) {
	end := min(len(l.head), l.at+maxPickleSize)
	u := &unpickler{b: l.head[:end], i: l.at, storages: storages, src: l.src, what: what,
		legacy: true, cut: int64(end) < l.size, keepItems: keep > 0, maxItems: keep}
	v, err := u.run()
	switch {
	case err != errCut:
	case end-l.at == maxPickleSize:
		err = torchError(l.src, "%s at byte %d is longer than %d bytes, the limit", composed(what), l.at, maxPickleSize)
	default:
		err = torchError(l.src, "%s at byte %d runs past the first %d bytes of the file, which are all this reader reads for the pickles", composed(what), l.at, end)
	}
	l.at = u.i
	return v, err
}

// read reads the pickles, then finds every storage's record (layout)
// before it reads the bytes of those the state_dict's tensors view.
func (l *legacyReader) read() (*File, error) {
	l.at = legacyMagic(l.head)
	if l.at == 0 {
		return nil, torchError(l.src, "no magic number of torch.save's legacy format") // read checked it
	}
	v, err := l.pickle("the protocol version", nil, 0)
	if err != nil {
		return nil, err
	}
	if v != int64(legacyVersion) {
		return nil, torchError(l.src, "legacy format protocol version %s, want %d", legacyValue(v), legacyVersion)
	}
	if err := l.sysInfo(); err != nil {
		return nil, err
	}
	storages := map[string]*pyStorage{}
	// Its lists' items are kept (Python 2 pickles an OrderedDict as a
	// list of [key, value] lists), as many as it pushes values at most.
	obj, err := l.pickle("the pickled object", storages, maxValues)
	if err != nil {
		return nil, err
	}
	keys, err := l.keys(storages)
	if err != nil {
		return nil, err
	}
	offsets, err := l.layout(keys, storages)
	if err != nil {
		return nil, err
	}
	plan, err := planTensors(l.src, obj, l.size)
	if err != nil {
		return nil, err
	}
	data := make(map[*pyStorage][]byte, len(plan.storages))
	for _, s := range plan.storages {
		if data[s], err = l.bytes(offsets[s], storageBytes(s)); err != nil {
			return nil, err
		}
	}
	return plan.build(data), nil
}

// legacyValue describes a pickled value for a message: an integer as
// itself, anything else by its type.
func legacyValue(v any) string {
	if n, ok := v.(int64); ok {
		return sprintf("%d", n)
	}
	return typeName(v)
}

// sysInfo reads the sys info, a dict, and refuses a checkpoint whose
// little_endian is False.
func (l *legacyReader) sysInfo() error {
	at := l.at
	v, err := l.pickle("the sys info", nil, 0)
	if err != nil {
		return err
	}
	d, ok := v.(*pyDict)
	if !ok {
		return torchError(l.src, "the sys info at byte %d is %s, want a dict", at, typeName(v))
	}
	for i, k := range d.keys {
		if k == "little_endian" && d.vals[i] == false {
			return torchError(l.src, "a checkpoint saved on a big-endian machine (sys info little_endian False), which this reader does not convert: load it with torch and save it again, or save it as safetensors")
		}
	}
	return nil
}

// keys reads the list of storage keys, which must name the storages (not
// views) of storages: more than one key more is refused as it is read,
// the rest by layout.
func (l *legacyReader) keys(storages map[string]*pyStorage) ([]string, error) {
	roots := 0
	for _, s := range storages {
		if s.root == nil {
			roots++
		}
	}
	at := l.at
	v, err := l.pickle("the storage key list", nil, roots+1)
	if err != nil {
		return nil, err
	}
	list, ok := v.(*pyList)
	if !ok {
		return nil, torchError(l.src, "the storage key list at byte %d is %s, want a list", at, typeName(v))
	}
	keys := make([]string, len(list.items))
	for i, k := range list.items {
		if keys[i], ok = k.(string); !ok {
			return nil, torchError(l.src, "the storage key list at byte %d: item %d is %s, want a string", at, i, typeName(k))
		}
	}
	return keys, nil
}

// layout returns where each storage's elements start in the file: the
// storages follow the key list in its order, each its element count (8
// bytes) and its elements, up to the end of the file. keys must name
// each storage of the pickled object that is not a view, once, and
// nothing else; each element count must be the storage's numel.
func (l *legacyReader) layout(keys []string, storages map[string]*pyStorage) (map[*pyStorage]int64, error) {
	offsets := make(map[*pyStorage]int64, len(keys))
	pos := int64(l.at)
	for _, key := range keys {
		s, ok := storages[key]
		switch {
		case !ok:
			return nil, torchError(l.src, "the storage key list names %q, a storage the pickled object does not", key)
		case s.root != nil:
			return nil, torchError(l.src, "the storage key list names %q, a view of storage %q", key, s.root.key)
		}
		if _, dup := offsets[s]; dup {
			return nil, torchError(l.src, "the storage key list names %q twice", key)
		}
		es, ok := elementBytes(s.typ)
		if !ok {
			return nil, torchError(l.src, "storage %q has type torch.%s, whose element size this reader does not know", key, s.typ)
		}
		if rest := l.size - pos; rest < 8 || s.numel > (rest-8)/es {
			return nil, torchError(l.src, "storage %q: %d elements of %s at byte %d run past the end of the %d-byte file (truncated?)", key, s.numel, s.typ, pos, l.size)
		}
		offsets[s] = pos + 8
		pos += 8 + s.numel*es
	}
	var missing []string
	for key, s := range storages {
		if _, ok := offsets[s]; !ok && s.root == nil {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return nil, torchError(l.src, "storage %q is not in the storage key list", slices.Min(missing))
	}
	if pos != l.size {
		return nil, torchError(l.src, "%d bytes after the last storage", l.size-pos)
	}
	for _, key := range keys {
		s := storages[key]
		b, err := l.bytes(offsets[s]-8, 8)
		if err != nil {
			return nil, err
		}
		if n := int64(binary.LittleEndian.Uint64(b)); n != s.numel {
			return nil, torchError(l.src, "storage %q: its element count at byte %d is %d, its persistent ID's numel %d", key, offsets[s]-8, n, s.numel)
		}
	}
	return offsets, nil
}

// bytes returns the n bytes at off, which layout has checked lie within
// the file: from head, or read.
func (l *legacyReader) bytes(off, n int64) ([]byte, error) {
	if off+n <= int64(len(l.head)) {
		return l.head[off : off+n], nil
	}
	b := make([]byte, n)
	if err := readAt(l.r, b, off, l.src); err != nil {
		return nil, err
	}
	return b, nil
}

// legacyTar says whether the file of size bytes at r is a tar archive
// (a ustar header's magic at byte 257), the format of torch.save before
// 0.1.10, for read to refuse with tarError.
func legacyTar(r io.ReaderAt, size int64) bool {
	if size < 512 {
		return false
	}
	var magic [5]byte
	n, _ := r.ReadAt(magic[:], 257)
	return n == len(magic) && string(magic[:]) == "ustar"
}

func tarError(src string) error {
	return torchError(src, "a tar archive, as torch.save wrote before torch 0.1.10, which this reader does not read: "+
		"load it with torch and save it again with a current torch.save or as safetensors")
}
