package main

import (
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel/internal/table"
)

// A level's Call in a switch without results must return after it, or
// the generic code after the switch runs as well (quantizeInt8 once ran
// its assembly and then the whole generic loop over the same vector).
func TestCodeCallWithoutResultsReturns(t *testing.T) {
	k := table.Kernel{Sig: "(dst []int8, src []float32, inv float32)"}
	im := table.Impl{Level: "avx2", Call: "f(dst)\ng(src)"}
	if got := code(k, im, false); !strings.HasSuffix(got, "\nreturn") {
		t.Errorf("code of a void Call case = %q, want it to end in return", got)
	}
	k.Sig = "(x []float32) float32"
	im.Call = "return f(x)"
	if got := code(k, im, false); got != im.Call {
		t.Errorf("code of a Call case with results = %q, want the Call as is", got)
	}
}

// Every generated case of a row without results leaves the switch.
func TestEveryVoidCallCaseReturns(t *testing.T) {
	for _, k := range table.Kernels {
		if k.Func == "" || hasResults(k.Sig) {
			continue
		}
		for _, im := range k.Impls {
			if im.Call == "" || im.Level == "generic" {
				continue
			}
			if got := code(k, im, false); !strings.HasSuffix(strings.TrimSpace(got), "return") {
				t.Errorf("%s at %s: case body %q does not return", k.Name, im.Level, got)
			}
		}
	}
}
