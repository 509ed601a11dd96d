package onnx

import "strconv"

// Model is a parsed ONNX ModelProto.
type Model struct {
	IRVersion       int64
	OpsetImports    []OpsetID
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Metadata        []StringPair // metadata_props, in file order
	Graph           *Graph

	// packs holds the packed forms of the graph's weight initializers
	// that Sessions planned from a parsed model share (nil for a Model
	// built otherwise: each Session then packs its own).
	packs *packShare
}

// OpsetID is one opset import: an operator domain ("" or "ai.onnx" is the
// default domain) and its version.
type OpsetID struct {
	Domain  string
	Version int64
}

// StringPair is a key–value entry of metadata_props.
type StringPair struct{ Key, Value string }

// Opset returns the version of the opset imported for domain, where "" and
// "ai.onnx" name the same default domain; ok is false when the model does not
// import it.
func (m *Model) Opset(domain string) (version int64, ok bool) {
	domain = canonicalDomain(domain)
	for _, o := range m.OpsetImports {
		if canonicalDomain(o.Domain) == domain {
			return o.Version, true
		}
	}
	return 0, false
}

func canonicalDomain(d string) string {
	if d == "ai.onnx" {
		return ""
	}
	return d
}

// Graph is a parsed GraphProto: the nodes (in file order, which ONNX requires
// to be topological but this package does not rely on), the initializers
// (constant tensors, by name), the graph's inputs and outputs, and the shapes
// of intermediate values it declares (value_info).
type Graph struct {
	Name         string
	DocString    string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
}

// Initializer returns the initializer called name, or nil.
func (g *Graph) Initializer(name string) *Tensor {
	for _, t := range g.Initializers {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Node is a parsed NodeProto: one operator application. An empty string in
// Inputs is an optional input left out; in Outputs, an output not wanted.
type Node struct {
	Name       string
	OpType     string
	Domain     string
	Inputs     []string
	Outputs    []string
	Attributes []*Attribute
	DocString  string

	// A node the planner made of a chain of the file's nodes
	// (fusedPatterns) holds those nodes, in order, and the values they
	// read that it does not.
	fusedFrom  []*Node
	fusedReads []string
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attributes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// AttrType is the type of an attribute, with AttributeProto's numbering.
type AttrType int32

// The attribute types.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

var attrTypeNames = [...]string{"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH",
	"FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS",
	"TYPE_PROTO", "TYPE_PROTOS"}

// String returns the ONNX name of the attribute type (INT, FLOATS, …).
func (t AttrType) String() string {
	if t >= 0 && int(t) < len(attrTypeNames) {
		return attrTypeNames[t]
	}
	return "AttrType(" + strconv.Itoa(int(t)) + ")"
}

// Attribute is a parsed AttributeProto. Type says which field holds the
// value; the parser checks that a declared type has its value. Sparse tensors
// are refused (ErrUnsupported) when a node carries them. TP and TPs hold
// TYPE_PROTO and TYPE_PROTOS values (Optional's type).
// RefAttrName is set on attributes of function bodies that refer to the
// calling node's attribute.
type Attribute struct {
	Name        string
	Type        AttrType
	F           float32
	I           int64
	S           []byte
	T           *Tensor
	G           *Graph
	Floats      []float32
	Ints        []int64
	Strings     [][]byte
	Tensors     []*Tensor
	Graphs      []*Graph
	TP          *Type
	TPs         []Type
	RefAttrName string
	DocString   string
}

// ValueInfo is a parsed ValueInfoProto: a value's name and type.
type ValueInfo struct {
	Name string
	Type Type
}

// TypeKind says what kind of value a Type describes.
type TypeKind int

// The kinds of value. Tensors, sequences of tensors and optionals of
// either flow through Session; the others are parsed so that a model
// using them can be named in an error.
const (
	KindUnknown TypeKind = iota
	KindTensor
	KindSequence
	KindMap
	KindOptional
	KindSparseTensor
)

// Type is a parsed TypeProto. For a tensor, ElemType and, when HasShape,
// Shape; for a sequence or optional, Elem is the element's type; for a map,
// KeyType and Elem the value's type.
type Type struct {
	Kind     TypeKind
	ElemType DataType
	HasShape bool
	Shape    []Dim
	KeyType  DataType
	Elem     *Type
}

// Dim is one dimension of a tensor shape: a fixed size (Known, Value), a
// symbolic one (Param, such as "batch"), or neither (unknown).
type Dim struct {
	Known bool
	Value int64
	Param string
}

// Tensor is a dense tensor: a parsed TensorProto, and the values Session
// takes and gives. Dims is the shape (nil or empty for a scalar); the
// values, in row-major order, are in the one slice that DType selects:
//
//	Float    FLOAT, FLOAT16 and BFLOAT16 (converted to float32 exactly)
//	Int      INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 (at
//	         most 1<<63-1; larger values are refused), BOOL (0 or 1)
//	Double   DOUBLE
//	Strings  STRING
//
// Other types (complex, 8- and 4-bit floats, 4-bit integers) are refused
// with ErrUnsupported.
type Tensor struct {
	Name    string
	DType   DataType
	Dims    []int
	Float   []float32
	Int     []int64
	Double  []float64
	Strings [][]byte
}

// Len is the number of elements that Dims describes (1 for a scalar).
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}
