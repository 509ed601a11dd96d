//go:build !(amd64 || arm64) || purego || noasm

package kernel

import "runtime"

// asmBuilt is false: this build has no assembly (purego or noasm tag, or
// an architecture without kernels), and every kernel runs pure Go.
const asmBuilt = false

const cpuArch = runtime.GOARCH
