package onnx

// Adding an operator family: a new file op_<family>.go whose init calls
// register for each operator with its builder. The builder reads the
// node through nodeCtx (nodectx.go): inputs (need, needTyped, input,
// known, knownInts for shapes and axes that must be known while planning),
// attributes (attrInt, attrFloat, attrString record a wrong type in c.err;
// attrInts, attrFloats, attrStrings return it), and declares outputs
// (output for a fresh buffer, alias for a view, knownOutput for values
// computed while planning). Scratch memory the kernel needs is allocated
// in the builder (scratch, which charges the element budget), never in the
// returned function. Refuse what is not
// implemented with c.unsupported (naming the attribute and value) and
// inconsistent shapes with c.shapeErr; planNode adds the node's name.
// The conformance test picks the new operators up from the registry: every
// ONNX node test that uses only registered operators must then pass.
//
// An op builder plans one node for fixed input shapes: it reads the inputs'
// types and shapes (and, for inputs known while planning, such as shapes and
// initializers, their values) and the attributes, declares the outputs
// (nodeCtx.output or nodeCtx.alias) and returns the function that computes
// them at run time. That function must not allocate: everything it needs is
// prepared by the builder. A builder refuses what it does not implement
// with ErrUnsupported (nodeCtx.unsupported) and bad shapes with ErrShape.
type opBuilder func(c *nodeCtx) (run func() error, err error)

// opEntry is an operator of the default ONNX domain: its builder and the
// first opset version it exists in (earlier versions are refused).
type opEntry struct {
	since int64
	build opBuilder
	seqs  bool // the builder reads sequence inputs (registerSeq)
	opts  bool // the builder reads optional inputs (registerOpt)
}

// ops is the registry: one entry per operator, each added by the init of
// the file that implements its family (op_<family>.go).
var ops = map[string]opEntry{}

// msDomain is ONNX Runtime's contrib domain, of which msOps holds the
// operators this package runs (registered by registerMS); the model must
// import the domain.
const msDomain = "com.microsoft"

var msOps = map[string]opEntry{}

// registerMS adds an operator of the com.microsoft domain.
func registerMS(name string, build opBuilder) {
	if _, dup := msOps[name]; dup {
		panic("onnx: operator registered twice: " + msDomain + "." + name)
	}
	msOps[name] = opEntry{since: 1, build: build}
}

// register adds an operator. A second registration of one name is a
// programming error.
func register(name string, since int64, build opBuilder) {
	if _, dup := ops[name]; dup {
		panic("onnx: operator registered twice: " + name)
	}
	ops[name] = opEntry{since: since, build: build}
}

// registerSeq adds an operator whose inputs may be sequences (value.seq)
// as well as tensors: the sequence operators, Identity, Loop. planNode
// refuses a sequence input to any other.
func registerSeq(name string, since int64, build opBuilder) {
	register(name, since, build)
	e := ops[name]
	e.seqs = true
	ops[name] = e
}

// registerOpt adds an operator whose inputs may be optionals (value.opt)
// as well as sequences and tensors: Optional, OptionalHasElement,
// OptionalGetElement, Identity, Loop. planNode refuses an optional input
// to any other.
func registerOpt(name string, since int64, build opBuilder) {
	registerSeq(name, since, build)
	e := ops[name]
	e.opts = true
	ops[name] = e
}

// maxOpset is the newest version of the default domain this package knows.
// The operators implement the semantics of every version up to it; a model
// importing a newer opset is refused rather than run with semantics that
// may have changed.
const maxOpset = 22

// Operators lists the operators of the default domain that Session runs.
func Operators() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// MicrosoftOperators lists the operators of ONNX Runtime's com.microsoft
// domain that Session runs, for a model that imports the domain.
func MicrosoftOperators() []string {
	names := make([]string, 0, len(msOps))
	for n := range msOps {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}
