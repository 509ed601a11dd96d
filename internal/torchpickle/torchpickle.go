// Package torchpickle builds torch.save files by hand, opcode by opcode:
// the pickle of a state_dict and the zip archive that holds it beside its
// storages (folder/data.pkl, folder/data/<key>), or the legacy format's
// file (pickles, then the storages). The weights package's tests and the
// reliability corpus use it to write the checkpoints torch itself never
// would: views it cannot express, and files broken in one chosen way.
package torchpickle

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"slices"
)

// Pickle is a pickle under construction. Each method appends its opcodes
// and returns p, so that a pickle reads as one chain of calls.
type Pickle struct{ bytes.Buffer }

// Op appends raw opcode bytes.
func (p *Pickle) Op(b ...byte) *Pickle { p.Write(b); return p }

// Str appends s as BINUNICODE.
func (p *Pickle) Str(s string) *Pickle {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
	return p
}

// BinString appends s as SHORT_BINSTRING, as Python 2 pickles a str of
// fewer than 256 bytes.
func (p *Pickle) BinString(s string) *Pickle {
	p.Op('U', byte(len(s)))
	p.WriteString(s)
	return p
}

// Global appends GLOBAL module.name.
func (p *Pickle) Global(module, name string) *Pickle {
	p.WriteString("c" + module + "\n" + name + "\n")
	return p
}

// Int appends n as BININT (a 4-byte signed integer).
func (p *Pickle) Int(n int32) *Pickle {
	p.WriteByte('J')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
	return p
}

// Long appends n as LONG1 of 8 bytes.
func (p *Pickle) Long(n int64) *Pickle {
	p.Op(0x8a, 8)
	p.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	return p
}

// Tuple appends a tuple of the integers v (MARK, LONG1 each, TUPLE).
func (p *Pickle) Tuple(v ...int64) *Pickle {
	p.Op('(')
	for _, n := range v {
		p.Long(n)
	}
	return p.Op('t')
}

// Tensor appends torch._utils._rebuild_tensor_v2 of the storage key (of
// class typ, torch.FloatStorage for instance, with numel elements) viewed
// at offset with size and stride, as torch.save pickles a tensor.
func (p *Pickle) Tensor(typ, key string, numel, offset int64, size, stride []int64) *Pickle {
	return p.tensor(func() { p.Str("storage").Global("torch", typ).Str(key).Str("cpu").Long(numel) }, offset, size, stride)
}

// View is a legacy persistent ID's view_metadata: the storage Key, Numel
// elements of the storage named beside it from element Offset on.
type View struct {
	Key           string
	Offset, Numel int64
}

// LegacyTensor is Tensor with the legacy format's persistent ID,
// ('storage', torch.<typ>, key, 'cpu', numel, view_metadata): None when
// view is nil, else the tensor views the storage view.Key.
func (p *Pickle) LegacyTensor(typ, key string, numel int64, view *View, offset int64, size, stride []int64) *Pickle {
	return p.tensor(func() {
		p.Str("storage").Global("torch", typ).Str(key).Str("cpu").Long(numel)
		if view == nil {
			p.Op('N')
			return
		}
		p.Str(view.Key).Long(view.Offset).Long(view.Numel).Op(0x87)
	}, offset, size, stride)
}

// tensor appends _rebuild_tensor_v2 of the persistent ID whose items pid
// appends.
func (p *Pickle) tensor(pid func(), offset int64, size, stride []int64) *Pickle {
	p.Global("torch._utils", "_rebuild_tensor_v2").Op('(')
	p.Op('(')
	pid()
	p.Op('t', 'Q')
	p.Long(offset).Tuple(size...).Tuple(stride...).Op(0x89)
	p.Global("collections", "OrderedDict").Op(')', 'R', 't', 'R')
	return p
}

// StateDict returns the pickle (protocol 2) of an OrderedDict whose items
// add appends, key then value.
func StateDict(add func(p *Pickle)) []byte {
	p := &Pickle{}
	p.Op(0x80, 2).Global("collections", "OrderedDict").Op(')', 'R', '(')
	add(p)
	return p.Op('u', '.').Bytes()
}

// Contiguous returns the size and the contiguous (row-major) strides of a
// tensor of the given shape.
func Contiguous(shape []int) (size, stride []int64) {
	size, stride = make([]int64, len(shape)), make([]int64, len(shape))
	st := int64(1)
	for k := len(shape) - 1; k >= 0; k-- {
		size[k], stride[k] = int64(shape[k]), st
		st *= int64(shape[k])
	}
	return size, stride
}

// Archive returns the zip that torch.save writes: folder/data.pkl (left
// out when pkl is nil), then the records (name → bytes, in name order,
// data/<key> for the storages), stored, or deflated when deflate is set.
func Archive(folder string, pkl []byte, records map[string][]byte, deflate bool) ([]byte, error) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	add := func(name string, data []byte) error {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: folder + "/" + name, Method: method})
		if err == nil {
			_, err = fw.Write(data)
		}
		return err
	}
	if pkl != nil {
		if err := add("data.pkl", pkl); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(records))
	for n := range records {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := add(n, records[n]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Storage is one storage's record in a legacy file: the element count it
// declares, then its bytes.
type Storage struct {
	Count int64
	Data  []byte
}

// LegacyHeader returns the pickles that start a legacy file at protocol
// 2: the magic number, the protocol version 1001 and the sys info
// {"protocol_version": 1001, "little_endian": littleEndian,
// "type_sizes": {"short": 2, "int": 4, "long": 8}}.
func LegacyHeader(littleEndian bool) []byte {
	p := &Pickle{}
	p.Op(0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.')
	p.Op(0x80, 2, 'M', 0xe9, 0x03, '.')
	le := byte(0x89)
	if littleEndian {
		le = 0x88
	}
	p.Op(0x80, 2, '}', '(').Str("protocol_version").Op('M', 0xe9, 0x03).Str("little_endian").Op(le)
	p.Str("type_sizes").Op('}', '(').Str("short").Op('K', 2).Str("int").Op('K', 4).Str("long").Op('K', 8).Op('u', 'u', '.')
	return p.Bytes()
}

// KeyList returns the pickle (protocol 2) of the list of storage keys.
func KeyList(keys ...string) []byte {
	p := (&Pickle{}).Op(0x80, 2, ']', '(')
	for _, k := range keys {
		p.Str(k)
	}
	return p.Op('e', '.').Bytes()
}

// Legacy returns a file of torch.save's legacy format: LegacyHeader(true),
// the object's pickle pkl, the key list, then each storage's record,
// its count (an int64) and its bytes, in the keys' order.
func Legacy(pkl []byte, keys []string, storages []Storage) []byte {
	b := slices.Concat(LegacyHeader(true), pkl, KeyList(keys...))
	for _, s := range storages {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Count))
		b = append(b, s.Data...)
	}
	return b
}
