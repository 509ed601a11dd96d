//go:build (amd64 || arm64) && !purego && !noasm

package kernel

import "runtime"

// asmBuilt is true when this build contains the assembly kernels.
const asmBuilt = true

const cpuArch = runtime.GOARCH
