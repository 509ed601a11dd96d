// Command gencorpus writes the reliability suite's malformed-file corpus,
// testdata/malformed/*.safetensors and *.pt (torch.save checkpoints,
// torch.go), from a small valid torch.nn.RNN state_dict with a head and a
// torch.nn.MultiheadAttention one: each file is one of them broken in one
// way, or a checkpoint built to cost memory or time, or to run code. The
// name says what should refuse it:
//
//	any-<what>   every loader, with ErrFormat (the file is not safetensors,
//	             or not a checkpoint of a state_dict of tensors)
//	rnn-<sentinel>-<what>, attn-<sentinel>-<what>
//	             that model's loader, with the sentinel (format, missing,
//	             shape or nonfinite); the other loaders, with some error
//
// Run by go generate in internal/reliability; the output is deterministic,
// and CI checks that it is what is committed.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/simdcore/simdcore/internal/weights"
)

const dir = "testdata/malformed"

func main() {
	old, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		log.Fatal(err)
	}
	pts, err := filepath.Glob(filepath.Join(dir, "*.pt"))
	if err != nil {
		log.Fatal(err)
	}
	old = append(old, pts...)
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, data := range corpus() {
		if err := os.WriteFile(filepath.Join(dir, name+".safetensors"), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for name, data := range torchCorpus() {
		if err := os.WriteFile(filepath.Join(dir, name+".pt"), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// tensor returns a tensor of shape filled with small distinct values.
func tensor(name string, shape ...int) weights.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i%17-8) / 16
	}
	return weights.Tensor{Name: name, Shape: shape, Data: data}
}

func rnnTensors() map[string]weights.Tensor {
	return byName(tensor("weight_ih_l0", 4, 3), tensor("weight_hh_l0", 4, 4), tensor("bias_ih_l0", 4),
		tensor("bias_hh_l0", 4), tensor("fc.weight", 2, 4), tensor("fc.bias", 2))
}

func attnTensors() map[string]weights.Tensor {
	return byName(tensor("in_proj_weight", 24, 8), tensor("in_proj_bias", 24),
		tensor("out_proj.weight", 8, 8), tensor("out_proj.bias", 8))
}

func byName(ts ...weights.Tensor) map[string]weights.Tensor {
	m := map[string]weights.Tensor{}
	for _, t := range ts {
		m[t.Name] = t
	}
	return m
}

// encode writes tensors and metadata as a safetensors file.
func encode(ts map[string]weights.Tensor, meta map[string]string) []byte {
	var list []weights.Tensor
	for _, t := range ts {
		list = append(list, t)
	}
	var b bytes.Buffer
	if err := weights.Write(&b, list, meta); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// raw is a file of the given header text and buffer, its length field
// the header's length.
func raw(header string, buffer []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), buffer...)
}

// lengthField is a file whose length field is n, followed by rest.
func lengthField(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

// one is a valid one-tensor header around desc, the description of
// tensor "a".
func one(desc string) string { return `{"a":` + desc + `}` }

func corpus() map[string][]byte {
	good := encode(rnnTensors(), map[string]string{"nonlinearity": "tanh"})
	hdrLen := int(binary.LittleEndian.Uint64(good))
	f32 := make([]byte, 16)
	edit := func(base map[string]weights.Tensor, meta map[string]string, fn func(map[string]weights.Tensor)) []byte {
		fn(base)
		return encode(base, meta)
	}
	rnnEdit := func(fn func(map[string]weights.Tensor)) []byte { return edit(rnnTensors(), nil, fn) }
	attnEdit := func(fn func(map[string]weights.Tensor)) []byte {
		return edit(attnTensors(), map[string]string{"num_heads": "2"}, fn)
	}
	set := func(name string, i int, v float32) func(map[string]weights.Tensor) {
		return func(ts map[string]weights.Tensor) { ts[name].Data[i] = v }
	}
	nested := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	var keys strings.Builder
	for i := range weights.MaxMetadataKeys + 1 {
		fmt.Fprintf(&keys, `,"k%d":""`, i)
	}
	unknown := strings.Repeat(`,"x":0`, 17)

	return map[string][]byte{
		// Not safetensors at all, or broken at the byte level.
		"any-empty":                      nil,
		"any-seven-bytes":                good[:7],
		"any-length-field-max":           lengthField(math.MaxUint64, "{}"),
		"any-length-field-2-63":          lengthField(1<<63, "{}"),
		"any-length-field-over-limit":    lengthField(weights.MaxHeaderSize+1, "{}"),
		"any-length-field-past-end":      lengthField(1000, "{}"),
		"any-truncated-in-header":        good[:8+hdrLen/2],
		"any-truncated-in-data":          good[:len(good)-4],
		"any-data-appended":              append(append([]byte{}, good...), 0, 0, 0, 0),
		"any-header-not-json":            raw("not json", nil),
		"any-header-invalid-utf8":        raw("{\"a\xff\":1}", nil),
		"any-header-array":               raw("[]", nil),
		"any-header-trailing-garbage":    raw("{} x", nil),
		"any-header-nul-padding":         raw("{}\x00\x00", nil),
		"any-header-unterminated":        raw(`{"a":`, nil),
		"any-duplicate-tensor":           raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32[:4]),
		"any-duplicate-metadata":         raw(`{"__metadata__":{},"__metadata__":{}}`, nil),
		"any-offsets-overlap":            raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32[:8]),
		"any-offsets-gap":                raw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32[:12]),
		"any-offsets-reversed":           raw(one(`{"dtype":"F32","shape":[0],"data_offsets":[4,0]}`), f32[:4]),
		"any-offsets-past-end":           raw(one(`{"dtype":"F32","shape":[4],"data_offsets":[0,16]}`), f32[:8]),
		"any-offset-huge":                raw(one(`{"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}`), nil),
		"any-shape-overflow":             raw(one(`{"dtype":"F32","shape":[65536,65536,65536,65536,65536],"data_offsets":[0,4]}`), f32[:4]),
		"any-shape-negative":             raw(one(`{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}`), f32[:4]),
		"any-shape-rank-65":              raw(one(`{"dtype":"F32","shape":[`+strings.Repeat("1,", 64)+`1],"data_offsets":[0,4]}`), f32[:4]),
		"any-size-mismatch":              raw(one(`{"dtype":"F32","shape":[2],"data_offsets":[0,4]}`), f32[:4]),
		"any-dtype-unknown":              raw(one(`{"dtype":"F128","shape":[1],"data_offsets":[0,4]}`), f32[:4]),
		"any-dtype-lower-case":           raw(one(`{"dtype":"f32","shape":[1],"data_offsets":[0,4]}`), f32[:4]),
		"any-dtype-number":               raw(one(`{"dtype":4,"shape":[1],"data_offsets":[0,4]}`), f32[:4]),
		"any-no-dtype":                   raw(one(`{"shape":[1],"data_offsets":[0,4]}`), f32[:4]),
		"any-tensor-null":                raw(one(`null`), nil),
		"any-metadata-number":            raw(`{"__metadata__":{"k":1}}`, nil),
		"any-metadata-nested":            raw(`{"__metadata__":{"k":{"x":"y"}}}`, nil),
		"any-metadata-too-many-keys":     raw(`{"__metadata__":{"k":""`+keys.String()+`}}`, nil),
		"any-unknown-fields-17":          raw(one(`{"dtype":"F32","shape":[0],"data_offsets":[0,0]`+unknown+`}`), nil),
		"any-unknown-field-nested-70":    raw(one(`{"dtype":"F32","shape":[0],"data_offsets":[0,0],"x":`+nested+`}`), nil),
		"any-name-too-long":              raw(`{"`+strings.Repeat("n", weights.MaxNameLength+1)+`":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, nil),
		"rnn-format-int-dtype":           raw(`{"weight_ih_l0":{"dtype":"I32","shape":[1,1],"data_offsets":[0,4]},"weight_hh_l0":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}`, f32[:8]),
		"rnn-format-extra-tensor":        rnnEdit(func(ts map[string]weights.Tensor) { ts["junk"] = tensor("junk", 3) }),
		"rnn-format-bad-nonlinearity":    edit(rnnTensors(), map[string]string{"nonlinearity": "gelu"}, func(map[string]weights.Tensor) {}),
		"rnn-missing-weight-hh":          rnnEdit(func(ts map[string]weights.Tensor) { delete(ts, "weight_hh_l0") }),
		"rnn-missing-layer-1-of-2":       rnnEdit(func(ts map[string]weights.Tensor) { ts["weight_ih_l1"] = tensor("weight_ih_l1", 4, 4) }),
		"rnn-shape-weight-hh":            rnnEdit(func(ts map[string]weights.Tensor) { ts["weight_hh_l0"] = tensor("weight_hh_l0", 4, 5) }),
		"rnn-shape-bias":                 rnnEdit(func(ts map[string]weights.Tensor) { ts["bias_hh_l0"] = tensor("bias_hh_l0", 5) }),
		"rnn-shape-head":                 rnnEdit(func(ts map[string]weights.Tensor) { ts["fc.weight"] = tensor("fc.weight", 2, 5) }),
		"rnn-shape-metadata-hidden-size": edit(rnnTensors(), map[string]string{"hidden_size": "5"}, func(map[string]weights.Tensor) {}),
		"rnn-nonfinite-nan-weight":       rnnEdit(set("weight_hh_l0", 5, float32(math.NaN()))),
		"rnn-nonfinite-inf-bias":         rnnEdit(set("bias_ih_l0", 3, float32(math.Inf(1)))),
		"rnn-nonfinite-inf-head":         rnnEdit(set("fc.weight", 0, float32(math.Inf(-1)))),
		"attn-missing-out-proj":          attnEdit(func(ts map[string]weights.Tensor) { delete(ts, "out_proj.weight") }),
		"attn-missing-out-bias":          attnEdit(func(ts map[string]weights.Tensor) { delete(ts, "out_proj.bias") }),
		"attn-shape-in-proj":             attnEdit(func(ts map[string]weights.Tensor) { ts["in_proj_weight"] = tensor("in_proj_weight", 23, 8) }),
		"attn-shape-heads":               edit(attnTensors(), map[string]string{"num_heads": "3"}, func(map[string]weights.Tensor) {}),
		"attn-format-no-heads":           edit(attnTensors(), nil, func(map[string]weights.Tensor) {}),
		"attn-format-extra-tensor":       attnEdit(func(ts map[string]weights.Tensor) { ts["junk"] = tensor("junk", 3) }),
		"attn-nonfinite-nan-out-proj":    attnEdit(set("out_proj.weight", 9, float32(math.NaN()))),
		"attn-nonfinite-inf-in-bias":     attnEdit(set("in_proj_bias", 0, float32(math.Inf(1)))),
	}
}
