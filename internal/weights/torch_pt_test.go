package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchpickle"
	"github.com/stretchr/testify/require"
)

// ptFixtures are the checkpoints scripts/torch_pt_fixtures.py wrote, each
// with the safetensors file of the same weights; NAME_legacy is NAME in
// torch.save's legacy format.
var ptFixtures = map[string]string{
	"lstm_proj_legacy":          "lstm_proj",
	"gru_bidir_legacy":          "gru_bidir",
	"lstm_f16_legacy":           "lstm_f16",
	"lstm_stacked_views_legacy": "lstm_stacked",
	"lm_legacy":                 "lm",
	"views_legacy":              "views",
	"lstm_proj":                 "lstm_proj",
	"gru_bidir":                 "gru_bidir",
	"rnn_bidir_tanh":            "rnn_bidir_tanh",
	"lstm_f16":                  "lstm_f16",
	"lstm_stacked_views":        "lstm_stacked",
	"lm":                        "lm",
	"mha_causal":                "mha_causal",
	"enc_post_relu":             "enc_post_relu",
	"views":                     "views",
}

// requireSameFile checks that got (read from a checkpoint) holds the
// tensors of want (read from safetensors): the same names, dtypes, shapes
// and bytes.
func requireSameFile(t *testing.T, want, got *File) {
	t.Helper()
	require.Equal(t, FormatTorch, got.Format())
	require.Equal(t, FormatSafetensors, want.Format())
	require.Equal(t, want.Names(), got.Names())
	require.Empty(t, got.Metadata())
	for _, name := range want.Names() {
		wi, _ := want.Info(name)
		gi, ok := got.Info(name)
		require.True(t, ok, name)
		require.Equal(t, wi.DType, gi.DType, name)
		require.Equal(t, wi.Shape, gi.Shape, name)
		require.Equal(t, want.data[wi.Begin:wi.End], got.data[gi.Begin:gi.End], name)
	}
}

// TestTorchCheckpoints reads every checkpoint torch wrote and requires the
// tensors of the safetensors file of the same weights, bit for bit: an
// OrderedDict with _metadata, nn.Parameters, float16 storages, tensors
// sharing one storage at offsets, a tensor and its tied twin, transposed
// views and slices, bfloat16, float64, a scalar and an int64 buffer.
func TestTorchCheckpoints(t *testing.T) {
	for pt, st := range ptFixtures {
		t.Run(pt, func(t *testing.T) {
			got, err := Open(filepath.Join(torchDir, pt+".pt"))
			require.NoError(t, err)
			want, err := Open(filepath.Join(torchDir, st+".safetensors"))
			require.NoError(t, err)
			requireSameFile(t, want, got)
			b, err := os.ReadFile(filepath.Join(torchDir, pt+".pt"))
			require.NoError(t, err)
			again, err := readBytes(b)
			require.NoError(t, err)
			requireSameFile(t, want, again)
		})
	}
}

// TestTorchViewsConvert checks the conversions of views.pt's tensors: the
// tied twin equals its original, and the int64 buffer refuses float32
// and int8 with a message about a torch checkpoint (it said "malformed
// safetensors file" of the .pt file).
func TestTorchViewsConvert(t *testing.T) {
	f, err := Open(filepath.Join(torchDir, "views.pt"))
	require.NoError(t, err)
	a, err := f.Tensor("a")
	require.NoError(t, err)
	tied, err := f.Tensor("a_tied")
	require.NoError(t, err)
	require.Equal(t, a.Data, tied.Data)
	info, _ := f.Info("num_batches_tracked")
	require.Equal(t, I64, info.DType)
	require.Equal(t, []int{}, info.Shape)
	_, err = f.Tensor("num_batches_tracked")
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "views.pt: malformed torch checkpoint: tensor \"num_batches_tracked\" has dtype I64, which does not convert to float32")
	_, err = f.Int8s("num_batches_tracked")
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "views.pt: malformed torch checkpoint: tensor \"num_batches_tracked\" has dtype I64, want I8")
	require.Equal(t, uint64(7), binary.LittleEndian.Uint64(f.data[info.Begin:info.End]))
}

// TestTorchLegacy reads legacy.pt, torch.save(OrderedDict(w=torch.ones(2)),
// _use_new_zipfile_serialization=False).
func TestTorchLegacy(t *testing.T) {
	f, err := Open(filepath.Join(torchDir, "legacy.pt"))
	require.NoError(t, err)
	require.Equal(t, FormatTorch, f.Format())
	w, err := f.Float32s("w", 2)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 1}, w)
}

// TestTorchEmptyViews reads empty_views.pt and its legacy twin, where
// torch.save named one empty storage as FloatStorage and as IntStorage
// (it compares the dtypes of tensors that share data only for allocated
// storages): read, both empty tensors F32 as torch.load gives them (the
// storage's first type). A storage of elements named with two types,
// which torch.save refuses to write, is refused, naming both.
func TestTorchEmptyViews(t *testing.T) {
	for _, name := range []string{"empty_views.pt", "empty_views_legacy.pt"} {
		f, err := Open(filepath.Join(torchDir, name))
		require.NoError(t, err, name)
		require.Equal(t, []string{"a", "b", "w"}, f.Names(), name)
		for _, k := range []string{"a", "b"} {
			info, _ := f.Info(k)
			require.Equal(t, F32, info.DType, "%s %s", name, k)
			require.Equal(t, []int{0}, info.Shape, "%s %s", name, k)
		}
		w, err := f.Float32s("w", 3)
		require.NoError(t, err, name)
		require.Equal(t, []float32{1, 1, 1}, w, name)
	}
	six := f32le(1, 2, 3, 4, 5, 6)
	twoTypes := func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{6}, []int64{1})
		p.Str("i").Tensor("IntStorage", "0", 6, 0, []int64{6}, []int64{1})
	}
	_, err := readBytes(checkpoint(t, torchpickle.StateDict(twoTypes), map[string][]byte{"data/0": six}, false))
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, `storage "0" is FloatStorage of 6 elements, and also IntStorage of 6`)
	_, err = readBytes(legacy(func(p *torchpickle.Pickle) {
		p.Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{6}, []int64{1})
		p.Str("i").LegacyTensor("IntStorage", "0", 6, nil, 0, []int64{6}, []int64{1})
	}, []string{"0"}, torchpickle.Storage{Count: 6, Data: six}))
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, `storage "0" is FloatStorage of 6 elements, and also IntStorage of 6`)
	_, err = readBytes(checkpoint(t, torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("a").Tensor("FloatStorage", "0", 0, 0, []int64{0}, []int64{1})
		p.Str("b").Tensor("FancyStorage", "0", 0, 0, []int64{0}, []int64{1})
	}), map[string][]byte{"data/0": nil}, false))
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, `storage "0" is FloatStorage, and also torch.FancyStorage, whose element size this reader does not know`)
}

// TestTorchPrefixes reads every proper prefix of a checkpoint, of both
// formats: each is an error wrapping ErrFormat, never a panic.
func TestTorchPrefixes(t *testing.T) {
	for _, name := range []string{"views.pt", "views_legacy.pt"} {
		b, err := os.ReadFile(filepath.Join(torchDir, name))
		require.NoError(t, err)
		for n := range len(b) {
			f, err := readBytes(b[:n])
			require.Nil(t, f, n)
			require.ErrorIs(t, err, ErrFormat, n)
		}
	}
}

// TestTorchCorrupt flips each byte of a checkpoint in turn: the result is
// the same tensors (a byte zip does not read, such as a timestamp), or an
// error wrapping ErrFormat; a flipped storage byte is caught by the CRC.
func TestTorchCorrupt(t *testing.T) {
	flipEachByte(t, "views.pt", func(want, f *File, i int) {
		require.Equal(t, want.infos, f.infos, i)
		require.Equal(t, want.data, f.data, i)
	})
}

// flipEachByte xors each byte of testdata/torch's file name with 0x5a in
// turn: reading it gives an error wrapping ErrFormat on one line, or a
// File that read(want, f, i) checks against the intact file's.
func flipEachByte(t *testing.T, name string, read func(want, f *File, i int)) {
	b, err := os.ReadFile(filepath.Join(torchDir, name))
	require.NoError(t, err)
	want, err := readBytes(b)
	require.NoError(t, err)
	c := slices.Clone(b)
	for i := range c {
		c[i] ^= 0x5a
		f, err := readBytes(c)
		if err != nil {
			require.ErrorIs(t, err, ErrFormat, i)
			require.NotContains(t, err.Error(), "\n", i)
		} else {
			read(want, f, i)
		}
		c[i] = b[i]
	}
}

// checkpoint is torchpickle.Archive in folder "archive".
func checkpoint(t testing.TB, pkl []byte, records map[string][]byte, deflate bool) []byte {
	b, err := torchpickle.Archive("archive", pkl, records, deflate)
	require.NoError(t, err)
	return b
}

func f32le(v ...float32) []byte { return f32bytes(v...) }

// TestTorchHandmade reads checkpoints built here: views torch can write
// but the fixtures do not (a stride-0 broadcast, deflated records), and
// hostile ones, each refused with ErrFormat and a message saying why.
func TestTorchHandmade(t *testing.T) {
	six := f32le(1, 2, 3, 4, 5, 6)
	ok := func(add func(p *torchpickle.Pickle)) []byte {
		return checkpoint(t, torchpickle.StateDict(add), map[string][]byte{"data/0": six, "byteorder": []byte("little"), "version": []byte("3\n")}, false)
	}
	t.Run("views", func(t *testing.T) {
		for _, deflate := range []bool{false, true} {
			b := checkpoint(t, torchpickle.StateDict(func(p *torchpickle.Pickle) {
				p.Str("col").Tensor("FloatStorage", "0", 6, 1, []int64{2}, []int64{3})
				p.Str("bcast").Tensor("FloatStorage", "0", 6, 5, []int64{2, 3}, []int64{0, 0})
				p.Str("t").Tensor("FloatStorage", "0", 6, 0, []int64{3, 2}, []int64{1, 3})
				p.Str("empty").Tensor("FloatStorage", "0", 6, 99, []int64{0, 4}, []int64{4, 1})
			}), map[string][]byte{"data/0": six}, deflate)
			f, err := readBytes(b)
			require.NoError(t, err)
			for name, want := range map[string][]float32{
				"col": {2, 5}, "bcast": {6, 6, 6, 6, 6, 6}, "t": {1, 4, 2, 5, 3, 6}, "empty": {},
			} {
				x, err := f.Tensor(name)
				require.NoError(t, err, name)
				require.Equal(t, want, x.Data, name)
			}
		}
	})
	refused := map[string]struct {
		file []byte
		msg  string
	}{
		"past the storage": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 4, []int64{3}, []int64{1})
		}), `tensor "w": size [3], stride [1] and offset 4 reach past its storage "0" of 6 elements`},
		"stride overflow": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2, 2}, []int64{1 << 62, 1 << 62})
		}), `reach past its storage`},
		"size overflow": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{1 << 40, 1 << 40}, []int64{0, 0})
		}), `size [1099511627776 1099511627776] overflows`},
		"broadcast amplification": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{1 << 30}, []int64{0})
		}), `tensor "w": 1073741824 elements viewing a storage of 6`},
		"storage larger than its record": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 1000, 0, []int64{2}, []int64{1})
		}), `storage "0": 1000 elements of FloatStorage need 4000 bytes, its record holds 24`},
		"storage beyond the limit": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 1<<40, 0, []int64{2}, []int64{1})
		}), "storages of more than " + strconv.FormatInt(min(MaxDataSize, int64(maxInt)), 10) + " bytes"},
		"no record": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "7", 6, 0, []int64{2}, []int64{1})
		}), `storage "7" has no record "archive/data/7"`},
		"complex": {ok(func(p *torchpickle.Pickle) {
			p.Str("z").Tensor("ComplexFloatStorage", "0", 3, 0, []int64{3}, []int64{1})
		}), `tensor "z" has storage type torch.ComplexFloatStorage, which this reader does not convert`},
		"not a tensor": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2}, []int64{1})
			p.Str("epoch").Int(3)
		}), `"epoch" is an int, not a tensor`},
		"os.system": {checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2).Global("os", "system").Str("ls").Op(0x85, 'R', '.').Bytes(), nil, false),
			`global os.system is not allowed`},
		"torchscript": {checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2).Global("__torch__.Net", "Net").Op('.').Bytes(), nil, false),
			`TorchScript archive`},
		"big-endian": {checkpoint(t, torchpickle.StateDict(func(*torchpickle.Pickle) {}), map[string][]byte{"byteorder": []byte("big")}, false),
			`big-endian checkpoint`},
		"duplicate key": {ok(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2}, []int64{1})
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2}, []int64{1})
		}), `tensor "w" appears twice`},
		"deep marks": {checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2).Op(bytes.Repeat([]byte{'('}, 100)...).Bytes(), nil, false),
			`MARKs nested more than 64 deep`},
		"unknown opcode": {checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2, 'i').Bytes(), nil, false), `opcode 0x69`},
		"not a dict":     {checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2, ']', '.').Bytes(), nil, false), `holds a list, not a state_dict`},
		"trailing":       {checkpoint(t, append(torchpickle.StateDict(func(*torchpickle.Pickle) {}), 0), nil, false), `1 bytes after STOP`},
		"no data.pkl": {func() []byte {
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			_, _ = w.Create("archive/other")
			_ = w.Close()
			return buf.Bytes()
		}(), `no "archive/data.pkl"`},
		"not in a folder": {func() []byte {
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			_, _ = w.Create("data.pkl")
			_ = w.Close()
			return buf.Bytes()
		}(), `not in a folder`},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			f, err := readBytes(c.file)
			require.Nil(t, f)
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, "malformed torch checkpoint")
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestTorchInflateLimit: deflated records may expand, together, to at
// most 64 times the file: records of zeros, which deflate 1000 to 1,
// are refused past that, and read within it.
func TestTorchInflateLimit(t *testing.T) {
	for _, c := range []struct {
		n  int64
		ok bool
	}{{1 << 18, true}, {16 << 20, false}} {
		// The tensor views the storage whole when it is to be read, one
		// element of it when not, so that the storage's record, not the
		// tensors' bytes (TestTorchDeflateTimesViews), meets the limit.
		n := c.n
		if !c.ok {
			n = 1
		}
		b := checkpoint(t, torchpickle.StateDict(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", c.n, 0, []int64{n}, []int64{1})
		}), map[string][]byte{"data/0": make([]byte, 4*c.n)}, true)
		f, err := readBytes(b)
		if c.ok {
			require.NoError(t, err)
			x, err := f.Tensor("w")
			require.NoError(t, err)
			require.Len(t, x.Data, int(c.n))
			continue
		}
		require.ErrorIs(t, err, ErrFormat)
		require.ErrorContains(t, err, "64 times the file: save it uncompressed")
	}
}

// TestTorchDeflateBomb checks that a deflated record that claims more than
// deflate can expand to is refused before anything is allocated for it.
// TestTorchDeflateTimesViews reads a deflated storage of 256 Ki zeros (a
// few KB in the file, within the inflate limit) that 16 tensors view
// whole (within the view limit): 16 MiB of tensors from a file of a few
// KB, which the bound on the whole file refuses, however the two combine.
func TestTorchDeflateTimesViews(t *testing.T) {
	const n = 1 << 18
	for _, views := range []int{1, 16} {
		b := checkpoint(t, torchpickle.StateDict(func(p *torchpickle.Pickle) {
			for k := range views {
				p.Str("w"+strconv.Itoa(k)).Tensor("FloatStorage", "0", n, 0, []int64{n}, []int64{1})
			}
		}), map[string][]byte{"data/0": make([]byte, 4*n)}, true)
		require.Less(t, len(b), 16<<10)
		err, alloc, _ := readCost(b)
		if views == 1 {
			require.NoError(t, err)
			continue
		}
		require.ErrorIs(t, err, ErrFormat)
		require.ErrorContains(t, err, "more than 64 times its size")
		require.Less(t, alloc, uint64(4<<20))
	}
}

func TestTorchDeflateBomb(t *testing.T) {
	b := checkpoint(t, torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 1<<18, 0, []int64{1 << 18}, []int64{1})
	}), map[string][]byte{"data/0": make([]byte, 1<<20)}, true)
	// Make the central directory claim 1 GiB for data/0 (of 1 MiB).
	i := bytes.LastIndex(b, []byte("archive/data/0"))
	require.Positive(t, i)
	cd := i - 46 // the central directory header of data/0
	require.Equal(t, []byte("PK\x01\x02"), b[cd:cd+4])
	binary.LittleEndian.PutUint32(b[cd+24:], 1<<30)
	err, alloc, _ := readCost(b)
	require.ErrorIs(t, err, ErrFormat)
	require.True(t, strings.Contains(err.Error(), "claims 1073741824 bytes") || strings.Contains(err.Error(), "holds"), err.Error())
	require.Less(t, alloc, uint64(64<<20))
	if errors.Is(err, ErrShape) {
		t.Fatal(err)
	}
}

const amplifiedSize = 4 << 20

// buildAmplified returns a pickle of protocol 2 of about amplifiedSize
// bytes: head, then unit(0), unit(1), … and STOP.
func buildAmplified(head []byte, unit func(i int) []byte) []byte {
	p := append([]byte{0x80, 2}, head...)
	for i := 0; len(p) < amplifiedSize; i++ {
		p = append(p, unit(i)...)
	}
	return append(p, '.')
}

// tensorPairs is the pickle of a list of dicts, each of up to 60,000
// pairs of one string and one tensor (of a legacy persistent ID if
// legacy), references to the first of each, of about amplifiedSize bytes.
func tensorPairs(legacy bool) []byte {
	head := &torchpickle.Pickle{}
	head.Op(']', '(').Str("k").Op('q', 0)
	if legacy {
		head.LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{6}, []int64{1})
	} else {
		head.Tensor("FloatStorage", "0", 6, 0, []int64{6}, []int64{1})
	}
	head.Op('q', 1, 'e', '}', '(')
	return buildAmplified(head.Bytes(), func(i int) []byte {
		switch {
		case i%60000 == 59999:
			return []byte{'u', 'a', '}', '(', 'h', 0, 'h', 1}
		case i%1000 == 999:
			return []byte{'u', '(', 'h', 0, 'h', 1}
		}
		return []byte{'h', 0, 'h', 1}
	})
}

// TestTorchPickleAmplification feeds data.pkl files of 4 MB built to
// cost far more than their size (dicts of millions of items, of None or
// of one tensor under one name, millions of memo entries, a stack of
// millions of values, tuples of millions of references to one value):
// each is refused with ErrFormat in bounded time, having allocated at
// most 40 times the file, as data.pkl and as a legacy file's object.
func TestTorchPickleAmplification(t *testing.T) {
	build := buildAmplified
	cases := map[string][]byte{
		"dict items": build([]byte{'}', '('}, func(i int) []byte {
			if i%1000 == 999 {
				return []byte{'u', '(', 'N', 'N'}
			}
			return []byte{'N', 'N'}
		}),
		"memo entries": build([]byte{'N'}, func(i int) []byte {
			return binary.LittleEndian.AppendUint32([]byte{'r'}, uint32(i))
		}),
		"many dicts": build([]byte{']', '}', '('}, func(i int) []byte {
			switch {
			case i%60000 == 59999:
				return []byte{'u', 'a', '}', '(', 'N', 'N'} // the full dict into the list, a new one
			case i%1000 == 999:
				return []byte{'u', '(', 'N', 'N'}
			}
			return []byte{'N', 'N'}
		}),
		"tensor pairs": tensorPairs(false),
		"memoize":      build([]byte{0x80, 4, 'N'}, func(i int) []byte { return []byte{0x94} }),
		"stack":        build([]byte{'('}, func(int) []byte { return []byte{'N'} }),
		"tuple references": build([]byte{']', 'q', 0, '('}, func(i int) []byte {
			if i%30000 == 29999 {
				return []byte{'t', 'a', '(', 'h', 0}
			}
			return []byte{'h', 0}
		}),
	}
	for name, pkl := range cases {
		legacyPkl := pkl
		if name == "tensor pairs" {
			legacyPkl = tensorPairs(true)
		}
		for format, file := range map[string][]byte{"zip": checkpoint(t, pkl, nil, false), "legacy": torchpickle.Legacy(legacyPkl, nil, nil)} {
			t.Run(name+" "+format, func(t *testing.T) {
				err, alloc, took := readCost(file)
				require.ErrorIs(t, err, ErrFormat)
				require.NotContains(t, err.Error(), "\n")
				require.Less(t, took, readLimit)
				require.Less(t, alloc, uint64(40*len(file)), "allocated %d bytes for a %d-byte file: %v", alloc, len(file), err)
				t.Logf("%v; %.1f× the file", err, float64(alloc)/float64(len(file)))
			})
		}
	}
}
