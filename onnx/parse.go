package onnx

import (
	"errors"
	"fmt"
	"math"

	"github.com/simdcore/simdcore/internal/regfile"
)

// maxDepth bounds the nesting of subgraphs (attributes holding graphs that
// hold nodes with graph attributes …) and of types (sequences of sequences),
// so that a small hostile file cannot exhaust the stack.
const maxDepth = 64

// MaxFileSize bounds the files ReadFile and ReadTensorFile read: the
// largest protobuf message (2 GiB − 1 bytes). Larger ONNX models keep
// their weights in external data, which this package refuses.
const MaxFileSize = math.MaxInt32

// ReadFile reads and parses an ONNX model file; see Parse. The path must
// name a regular file of at most MaxFileSize bytes: a FIFO, a device (such
// as /dev/zero) or a directory is refused at once, never read without end
// or waited on, and a larger file gives an error wrapping ErrLimit.
func ReadFile(path string) (*Model, error) { return readWith(path, Parse) }

// readWith reads a file and parses it, naming the file in a parse error.
func readWith[T any](path string, parse func([]byte) (T, error)) (T, error) {
	data, err := regfile.ReadFile(path, MaxFileSize)
	if err != nil {
		var zero T
		if errors.Is(err, regfile.ErrTooLarge) {
			err = fmt.Errorf("%w: %w", ErrLimit, err)
		}
		return zero, err
	}
	v, err := parse(data)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Parse decodes a serialized ModelProto. Fields this package does not know
// are skipped, as protobuf requires. Malformed input gives an error wrapping
// ErrFormat, tensors stored in external files or of unsupported types
// ErrUnsupported, and nesting deeper than the limit ErrLimit; Parse never
// panics, and it allocates at most a small multiple of len(data). The model
// keeps no reference to data.
func Parse(data []byte) (*Model, error) {
	m := &Model{packs: &packShare{}}
	const msg = "model"
	err := fields(data, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64(msg, "ir_version")
		case 2:
			m.ProducerName, err = f.str(msg, "producer_name")
		case 3:
			m.ProducerVersion, err = f.str(msg, "producer_version")
		case 4:
			m.Domain, err = f.str(msg, "domain")
		case 5:
			m.ModelVersion, err = f.int64(msg, "model_version")
		case 6:
			m.DocString, err = f.str(msg, "doc_string")
		case 7:
			var b []byte
			if b, err = f.bytes(msg, "graph"); err == nil {
				m.Graph, err = parseGraph(b, 0)
			}
		case 8:
			var b []byte
			if b, err = f.bytes(msg, "opset_import"); err == nil {
				var o OpsetID
				o, err = parseOpset(b)
				m.OpsetImports = append(m.OpsetImports, o)
			}
		case 14:
			var b []byte
			if b, err = f.bytes(msg, "metadata_props"); err == nil {
				var p StringPair
				p, err = parseStringPair(b)
				m.Metadata = append(m.Metadata, p)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("%w: model has no graph", ErrFormat)
	}
	return m, nil
}

func parseOpset(b []byte) (OpsetID, error) {
	var o OpsetID
	const msg = "opset_import"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			o.Domain, err = f.str(msg, "domain")
		case 2:
			o.Version, err = f.int64(msg, "version")
		}
		return err
	})
	return o, err
}

func parseStringPair(b []byte) (StringPair, error) {
	var p StringPair
	const msg = "metadata_props"
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			p.Key, err = f.str(msg, "key")
		case 2:
			p.Value, err = f.str(msg, "value")
		}
		return err
	})
	return p, err
}

func parseGraph(b []byte, depth int) (*Graph, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: subgraphs nested deeper than %d", ErrLimit, maxDepth)
	}
	g := &Graph{}
	const msg = "graph"
	err := fields(b, msg, func(f field) error {
		var err error
		var sub []byte
		switch f.num {
		case 1, 5, 11, 12, 13, 15:
			if sub, err = f.bytes(msg, fmt.Sprint("field ", f.num)); err != nil {
				return err
			}
		}
		switch f.num {
		case 1:
			var n *Node
			if n, err = parseNode(sub, depth); err == nil {
				g.Nodes = append(g.Nodes, n)
			}
		case 2:
			g.Name, err = f.str(msg, "name")
		case 5:
			var t *Tensor
			if t, err = ParseTensor(sub); err == nil {
				g.Initializers = append(g.Initializers, t)
			}
		case 10:
			g.DocString, err = f.str(msg, "doc_string")
		case 11, 12, 13:
			var v ValueInfo
			if v, err = parseValueInfo(sub); err == nil {
				switch f.num {
				case 11:
					g.Inputs = append(g.Inputs, v)
				case 12:
					g.Outputs = append(g.Outputs, v)
				default:
					g.ValueInfo = append(g.ValueInfo, v)
				}
			}
		case 15:
			err = fmt.Errorf("%w: sparse initializers", ErrUnsupported)
		}
		return err
	})
	if err != nil && g.Name != "" {
		err = fmt.Errorf("graph %q: %w", g.Name, err)
	}
	return g, err
}

func parseNode(b []byte, depth int) (*Node, error) {
	n := &Node{}
	const msg = "node"
	err := fields(b, msg, func(f field) error {
		var err error
		var s string
		switch f.num {
		case 1:
			if s, err = f.str(msg, "input"); err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case 2:
			if s, err = f.str(msg, "output"); err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case 3:
			n.Name, err = f.str(msg, "name")
		case 4:
			n.OpType, err = f.str(msg, "op_type")
		case 5:
			var b []byte
			if b, err = f.bytes(msg, "attribute"); err == nil {
				var a *Attribute
				if a, err = parseAttribute(b, depth); err == nil {
					n.Attributes = append(n.Attributes, a)
				}
			}
		case 6:
			n.DocString, err = f.str(msg, "doc_string")
		case 7:
			n.Domain, err = f.str(msg, "domain")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
	}
	return n, nil
}

func parseAttribute(b []byte, depth int) (*Attribute, error) {
	a := &Attribute{}
	const msg = "attribute"
	var floats []uint64
	var ints []uint64
	var setF, setI, setS, setT, setG bool
	err := fields(b, msg, func(f field) error {
		var err error
		switch f.num {
		case 1:
			a.Name, err = f.str(msg, "name")
		case 2:
			if f.typ != 5 { // fixed32
				return f.wrongType(msg, "f")
			}
			a.F, setF = math.Float32frombits(uint32(f.u)), true
		case 3:
			a.I, err = f.int64(msg, "i")
			setI = true
		case 4:
			a.S, err = f.bytes(msg, "s")
			setS = true
		case 5:
			var b []byte
			if b, err = f.bytes(msg, "t"); err == nil {
				a.T, err = ParseTensor(b)
				setT = true
			}
		case 6:
			var b []byte
			if b, err = f.bytes(msg, "g"); err == nil {
				a.G, err = parseGraph(b, depth+1)
				setG = true
			}
		case 7:
			floats, err = f.appendFixed(floats, 4, msg, "floats")
		case 8:
			ints, err = f.appendVarints(ints, msg, "ints")
		case 9:
			var s []byte
			if s, err = f.bytes(msg, "strings"); err == nil {
				a.Strings = append(a.Strings, s)
			}
		case 10:
			var b []byte
			if b, err = f.bytes(msg, "tensors"); err == nil {
				var t *Tensor
				if t, err = ParseTensor(b); err == nil {
					a.Tensors = append(a.Tensors, t)
				}
			}
		case 11:
			var b []byte
			if b, err = f.bytes(msg, "graphs"); err == nil {
				var g *Graph
				if g, err = parseGraph(b, depth+1); err == nil {
					a.Graphs = append(a.Graphs, g)
				}
			}
		case 13:
			a.DocString, err = f.str(msg, "doc_string")
		case 14, 15:
			var b []byte
			if b, err = f.bytes(msg, "tp"); err == nil {
				var ty Type
				if ty, err = parseType(b, depth+1); err == nil {
					if f.num == 14 {
						a.TP = &ty
					} else {
						a.TPs = append(a.TPs, ty)
					}
				}
			}
		case 20:
			var t int32
			t, err = f.int32(msg, "type")
			a.Type = AttrType(t)
		case 21:
			a.RefAttrName, err = f.str(msg, "ref_attr_name")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	if floats != nil {
		a.Floats = make([]float32, len(floats))
		for i, u := range floats {
			a.Floats[i] = math.Float32frombits(uint32(u))
		}
	}
	if ints != nil {
		a.Ints = make([]int64, len(ints))
		for i, u := range ints {
			a.Ints[i] = int64(u)
		}
	}
	// Old files (IR version 1) leave type out: infer it from the one
	// field that is set.
	if a.Type == AttrUndefined {
		switch {
		case setF:
			a.Type = AttrFloat
		case setI:
			a.Type = AttrInt
		case setS:
			a.Type = AttrString
		case setT:
			a.Type = AttrTensor
		case setG:
			a.Type = AttrGraph
		case a.Floats != nil:
			a.Type = AttrFloats
		case a.Ints != nil:
			a.Type = AttrInts
		case a.Strings != nil:
			a.Type = AttrStrings
		case a.Tensors != nil:
			a.Type = AttrTensors
		case a.Graphs != nil:
			a.Type = AttrGraphs
		case a.TP != nil:
			a.Type = AttrTypeProto
		case a.TPs != nil:
			a.Type = AttrTypeProtos
		}
	}
	switch {
	case a.Type == AttrTensor && a.T == nil, a.Type == AttrGraph && a.G == nil, a.Type == AttrTypeProto && a.TP == nil:
		return nil, fmt.Errorf("%w: attribute %q of type %v has no value", ErrFormat, a.Name, a.Type)
	case a.Type < AttrUndefined || a.Type > AttrTypeProtos:
		return nil, fmt.Errorf("%w: attribute %q has unknown type %d", ErrFormat, a.Name, int32(a.Type))
	}
	return a, nil
}
