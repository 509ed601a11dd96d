package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/simdcore/simdcore/kernel"
)

// levelWarning returns what every command says once on stderr when
// SIMDCORE_LEVEL asks for something other than what runs: a name the
// kernel package does not know (kernel.EnvError), or a level this CPU and
// build cannot run (neon on amd64, avx512 without AVX-512), which the
// kernel package caps silently. It returns "" when there is nothing to say.
func levelWarning() string {
	v := os.Getenv("SIMDCORE_LEVEL")
	if v == "" {
		return ""
	}
	if err := kernel.EnvError(); err != nil {
		return fmt.Sprintf("%v; running %s", err, kernel.Active())
	}
	l, err := kernel.ParseLevel(v)
	if err != nil {
		return fmt.Sprintf("SIMDCORE_LEVEL ignored: %v; running %s", err, kernel.Active())
	}
	if kernel.Supported(l) {
		return ""
	}
	var names []string
	for _, a := range kernel.Available() {
		names = append(names, a.String())
	}
	return fmt.Sprintf("SIMDCORE_LEVEL=%s: this CPU and build cannot run %s (available: %s); running %s", v, l, strings.Join(names, ", "), kernel.Active())
}
