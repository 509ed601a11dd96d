package main

// This file writes the corpus's torch.save checkpoints (*.pt): the
// archive torch.save writes (folder/data.pkl, folder/data/<key>), with a
// pickle built opcode by opcode, each broken in one way.

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"log"
	"math"
	"slices"
	"strconv"

	"github.com/simdcore/simdcore/internal/weights"
)

// pickle is a pickle under construction.
type pickle struct{ bytes.Buffer }

func (p *pickle) op(b ...byte) *pickle { p.Write(b); return p }

func (p *pickle) str(s string) *pickle {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
	return p
}

func (p *pickle) global(module, name string) *pickle {
	p.WriteString("c" + module + "\n" + name + "\n")
	return p
}

// long writes n as LONG1 of 8 bytes.
func (p *pickle) long(n int64) *pickle {
	p.op(0x8a, 8)
	p.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	return p
}

func (p *pickle) tuple(v ...int64) *pickle {
	p.op('(')
	for _, n := range v {
		p.long(n)
	}
	return p.op('t')
}

// tensor writes _rebuild_tensor_v2 of the storage key (of class typ and
// numel elements) at offset, with size and stride.
func (p *pickle) tensor(typ, key string, numel, offset int64, size, stride []int64) *pickle {
	p.global("torch._utils", "_rebuild_tensor_v2").op('(')
	p.op('(').str("storage").global("torch", typ).str(key).str("cpu").long(numel).op('t', 'Q')
	p.long(offset).tuple(size...).tuple(stride...).op(0x89)
	p.global("collections", "OrderedDict").op(')', 'R', 't', 'R')
	return p
}

// stateDict is the pickle of an OrderedDict whose items add writes.
func stateDict(add func(p *pickle)) []byte {
	p := &pickle{}
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	add(p)
	return p.op('u', '.').Bytes()
}

// contiguous returns a tensor's contiguous strides.
func contiguous(shape []int) (size, stride []int64) {
	size, stride = make([]int64, len(shape)), make([]int64, len(shape))
	st := int64(1)
	for k := len(shape) - 1; k >= 0; k-- {
		size[k], stride[k] = int64(shape[k]), st
		st *= int64(shape[k])
	}
	return size, stride
}

// archive is a torch.save zip: model/data.pkl (unless pkl is nil),
// model/byteorder "little" (unless records has its own), then the records
// (name → bytes, in name order), stored, or deflated when deflate is set.
func archive(pkl []byte, records map[string][]byte, deflate bool) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	add := func(name string, data []byte) {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: "model/" + name, Method: method})
		if err == nil {
			_, err = fw.Write(data)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	if pkl != nil {
		add("data.pkl", pkl)
	}
	if _, ok := records["byteorder"]; !ok {
		add("byteorder", []byte("little"))
	}
	names := make([]string, 0, len(records))
	for n := range records {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		add(n, records[n])
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// checkpoint is torch.save(state_dict) of ts, in name order, each tensor
// in its own FloatStorage.
func checkpoint(ts map[string]weights.Tensor) []byte {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	records := map[string][]byte{}
	pkl := stateDict(func(p *pickle) {
		for i, n := range names {
			t := ts[n]
			key := strconv.Itoa(i)
			size, stride := contiguous(t.Shape)
			p.str(n).tensor("FloatStorage", key, int64(len(t.Data)), 0, size, stride)
			var data []byte
			for _, v := range t.Data {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
			}
			records["data/"+key] = data
		}
	})
	return archive(pkl, records, false)
}

// torchCorpus returns the corpus's checkpoints, named as corpus's files.
func torchCorpus() map[string][]byte {
	good := checkpoint(rnnTensors())
	six := make([]byte, 24)
	one := func(add func(p *pickle)) []byte {
		return archive(stateDict(add), map[string][]byte{"data/0": six}, false)
	}
	raw := func(ops ...byte) []byte { return archive(append([]byte{0x80, 2}, ops...), nil, false) }
	crc := slices.Clone(good)
	crc[bytes.Index(crc, []byte("model/data/0"))+len("model/data/0")+3] ^= 1 // a byte of storage 0
	bomb := archive(stateDict(func(p *pickle) {
		p.str("w").tensor("FloatStorage", "0", 1<<28, 0, []int64{1 << 28}, []int64{1})
	}), map[string][]byte{"data/0": make([]byte, 4096)}, true)
	// The central directory's uncompressed size of data/0: 1 GiB.
	cd := bytes.LastIndex(bomb, []byte("model/data/0")) - 46
	binary.LittleEndian.PutUint32(bomb[cd+24:], 1<<30)
	rnnEdit := func(fn func(map[string]weights.Tensor)) []byte {
		ts := rnnTensors()
		fn(ts)
		return checkpoint(ts)
	}
	return map[string][]byte{
		"any-pt-legacy-format":       append([]byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}, '.'),
		"any-pt-truncated":           good[:len(good)/2],
		"any-pt-crc-mismatch":        crc,
		"any-pt-no-data-pkl":         archive(nil, map[string][]byte{"version": []byte("3\n")}, false),
		"any-pt-deflate-bomb":        bomb,
		"any-pt-global-os-system":    archive((&pickle{}).op(0x80, 2).global("os", "system").str("true").op(0x85, 'R', '.').Bytes(), nil, false),
		"any-pt-torchscript":         archive((&pickle{}).op(0x80, 2).global("__torch__.Model", "Model").op(')', 0x81, '.').Bytes(), nil, false),
		"any-pt-unknown-opcode":      raw('i'),
		"any-pt-stack-underflow":     raw('R', '.'),
		"any-pt-memo-unset":          raw('h', 7, '.'),
		"any-pt-marks-nested-100":    raw(bytes.Repeat([]byte{'('}, 100)...),
		"any-pt-not-a-dict":          raw(']', '.'),
		"any-pt-no-stop":             raw('}'),
		"any-pt-not-a-tensor":        one(func(p *pickle) { p.str("epoch").long(3) }),
		"any-pt-complex-storage":     one(func(p *pickle) { p.str("z").tensor("ComplexFloatStorage", "0", 3, 0, []int64{3}, []int64{1}) }),
		"any-pt-storage-past-record": one(func(p *pickle) { p.str("w").tensor("FloatStorage", "0", 7, 0, []int64{7}, []int64{1}) }),
		"any-pt-no-record":           one(func(p *pickle) { p.str("w").tensor("FloatStorage", "9", 6, 0, []int64{6}, []int64{1}) }),
		"any-pt-view-past-storage":   one(func(p *pickle) { p.str("w").tensor("FloatStorage", "0", 6, 3, []int64{2, 2}, []int64{2, 1}) }),
		"any-pt-stride-overflow": one(func(p *pickle) {
			p.str("w").tensor("FloatStorage", "0", 6, 0, []int64{3, 3}, []int64{1 << 62, 1 << 62})
		}),
		"any-pt-size-overflow": one(func(p *pickle) {
			p.str("w").tensor("FloatStorage", "0", 6, 0, []int64{1 << 40, 1 << 40}, []int64{0, 0})
		}),
		"any-pt-broadcast-bomb":       one(func(p *pickle) { p.str("w").tensor("FloatStorage", "0", 6, 0, []int64{1 << 30}, []int64{0}) }),
		"any-pt-big-endian":           archive(stateDict(func(*pickle) {}), map[string][]byte{"byteorder": []byte("big")}, false),
		"rnn-missing-pt-weight-hh":    rnnEdit(func(ts map[string]weights.Tensor) { delete(ts, "weight_hh_l0") }),
		"rnn-shape-pt-bias":           rnnEdit(func(ts map[string]weights.Tensor) { ts["bias_hh_l0"] = tensor("bias_hh_l0", 5) }),
		"rnn-nonfinite-pt-nan-weight": rnnEdit(func(ts map[string]weights.Tensor) { ts["weight_hh_l0"].Data[5] = float32(math.NaN()) }),
		"attn-format-pt-no-heads":     checkpoint(attnTensors()),
	}
}
