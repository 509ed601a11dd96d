package weights

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchpickle"
	"github.com/stretchr/testify/require"
)

// legacy is torchpickle.Legacy of a state_dict whose items add appends.
func legacy(add func(p *torchpickle.Pickle), keys []string, storages ...torchpickle.Storage) []byte {
	return torchpickle.Legacy(torchpickle.StateDict(add), keys, storages)
}

// TestTorchLegacyHandmade reads legacy files built here: storage views
// (view_metadata, which torch since 1.0 never writes), a file of Python
// 2's pickles (byte strings, _rebuild_tensor of torch before 0.4), and a
// training checkpoint whose unused storage is of a class not converted;
// torch.load reads each of these files to the same tensors.
func TestTorchLegacyHandmade(t *testing.T) {
	six := torchpickle.Storage{Count: 6, Data: f32le(1, 2, 3, 4, 5, 6)}
	py2 := (&torchpickle.Pickle{}).Op(0x80, 2).Global("collections", "OrderedDict").Op(')', 'R', '(')
	py2.BinString("w").Global("torch._utils", "_rebuild_tensor").Op('(', '(').BinString("storage").Global("torch", "FloatStorage")
	py2.BinString("140").BinString("cpu").Op('K', 6, 'N', 't', 'Q', 'K', 1, 'K', 2, 0x85, 'K', 2, 0x85, 't', 'R', 'u', '.')
	py2Keys := (&torchpickle.Pickle{}).Op(0x80, 2, ']', 'q', 0).BinString("140").Op('a', '.').Bytes()
	ckpt := &torchpickle.Pickle{}
	ckpt.Op(0x80, 2, '}', '(').Str("notes").Str(strings.Repeat("n", 1000))
	ckpt.Str("optimizer").Op('}', '(').Str("z").LegacyTensor("ComplexFloatStorage", "1", 3, nil, 0, []int64{3}, []int64{1}).Op('u')
	ckpt.Str("model").Op('}', '(').Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 2, []int64{2}, []int64{2}).Op('u', 'u', '.')
	for name, c := range map[string]struct {
		file []byte
		want map[string][]float32
	}{
		"views": {legacy(func(p *torchpickle.Pickle) {
			p.Str("whole").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{2, 3}, []int64{3, 1})
			p.Str("tail").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "9", Offset: 3, Numel: 3}, 0, []int64{3}, []int64{1})
			p.Str("tail_t").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "9", Offset: 3, Numel: 3}, 1, []int64{2}, []int64{1})
			p.Str("mid").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "8", Offset: 1, Numel: 4}, 0, []int64{2, 2}, []int64{1, 2})
		}, []string{"0"}, six), map[string][]float32{"whole": {1, 2, 3, 4, 5, 6}, "tail": {4, 5, 6}, "tail_t": {5, 6}, "mid": {2, 4, 3, 5}}},
		"python 2": {slices.Concat(torchpickle.LegacyHeader(true), py2.Bytes(), py2Keys, []byte{6, 0, 0, 0, 0, 0, 0, 0}, six.Data),
			map[string][]float32{"w": {2, 4}}},
		"checkpoint": {torchpickle.Legacy(ckpt.Bytes(), []string{"0", "1"}, []torchpickle.Storage{six, {Count: 3, Data: make([]byte, 24)}}),
			map[string][]float32{"w": {3, 5}}},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := readBytes(c.file)
			require.NoError(t, err)
			require.Len(t, f.Names(), len(c.want))
			for n, want := range c.want {
				x, err := f.Tensor(n)
				require.NoError(t, err, n)
				require.Equal(t, want, x.Data, n)
			}
		})
	}
}

// TestTorchLegacyRefused reads hostile and broken legacy files, each
// refused with ErrFormat and a message that says what is wrong, having
// allocated little: a storage's bytes are read only once every record
// has been found where the key list puts it, within the file, with the
// element count its persistent ID says.
func TestTorchLegacyRefused(t *testing.T) {
	six := torchpickle.Storage{Count: 6, Data: f32le(1, 2, 3, 4, 5, 6)}
	w := func(p *torchpickle.Pickle) {
		p.Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{6}, []int64{1})
	}
	good := legacy(w, []string{"0"}, six)
	header := torchpickle.LegacyHeader(true)
	huge := int64(1) << 60
	cases := map[string]struct {
		file []byte
		msg  string
	}{
		"truncated storage": {good[:len(good)-5], `storage "0": 6 elements of FloatStorage at byte`},
		"truncated count":   {good[:len(good)-24-3], `run past the end of the`},
		"count too large": {legacy(w, []string{"0"}, torchpickle.Storage{Count: 7, Data: six.Data}),
			`storage "0": its element count at byte`},
		"count too small": {legacy(w, []string{"0"}, torchpickle.Storage{Count: 5, Data: six.Data}),
			`is 5, its persistent ID's numel 6`},
		"huge count": {legacy(w, []string{"0"}, torchpickle.Storage{Count: huge, Data: six.Data}),
			`is 1152921504606846976, its persistent ID's numel 6`},
		"huge numel": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", huge, nil, 0, []int64{6}, []int64{1})
		}, []string{"0"}, torchpickle.Storage{Count: huge, Data: six.Data}), `storage "0": 1152921504606846976 elements of FloatStorage at byte`},
		"unknown key": {legacy(w, []string{"0", "1"}, six, six), `the storage key list names "1", a storage the pickled object does not`},
		"missing key": {legacy(w, nil), `storage "0" is not in the storage key list`},
		"key twice":   {legacy(w, []string{"0", "0"}, six, six), `the storage key list names "0" twice`},
		"view key": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "5", Offset: 0, Numel: 6}, 0, []int64{6}, []int64{1})
		}, []string{"5"}, six), `the storage key list names "5", a view of storage "0"`},
		"trailing bytes": {append(slices.Clone(good), 0), `1 bytes after the last storage`},
		"unknown storage class": {torchpickle.Legacy((&torchpickle.Pickle{}).Op(0x80, 2, '}', '(').Str("model").Op('}', '(').
			Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{6}, []int64{1}).Op('u').Str("optimizer").Op('}', '(').
			Str("x").LegacyTensor("FancyStorage", "1", 1, nil, 0, []int64{1}, []int64{1}).Op('u', 'u', '.').Bytes(),
			[]string{"0", "1"}, []torchpickle.Storage{six, {Count: 1, Data: []byte{0}}}),
			`storage "1" has type torch.FancyStorage, whose element size this reader does not know`},
		"view past its storage": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "5", Offset: 4, Numel: 3}, 0, []int64{3}, []int64{1})
		}, []string{"0"}, six), `storage view "5" of 3 elements at offset 4 reaches past its storage "0" of 6 elements`},
		"tensor past its view": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "5", Offset: 0, Numel: 3}, 0, []int64{4}, []int64{1})
		}, []string{"0"}, six), `tensor "w": size [4], stride [1] and offset 0 reach past its storage "5" of 3 elements`},
		"view named as a storage": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "5", Offset: 0, Numel: 3}, 0, []int64{3}, []int64{1})
			p.Str("v").LegacyTensor("FloatStorage", "5", 3, nil, 0, []int64{3}, []int64{1})
		}, []string{"0", "5"}, six, torchpickle.Storage{Count: 3, Data: six.Data[:12]}),
			`storage "5" is named both as a storage and as a view`},
		"zip persistent ID": {legacy(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{6}, []int64{1})
		}, []string{"0"}, six), `persistent ID is not a 6-tuple`},
		"protocol version": {slices.Concat(header[:15], []byte{0x80, 2, 'M', 0xe8, 0x03, '.'}), `legacy format protocol version 1000, want 1001`},
		"big-endian": {slices.Concat(torchpickle.LegacyHeader(false), torchpickle.StateDict(w), torchpickle.KeyList("0"), []byte{6, 0, 0, 0, 0, 0, 0, 0}, six.Data),
			`a checkpoint saved on a big-endian machine`},
		"persistent ID in the sys info": {slices.Concat(header[:21], []byte{0x80, 2, 'N', 'Q', '.'}),
			`the sys info at byte 24: a persistent ID, which torch.save writes only in the pickled object`},
		"sys info not a dict": {slices.Concat(header[:21], []byte{0x80, 2, ']', '.'}), `the sys info at byte 21 is a list, want a dict`},
		"key list not a list": {slices.Concat(header, torchpickle.StateDict(w), []byte{0x80, 2, '}', '.'}), `is a dict, want a list`},
		"key not a string": {slices.Concat(header, torchpickle.StateDict(w), []byte{0x80, 2, ']', 'K', 0, 'a', '.'}),
			`item 0 is an int, want a string`},
		"no key list": {slices.Concat(header, torchpickle.StateDict(w)), `the storage key list at byte`},
		"protocol 0": {[]byte("L119547037146038801333356L\n.I1001\n.(dp0\nVprotocol_version\np1\nI1001\ns."),
			`opcode 'd' of pickle protocol 0`},
		"not a state_dict": {torchpickle.Legacy([]byte{0x80, 2, ']', '.'}, nil, nil), `the checkpoint holds a list, not a state_dict`},
		"tar": {func() []byte {
			b := make([]byte, 1024)
			copy(b, "sys_info")
			copy(b[257:], "ustar\x0000")
			return b
		}(), `a tar archive, as torch.save wrote before torch 0.1.10`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err, alloc, _ := readCost(c.file)
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, "malformed torch checkpoint")
			require.ErrorContains(t, err, c.msg)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(64<<10+4*len(c.file)), "allocated %d bytes for a %d-byte file", alloc, len(c.file))
		})
	}
}

// TestTorchLegacyPickleLimit: a pickle longer than maxPickleSize, and
// pickles that run past the most the reader reads of a file for them,
// are refused saying so, not as a truncated file.
func TestTorchLegacyPickleLimit(t *testing.T) {
	long := (&torchpickle.Pickle{}).Op(0x80, 2, 'X')
	long.Write(binary.LittleEndian.AppendUint32(nil, maxPickleSize))
	b := slices.Concat(torchpickle.LegacyHeader(true), long.Bytes(), make([]byte, maxPickleSize+16))
	_, err := readBytes(b)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "the pickled object at byte "+strconv.Itoa(len(torchpickle.LegacyHeader(true)))+" is longer than 16777216 bytes, the limit")

	// An object of 16 MiB less 100 bytes, then a key list of one string
	// of 16 MiB less 20: each within the limit, together past the first
	// 32 MiB of the file.
	obj := (&torchpickle.Pickle{}).Op(0x80, 2, '}', '(').Str("notes").Str(strings.Repeat("n", maxPickleSize-100)).Op('u', '.').Bytes()
	keys := (&torchpickle.Pickle{}).Op(0x80, 2, ']', '(').Str(strings.Repeat("k", maxPickleSize-20)).Op('e', '.').Bytes()
	b = slices.Concat(torchpickle.LegacyHeader(true), obj, keys, make([]byte, 1<<20))
	_, err = readBytes(b)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "runs past the first 33554432 bytes of the file, which are all this reader reads for the pickles")
}

// TestTorchLegacyCorrupt flips each byte of a legacy checkpoint in turn:
// the result is an error wrapping ErrFormat on one line, or a File of the
// same tensors' names, dtypes and shapes (a storage's bytes have no
// checksum in this format, and some bytes of the pickles are not read,
// such as the sys info's type sizes).
func TestTorchLegacyCorrupt(t *testing.T) {
	flipEachByte(t, "views_legacy.pt", func(want, f *File, i int) {
		require.Equal(t, len(want.infos), len(f.infos), i)
	})
}

// TestTorchLegacyZipOpcodes: the opcodes and globals only the legacy
// format's pickles use are refused in a zip checkpoint's data.pkl.
func TestTorchLegacyZipOpcodes(t *testing.T) {
	for name, c := range map[string]struct {
		pkl []byte
		msg string
	}{
		"byte string": {torchpickle.StateDict(func(p *torchpickle.Pickle) { p.BinString("w") }), `a Python 2 string, in a zip checkpoint`},
		"_rebuild_tensor": {(&torchpickle.Pickle{}).Op(0x80, 2).Global("torch._utils", "_rebuild_tensor").Op('.').Bytes(),
			`global torch._utils._rebuild_tensor is not allowed`},
		"legacy persistent ID": {torchpickle.StateDict(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{6}, []int64{1})
		}), `persistent ID is not a 5-tuple`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readBytes(checkpoint(t, c.pkl, map[string][]byte{"data/0": f32le(1, 2, 3, 4, 5, 6)}, false))
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestTorchLegacyMagic pins the first bytes that make a file a legacy
// checkpoint, at every pickle protocol torch.save takes.
func TestTorchLegacyMagic(t *testing.T) {
	b := torchpickle.LegacyHeader(true)
	require.Equal(t, 15, legacyMagic(b))
	require.Equal(t, 0, legacyMagic(b[:14]))
	require.Equal(t, 28, legacyMagic([]byte("L119547037146038801333356L\n.I1001\n.")))
	framed := append([]byte{0x80, 5, 0x95, 13, 0, 0, 0, 0, 0, 0, 0}, b[2:15]...)
	require.Equal(t, 24, legacyMagic(framed))
	require.Equal(t, 0, legacyMagic(append([]byte{0x80, 6}, b[2:]...)))
	require.Equal(t, 0, legacyMagic(append([]byte{0x80, 4}, b[2:]...)), "protocol 4 frames its pickles")
	require.Equal(t, 0, legacyMagic(bytes.Replace(b, []byte{0x19}, []byte{0x18}, 1)))
}

// TestTorchLegacyKeyListAmplification feeds a storage key list of 4 MB
// that names one memoized key millions of times, whose items the
// unpickler keeps, after an object of 1000 storages: it is refused in
// bounded time, having allocated at most 40 times the file.
func TestTorchLegacyKeyListAmplification(t *testing.T) {
	obj := torchpickle.StateDict(func(p *torchpickle.Pickle) {
		for k := range 1000 {
			p.Str(strconv.Itoa(k)).LegacyTensor("FloatStorage", strconv.Itoa(k), 1, nil, 0, []int64{1}, []int64{1})
		}
	})
	keys := buildAmplified([]byte{']', '(', 'X', 1, 0, 0, 0, 'k', 'q', 0}, func(i int) []byte {
		if i%1000 == 999 {
			return []byte{'e', '(', 'h', 0}
		}
		return []byte{'h', 0}
	})
	file := slices.Concat(torchpickle.LegacyHeader(true), obj, keys)
	err, alloc, took := readCost(file)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "a list of more than 1001 items")
	require.Less(t, took, readLimit)
	require.Less(t, alloc, uint64(40*len(file)), "allocated %d bytes for a %d-byte file: %v", alloc, len(file), err)
	t.Logf("%v; %.1f× the file", err, float64(alloc)/float64(len(file)))
}

// TestTorchLegacyPython2OrderedDict reads a state_dict as Python 2's
// pickle writes an OrderedDict: REDUCE of collections.OrderedDict with one
// argument, a list of [key, value] lists (Python 3 reduces it with no
// argument and SETITEMS), with torch 0.4's _metadata set by BUILD, itself
// such an OrderedDict. torch 1.13's torch.load reads this file to w = [2,
// 4] and b = [6].
func TestTorchLegacyPython2OrderedDict(t *testing.T) {
	six := torchpickle.Storage{Count: 6, Data: f32le(1, 2, 3, 4, 5, 6)}
	p := (&torchpickle.Pickle{}).Op(0x80, 2).Global("collections", "OrderedDict").Op('q', 0, ']', 'q', 1, '(')
	p.Op(']', '(').BinString("w").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
	p.Op('(').BinString("storage").Global("torch", "FloatStorage").Op('q', 2).BinString("140").BinString("cpu").Op('K', 6, 'N', 't', 'Q')
	p.Op('K', 1, 'K', 2, 0x85, 'K', 2, 0x85, 0x89, 'h', 0, ']', 0x85, 'R', 't', 'R', 'e') // backward_hooks OrderedDict([])
	p.Op(']', '(').BinString("b").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
	p.Op('(').BinString("storage").Op('h', 2).BinString("140").BinString("cpu").Op('K', 6, 'N', 't', 'Q')
	p.Op('K', 5, 'K', 1, 0x85, 'K', 1, 0x85, 0x89, ')', 't', 'R', 'e')
	p.Op('e', 0x85, 'R')
	// BUILD {'_metadata': OrderedDict([['', {'version': 1}]])}
	p.Op('}').BinString("_metadata").Op('h', 0, ']', ']', '(').BinString("").Op('}').BinString("version").Op('K', 1, 's', 'e', 'a', 0x85, 'R', 's', 'b', '.')
	keys := (&torchpickle.Pickle{}).Op(0x80, 2, ']', 'q', 0).BinString("140").Op('a', '.').Bytes()
	file := slices.Concat(torchpickle.LegacyHeader(true), p.Bytes(), keys, []byte{6, 0, 0, 0, 0, 0, 0, 0}, six.Data)
	if dir := os.Getenv("SIMDCORE_WRITE_PY2"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "py2_ordereddict.pt"), file, 0o644))
	}
	f, err := readBytes(file)
	require.NoError(t, err)
	require.Equal(t, []string{"b", "w"}, f.Names())
	w, err := f.Float32s("w", 2)
	require.NoError(t, err)
	require.Equal(t, []float32{2, 4}, w)
	b, err := f.Float32s("b", 1)
	require.NoError(t, err)
	require.Equal(t, []float32{6}, b)
	require.Equal(t, "w", f.infos[0].Name, "the dict's order")

	// The pairs must be pairs, and the argument a list of them.
	for name, c := range map[string]struct{ arg, msg []byte }{
		"three items": {[]byte{']', ']', '(', 'K', 1, 'K', 2, 'K', 3, 'e', 'a'}, []byte("an item of 3 values")},
		"not a list":  {[]byte{']', 'K', 1, 'a'}, []byte("an item that is an int")},
		"a dict":      {[]byte{'}'}, []byte("OrderedDict of a dict")},
	} {
		obj := slices.Concat([]byte{0x80, 2}, (&torchpickle.Pickle{}).Global("collections", "OrderedDict").Bytes(), c.arg, []byte{0x85, 'R', '.'})
		_, err := readBytes(torchpickle.Legacy(obj, nil, nil))
		require.ErrorIs(t, err, ErrFormat, name)
		require.ErrorContains(t, err, string(c.msg), name)
	}
}
