package main

// This file writes the corpus's torch.save checkpoints (*.pt): the
// archive torch.save writes (folder/data.pkl, folder/data/<key>), with a
// pickle built opcode by opcode, each broken in one way.

import (
	"bytes"
	"encoding/binary"
	"log"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/simdcore/simdcore/internal/torchpickle"
	"github.com/simdcore/simdcore/internal/weights"
)

// archive is torchpickle.Archive in folder "model", with a byteorder
// record "little" unless records has its own.
func archive(pkl []byte, records map[string][]byte, deflate bool) []byte {
	if _, ok := records["byteorder"]; !ok {
		records = maps.Clone(records)
		if records == nil {
			records = map[string][]byte{}
		}
		records["byteorder"] = []byte("little")
	}
	b, err := torchpickle.Archive("model", pkl, records, deflate)
	if err != nil {
		log.Fatal(err)
	}
	return b
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
	pkl := torchpickle.StateDict(func(p *torchpickle.Pickle) {
		for i, n := range names {
			t := ts[n]
			key := strconv.Itoa(i)
			size, stride := torchpickle.Contiguous(t.Shape)
			p.Str(n).Tensor("FloatStorage", key, int64(len(t.Data)), 0, size, stride)
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
	one := func(add func(p *torchpickle.Pickle)) []byte {
		return archive(torchpickle.StateDict(add), map[string][]byte{"data/0": six}, false)
	}
	raw := func(ops ...byte) []byte { return archive(append([]byte{0x80, 2}, ops...), nil, false) }
	crc := slices.Clone(good)
	crc[bytes.Index(crc, []byte("model/data/0"))+len("model/data/0")+3] ^= 1 // a byte of storage 0
	bomb := archive(torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 1<<28, 0, []int64{1 << 28}, []int64{1})
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
		"any-pt-legacy-format":    append([]byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}, '.'),
		"any-pt-truncated":        good[:len(good)/2],
		"any-pt-crc-mismatch":     crc,
		"any-pt-no-data-pkl":      archive(nil, map[string][]byte{"version": []byte("3\n")}, false),
		"any-pt-deflate-bomb":     bomb,
		"any-pt-global-os-system": archive((&torchpickle.Pickle{}).Op(0x80, 2).Global("os", "system").Str("true").Op(0x85, 'R', '.').Bytes(), nil, false),
		"any-pt-torchscript":      archive((&torchpickle.Pickle{}).Op(0x80, 2).Global("__torch__.Model", "Model").Op(')', 0x81, '.').Bytes(), nil, false),
		"any-pt-unknown-opcode":   raw('i'),
		"any-pt-stack-underflow":  raw('R', '.'),
		"any-pt-memo-unset":       raw('h', 7, '.'),
		"any-pt-marks-nested-100": raw(bytes.Repeat([]byte{'('}, 100)...),
		"any-pt-not-a-dict":       raw(']', '.'),
		"any-pt-no-stop":          raw('}'),
		"any-pt-not-a-tensor":     one(func(p *torchpickle.Pickle) { p.Str("epoch").Long(3) }),
		"any-pt-complex-storage": one(func(p *torchpickle.Pickle) {
			p.Str("z").Tensor("ComplexFloatStorage", "0", 3, 0, []int64{3}, []int64{1})
		}),
		"any-pt-storage-past-record": one(func(p *torchpickle.Pickle) { p.Str("w").Tensor("FloatStorage", "0", 7, 0, []int64{7}, []int64{1}) }),
		"any-pt-no-record":           one(func(p *torchpickle.Pickle) { p.Str("w").Tensor("FloatStorage", "9", 6, 0, []int64{6}, []int64{1}) }),
		"any-pt-view-past-storage": one(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 3, []int64{2, 2}, []int64{2, 1})
		}),
		"any-pt-stride-overflow": one(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{3, 3}, []int64{1 << 62, 1 << 62})
		}),
		"any-pt-size-overflow": one(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{1 << 40, 1 << 40}, []int64{0, 0})
		}),
		"any-pt-broadcast-bomb": one(func(p *torchpickle.Pickle) {
			p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{1 << 30}, []int64{0})
		}),
		"any-pt-big-endian":           archive(torchpickle.StateDict(func(*torchpickle.Pickle) {}), map[string][]byte{"byteorder": []byte("big")}, false),
		"rnn-missing-pt-weight-hh":    rnnEdit(func(ts map[string]weights.Tensor) { delete(ts, "weight_hh_l0") }),
		"rnn-shape-pt-bias":           rnnEdit(func(ts map[string]weights.Tensor) { ts["bias_hh_l0"] = tensor("bias_hh_l0", 5) }),
		"rnn-nonfinite-pt-nan-weight": rnnEdit(func(ts map[string]weights.Tensor) { ts["weight_hh_l0"].Data[5] = float32(math.NaN()) }),
		"attn-format-pt-no-heads":     checkpoint(attnTensors()),
	}
}
