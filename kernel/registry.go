package kernel

import "sort"

// Impl describes one implementation of one kernel compiled into this
// binary, in the manner of Go's crypto/internal/impl registry. Tests use
// the registry to run every implementation this CPU can run against the
// float64 references; cmd/simdcore info prints it.
type Impl struct {
	Kernel string // the exported function, such as "Dot"
	Level  Level  // the level it needs
	Name   string // what it is, XNNPACK style: "dot_avx512_u4" (unrolled 4×)
}

var registry = map[string][]Impl{}

// register records an implementation. Every <family>_<arch>.go file
// registers the implementations its dispatch switch can call, beside that
// switch, so the two stay in step. The generic one must be registered too.
func register(kernel string, l Level, name string) {
	impls := append(registry[kernel], Impl{Kernel: kernel, Level: l, Name: name})
	sort.SliceStable(impls, func(i, j int) bool { return impls[i].Level < impls[j].Level })
	registry[kernel] = impls
}

// Kernels returns the names of every registered kernel, sorted.
func Kernels() []string {
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Implementations returns the implementations of kernel that this CPU
// and build can run, least capable first. It returns nil for an unknown
// kernel name.
func Implementations(kernel string) []Impl {
	var out []Impl
	for _, im := range registry[kernel] {
		if Supported(im.Level) {
			out = append(out, im)
		}
	}
	return out
}

// Current returns the implementation of kernel that runs at the active
// level: the most capable registered one on the active level's chain.
// ok is false for an unknown kernel name.
func Current(kernel string) (im Impl, ok bool) {
	for _, c := range registry[kernel] {
		if c.Level.below(active) {
			im, ok = c, true
		}
	}
	return im, ok
}
