package weights

// This file turns an unpickled checkpoint into a File, for both of
// torch.save's formats (torch.go, torch_legacy.go): the state_dict found
// in it (a training checkpoint's under a known key), each tensor's view
// checked against its storage and the limits, and, once the format's
// reader has read the storages' bytes, each tensor gathered into a
// contiguous copy.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// view is one tensor of the state_dict, checked, before its data is read.
type view struct {
	name  string
	t     *pyTensor
	dtype DType
	shape []int
	n     int // elements
}

// tensorPlan is a checkpoint's state_dict, checked, before any storage's
// bytes are read: its tensors in the dict's order, and the storages
// (never views of storages) whose bytes they need, in key order.
type tensorPlan struct {
	src      string
	views    []view
	storages []*pyStorage
	outBytes int64
}

// baseOf returns the storage that holds the bytes of s, and the element
// of it where s starts: s and 0, unless s is a view.
func baseOf(s *pyStorage) (*pyStorage, int64) {
	if s.root != nil {
		return s.root, s.base
	}
	return s, 0
}

// planTensors checks the unpickled checkpoint v: a state_dict, or a
// training checkpoint's dict holding one (stateDict), of tensors that lie
// within their storages, with tensors of at most MaxDataSize bytes in all,
// at most maxViewFactor times the bytes of the storages they view, and at
// most maxInflateFactor times the file's size bytes (plus
// maxInflateSlack): deflate's expansion and views' repetition do not
// multiply, so that no file yields more than that many times its size.
func planTensors(src string, v any, size int64) (*tensorPlan, error) {
	d, ok := v.(*pyDict)
	if !ok {
		return nil, torchError(src, "the checkpoint holds %s, not a state_dict (torch.save(model.state_dict(), path))", typeName(v))
	}
	d, err := stateDict(src, d)
	if err != nil {
		return nil, err
	}
	if d.bad {
		if name, ok := d.badK.(string); !ok {
			return nil, torchError(src, "a state_dict key is %s, not a string", typeName(d.badK))
		} else {
			return nil, torchError(src, "%q is %s, not a tensor: only a state_dict of tensors can be read", name, typeName(d.badV))
		}
	}
	p := &tensorPlan{src: src, views: make([]view, 0, d.n)}
	seen := make(map[string]bool, d.n)
	used := map[*pyStorage]bool{}
	var storageBytes int64
	limit := min(MaxDataSize, int64(maxInt))
	for _, pair := range slices.Concat(d.chunks...) {
		name := pair.key
		if len(name) > MaxNameLength {
			return nil, torchError(src, "tensor name %q is longer than %d bytes", name, MaxNameLength)
		}
		if seen[name] {
			return nil, torchError(src, "tensor %q appears twice", name)
		}
		seen[name] = true
		vw, err := check(src, name, pair.t)
		if err != nil {
			return nil, err
		}
		es := int64(vw.dtype.Bits() / 8)
		if int64(vw.n) > (limit-p.outBytes)/es {
			return nil, torchError(src, "tensors of more than %d bytes", limit)
		}
		p.outBytes += int64(vw.n) * es
		if s, _ := baseOf(vw.t.storage); !used[s] && vw.n > 0 {
			used[s] = true
			if s.numel > (limit-storageBytes)/es {
				return nil, torchError(src, "storages of more than %d bytes", limit)
			}
			storageBytes += s.numel * es
			p.storages = append(p.storages, s)
		}
		p.views = append(p.views, vw)
	}
	if p.outBytes > maxViewFactor*storageBytes {
		return nil, torchError(src, "tensors of %d bytes view storages of %d: more than %d times, as only views repeating elements would", p.outBytes, storageBytes, maxViewFactor)
	}
	if limit := maxInflateFactor*size + maxInflateSlack; p.outBytes > limit {
		return nil, torchError(src, "tensors of %d bytes from a file of %d: more than %d times its size", p.outBytes, size, maxInflateFactor)
	}
	slices.SortFunc(p.storages, func(a, b *pyStorage) int { return strings.Compare(a.key, b.key) })
	return p, nil
}

// storageBytes is the size of s's bytes in the file: numel elements of
// its class, which planTensors has checked is one of storageTypes.
func storageBytes(s *pyStorage) int64 { return s.numel * int64(storageTypes[s.typ].Bits()/8) }

// build returns the File of the plan's tensors, each gathered from its
// storage's bytes, data[s] for each s of p.storages (storageBytes(s)
// bytes, which the caller has checked).
func (p *tensorPlan) build(data map[*pyStorage][]byte) *File {
	f := &File{src: p.src, format: FormatTorch, infos: make([]Info, len(p.views)), index: make(map[string]int, len(p.views)),
		names: make([]string, len(p.views)), data: make([]byte, p.outBytes)}
	var at int64
	for i, vw := range p.views {
		es := int64(vw.dtype.Bits() / 8)
		end := at + int64(vw.n)*es
		if vw.n > 0 {
			s, base := baseOf(vw.t.storage)
			b := data[s][base*es : (base+vw.t.storage.numel)*es]
			gather(f.data[at:end], b, vw.t, int(es))
		}
		f.infos[i] = Info{Name: vw.name, DType: vw.dtype, Shape: vw.shape, Begin: at, End: end}
		f.index[vw.name] = i
		f.names[i] = vw.name
		at = end
	}
	slices.Sort(f.names)
	return f
}

// stateDict returns the state_dict the checkpoint's dict d holds: d
// itself when it maps strings to tensors (or is empty, or mixes tensors
// with other values, which planTensors then refuses naming the first); else,
// for a training checkpoint, the one dict of strings to tensors under
// the keys of checkpointKeys. Two such dicts (not one under two keys)
// are refused, naming both, as is a checkpoint with none, naming its
// keys: which to load is never guessed.
func stateDict(src string, d *pyDict) (*pyDict, error) {
	if !d.bad || d.tensors > 0 {
		return d, nil
	}
	var found []pySub
	for _, s := range d.subs {
		if !s.d.bad && !slices.ContainsFunc(found, func(f pySub) bool { return f.d == s.d }) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0].d, nil
	case 0:
		return nil, torchError(src, "the checkpoint is a dict of %s, not a state_dict, and as a training checkpoint it holds no state_dict (a dict of tensors) under %s, the keys this reader looks under: "+
			"save model.state_dict() itself, or the checkpoint with the state_dict under one of those keys", keyList(d), quotedOr(checkpointKeys))
	}
	return nil, torchError(src, "the checkpoint is a training checkpoint with state_dicts under both %q and %q, and which one to load is not guessed: "+
		"save the one wanted by itself, as torch.save(checkpoint[%q], path)", found[0].key, found[1].key, found[0].key)
}

// keyList lists the keys kept of d for a message: "\"epoch\", \"optimizer\"".
func keyList(d *pyDict) string {
	var b strings.Builder
	for i, k := range d.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		if s, ok := k.(string); ok {
			b.WriteString(strconv.Quote(s))
		} else {
			b.WriteString(typeName(k))
		}
	}
	if d.n > len(d.keys) {
		fmt.Fprintf(&b, " and %d more", d.n-len(d.keys))
	}
	if d.n == 0 {
		return "no keys"
	}
	return b.String()
}

// quotedOr lists words quoted: "a", "b" or "c".
func quotedOr(words []string) string {
	var b strings.Builder
	for i, w := range words {
		switch {
		case i == len(words)-1 && i > 0:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(w))
	}
	return b.String()
}

// check checks that the tensor of the state_dict entry name has a
// supported storage class and a view that lies within its storage.
func check(src, name string, tt *pyTensor) (view, error) {
	s := tt.storage
	dt, ok := storageTypes[s.typ]
	if !ok {
		return view{}, torchError(src, "tensor %q has storage type torch.%s, which this reader does not convert (float, half, bfloat16, double, integer and bool tensors are read)", name, s.typ)
	}
	vw := view{name: name, t: tt, dtype: dt, shape: make([]int, len(tt.size))}
	for k, d := range tt.size {
		if d > int64(maxInt) {
			return view{}, torchError(src, "tensor %q: size %v overflows", name, tt.size)
		}
		vw.shape[k] = int(d)
	}
	if vw.n = numElements(vw.shape); vw.n < 0 {
		return view{}, torchError(src, "tensor %q: size %v overflows", name, tt.size)
	}
	if vw.n == 0 {
		return vw, nil
	}
	// The last element's index, offset + Σ (size−1)·stride, must lie
	// within the storage; each term is checked against it, so nothing
	// overflows.
	last := tt.offset
	for k, d := range tt.size {
		st := tt.stride[k]
		if st != 0 && d-1 > (s.numel-last)/st {
			return view{}, outside(src, name, tt)
		}
		last += (d - 1) * st
	}
	if last >= s.numel {
		return view{}, outside(src, name, tt)
	}
	if int64(vw.n)/maxViewFactor > s.numel {
		return view{}, torchError(src, "tensor %q: %d elements viewing a storage of %d", name, vw.n, s.numel)
	}
	return vw, nil
}

func outside(src, name string, tt *pyTensor) error {
	return torchError(src, "tensor %q: size %v, stride %v and offset %d reach past its storage %q of %d elements",
		name, tt.size, tt.stride, tt.offset, tt.storage.key, tt.storage.numel)
}

// gather copies the elements of es bytes that t views in src into dst, in
// row-major order; check has bounded every index.
func gather(dst, src []byte, t *pyTensor, es int) {
	n := int64(len(dst) / es)
	contiguous, want := true, int64(1)
	for k := len(t.size) - 1; k >= 0; k-- {
		if t.size[k] != 1 && t.stride[k] != want {
			contiguous = false
			break
		}
		want *= t.size[k]
	}
	if contiguous {
		copy(dst, src[t.offset*int64(es):(t.offset+n)*int64(es)])
		return
	}
	rank := len(t.size)
	idx := make([]int64, rank)
	inner, innerStride := t.size[rank-1], t.stride[rank-1]
	pos := t.offset // of idx, with idx[rank-1] = 0
	for o := int64(0); o < n; o += inner {
		p := pos
		for j := int64(0); j < inner; j++ {
			copy(dst[(o+j)*int64(es):], src[p*int64(es):(p+1)*int64(es)])
			p += innerStride
		}
		for k := rank - 2; k >= 0; k-- {
			idx[k]++
			pos += t.stride[k]
			if idx[k] < t.size[k] {
				break
			}
			pos -= idx[k] * t.stride[k]
			idx[k] = 0
		}
	}
}
