package main

// This file writes the corpus's torch.save checkpoints (*.pt): the
// archive torch.save writes (folder/data.pkl, folder/data/<key>), or the
// legacy format's pickles and storages, with a pickle built opcode by
// opcode, each broken in one way.

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

// legacyCheckpoint is torch.save(state_dict,
// _use_new_zipfile_serialization=False) of ts, in name order, each tensor
// in its own FloatStorage, after edit has changed the key list and the
// storages' records (nil: none).
func legacyCheckpoint(ts map[string]weights.Tensor, edit func(keys []string, storages []torchpickle.Storage) ([]string, []torchpickle.Storage)) []byte {
	names := slices.Sorted(maps.Keys(ts))
	var keys []string
	var storages []torchpickle.Storage
	pkl := torchpickle.StateDict(func(p *torchpickle.Pickle) {
		for i, n := range names {
			t := ts[n]
			key := strconv.Itoa(i)
			size, stride := torchpickle.Contiguous(t.Shape)
			p.Str(n).LegacyTensor("FloatStorage", key, int64(len(t.Data)), nil, 0, size, stride)
			var data []byte
			for _, v := range t.Data {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
			}
			keys = append(keys, key)
			storages = append(storages, torchpickle.Storage{Count: int64(len(t.Data)), Data: data})
		}
	})
	if edit != nil {
		keys, storages = edit(keys, storages)
	}
	return torchpickle.Legacy(pkl, keys, storages)
}

// torchCorpus returns the corpus's checkpoints, named as corpus's files.
func torchCorpus() map[string][]byte {
	good := checkpoint(rnnTensors())
	legacyGood := legacyCheckpoint(rnnTensors(), nil)
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
		"any-pt-legacy-truncated": legacyGood[:len(legacyGood)-50],
		"any-pt-legacy-count-lies": legacyCheckpoint(rnnTensors(), func(keys []string, s []torchpickle.Storage) ([]string, []torchpickle.Storage) {
			s[1].Count *= 2
			return keys, s
		}),
		"any-pt-legacy-key-missing": legacyCheckpoint(rnnTensors(), func(keys []string, s []torchpickle.Storage) ([]string, []torchpickle.Storage) {
			return keys[1:], s[1:]
		}),
		"any-pt-legacy-huge-numel": torchpickle.Legacy(torchpickle.StateDict(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 1<<60, nil, 0, []int64{6}, []int64{1})
		}), []string{"0"}, []torchpickle.Storage{{Count: 1 << 60, Data: six}}),
		"any-pt-legacy-view-past-storage": torchpickle.Legacy(torchpickle.StateDict(func(p *torchpickle.Pickle) {
			p.Str("w").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "1", Offset: 4, Numel: 4}, 0, []int64{4}, []int64{1})
		}), []string{"0"}, []torchpickle.Storage{{Count: 6, Data: six}}),
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
		"rnn-nonfinite-pt-legacy-nan-weight": func() []byte {
			ts := rnnTensors()
			ts["weight_hh_l0"].Data[5] = float32(math.NaN())
			return legacyCheckpoint(ts, nil)
		}(),
		"attn-format-pt-no-heads": checkpoint(attnTensors()),
	}
}
