package vad

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/simdcore/simdcore/onnx"
)

// ErrNotSilero is wrapped by Load's error for an ONNX model whose inputs
// and outputs are not those of a Silero VAD model.
var ErrNotSilero = errors.New("vad: not a Silero VAD model")

// Silero is one stream of a Silero VAD model run by package onnx: it
// implements Model. Load reads the file and plans one session per sample
// rate (16 kHz and 8 kHz, with sr fixed, so each session holds one branch
// of the graph's If); the recurrent state lives in the sessions' input
// tensors. A Silero is not safe for concurrent use: make one per stream
// (Load, or NewStream of a loaded one).
type Silero struct {
	model  *onnx.Model
	legacy bool // inputs h and c (Silero v4), else state (v5, v6)
	only16 bool // no input sr: the model takes 16 kHz alone
	// rates[0] runs at 16 kHz, rates[1] at 8 kHz (unplanned when only16).
	rates [2]sileroRate
}

// sileroRate is one planned session and its tensors.
type sileroRate struct {
	session *onnx.Session
	input   *onnx.Tensor
	prob    *onnx.Tensor
	// state pairs: the input that Run reads and the output it writes.
	stateIn, stateOut []*onnx.Tensor
}

// Load reads a Silero VAD model and plans it for one stream at batch 1.
// It takes the three input layouts upstream's models have:
//   - (input, state, sr): v5 and v6 (silero_vad.onnx,
//     silero_vad_v5.onnx, silero_vad_16k_op15.onnx,
//     silero_vad_op18_ifless.onnx), at 16 and 8 kHz;
//   - (input, state) without sr: the 16 kHz-only exports
//     (silero_vad_half.onnx, silero_vad_openvino_16k.onnx), at 16 kHz
//     alone (SampleRates);
//   - (input, sr, h, c): the legacy v4 model, at 16 and 8 kHz.
//
// A model whose inputs are none of these, or whose input, states and
// their outputs are not FLOAT, or whose output is not one FLOAT
// probability, is an error wrapping ErrNotSilero; an operator the runner
// lacks is onnx's ErrUnsupported.
func Load(path string) (*Silero, error) {
	m, err := onnx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := newSilero(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// newSilero recognises the model by its inputs and plans its sessions.
func newSilero(m *onnx.Model) (*Silero, error) {
	if m.Graph == nil {
		return nil, fmt.Errorf("%w: no graph", ErrNotSilero)
	}
	var names []string
	for _, in := range m.Graph.Inputs {
		if m.Graph.Initializer(in.Name) == nil {
			names = append(names, in.Name)
		}
	}
	slices.Sort(names)
	s := &Silero{model: m}
	var states, outStates []string
	var hidden int
	switch strings.Join(names, ",") {
	case "input,sr,state":
		states, outStates, hidden = []string{"state"}, []string{"stateN"}, 128
	case "input,state":
		s.only16 = true
		states, outStates, hidden = []string{"state"}, []string{"stateN"}, 128
	case "c,h,input,sr":
		s.legacy = true
		states, outStates, hidden = []string{"h", "c"}, []string{"hn", "cn"}, 64
	default:
		return nil, fmt.Errorf("%w: inputs %s (want input, state, sr; input, state; or input, sr, h, c)", ErrNotSilero, strings.Join(names, ", "))
	}
	if missing := missingOperators(m.Graph); len(missing) > 0 {
		return nil, fmt.Errorf("%w: the model needs operators the onnx runner lacks: %s", onnx.ErrUnsupported, strings.Join(missing, ", "))
	}
	for i, rate := range s.SampleRates() {
		chunk, _ := ChunkSize(rate)
		shapes := map[string][]int{"input": {1, s.Context(rate) + chunk}}
		for _, name := range states {
			shapes[name] = []int{2, 1, hidden}
		}
		var opts *onnx.Options
		if !s.only16 {
			sr := &onnx.Tensor{Name: "sr", DType: onnx.Int64, Int: []int64{int64(rate)}}
			opts = &onnx.Options{Fixed: map[string]*onnx.Tensor{"sr": sr}}
		}
		session, err := onnx.NewSession(m, shapes, opts)
		if err != nil {
			return nil, fmt.Errorf("planning for %d Hz: %w", rate, err)
		}
		r := sileroRate{session: session, input: session.Input("input"), prob: session.Output("output")}
		if r.input.DType != onnx.Float {
			return nil, fmt.Errorf("%w: input is %v, not FLOAT", ErrNotSilero, r.input.DType)
		}
		if r.prob == nil {
			return nil, fmt.Errorf("%w: no output named output", ErrNotSilero)
		}
		if r.prob.DType != onnx.Float || len(r.prob.Float) != 1 {
			return nil, fmt.Errorf("%w: output is %v of shape %v, not one FLOAT probability", ErrNotSilero, r.prob.DType, r.prob.Dims)
		}
		for k, name := range states {
			in, out := session.Input(name), session.Output(outStates[k])
			if out == nil {
				return nil, fmt.Errorf("%w: no output %s for the state %s", ErrNotSilero, outStates[k], name)
			}
			if in.DType != onnx.Float || out.DType != onnx.Float {
				return nil, fmt.Errorf("%w: state %s is %v and output %s %v, not FLOAT", ErrNotSilero, name, in.DType, outStates[k], out.DType)
			}
			if len(out.Float) != len(in.Float) {
				return nil, fmt.Errorf("%w: output %s has %d values, state %s %d", ErrNotSilero, outStates[k], len(out.Float), name, len(in.Float))
			}
			r.stateIn, r.stateOut = append(r.stateIn, in), append(r.stateOut, out)
		}
		s.rates[i] = r
	}
	return s, nil
}

// NewStream returns another stream of the same model, with its own
// sessions and a zero state, without reading the file again.
func (s *Silero) NewStream() (*Silero, error) {
	return newSilero(s.model)
}

// SampleRates returns the sample rates the model takes: 16000 and 8000,
// or 16000 alone for a model without an sr input. NewDetector refuses
// the others; resample to 16 kHz (Resample) for such a model.
func (s *Silero) SampleRates() []int {
	if s.only16 {
		return []int{16000}
	}
	return []int{16000, 8000}
}

// Legacy reports whether the model is Silero v4 (inputs h and c, no
// context) rather than v5 or v6.
func (s *Silero) Legacy() bool { return s.legacy }

// Context returns the samples of the previous input that precede each
// chunk: 64 at 16 kHz and 32 at 8 kHz for v5 and v6, none for legacy.
func (s *Silero) Context(sampleRate int) int {
	switch {
	case s.legacy:
		return 0
	case sampleRate == 8000:
		return 32
	}
	return 64
}

// ResetState zeroes the recurrent state at both sample rates.
func (s *Silero) ResetState() {
	for i := range s.rates {
		for _, t := range s.rates[i].stateIn {
			clear(t.Float)
		}
	}
}

// Infer runs one chunk with its context (see Model); it does not
// allocate.
func (s *Silero) Infer(in []float32, sampleRate int) (float32, error) {
	var r *sileroRate
	switch sampleRate {
	case 16000:
		r = &s.rates[0]
	case 8000:
		if s.only16 {
			return 0, fmt.Errorf("vad: Silero.Infer: this model takes 16000 Hz only (it has no input sr), not 8000 Hz: resample to 16000 Hz")
		}
		r = &s.rates[1]
	default:
		_, err := ChunkSize(sampleRate)
		return 0, err
	}
	if len(in) != len(r.input.Float) {
		return 0, fmt.Errorf("vad: Silero.Infer: %d samples at %d Hz (want %d)", len(in), sampleRate, len(r.input.Float))
	}
	copy(r.input.Float, in)
	if err := r.session.Run(); err != nil {
		return 0, err
	}
	for k, t := range r.stateIn {
		copy(t.Float, r.stateOut[k].Float)
	}
	return r.prob.Float[0], nil
}

// missingOperators lists, sorted, the operators of g and its subgraphs
// that package onnx does not run.
func missingOperators(g *onnx.Graph) []string {
	known := map[string]bool{}
	for _, op := range onnx.Operators() {
		known[op] = true
	}
	missing := map[string]bool{}
	var walk func(g *onnx.Graph)
	walk = func(g *onnx.Graph) {
		for _, n := range g.Nodes {
			if !known[n.OpType] {
				missing[n.OpType] = true
			}
			for _, a := range n.Attributes {
				if a.G != nil {
					walk(a.G)
				}
				for _, sub := range a.Graphs {
					walk(sub)
				}
			}
		}
	}
	walk(g)
	return slices.Sorted(maps.Keys(missing))
}
