//go:build !(amd64 || arm64) || purego || noasm

package machbound

import "github.com/simdcore/simdcore/kernel"

// asmProbe reports that this build has no assembly probe.
func asmProbe(kernel.Level) (probe, bool) { return probe{}, false }

// asmInt8Probe reports that this build has no assembly int8 probe.
func asmInt8Probe(kernel.Int8Path) (int8Probe, bool) { return int8Probe{}, false }
