// Command neonword prints the Go assembler WORD line for each Arm
// instruction given as an argument, for writing NEON kernels by hand:
//
//	$ go run ./internal/neonasm/cmd/neonword 'fadd v0.4s, v1.4s, v2.4s'
//	WORD $0x4e22d420 // fadd v0.4s, v1.4s, v2.4s
//
// The generated kernels need no such step: their generator (asm/_asm/neon)
// encodes every instruction itself.
package main

import (
	"fmt"
	"os"

	"github.com/simdcore/simdcore/internal/neonasm"
)

func main() {
	status := 0
	for _, arg := range os.Args[1:] {
		w, err := neonasm.Word(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Printf("%s // %s\n", w, arg)
	}
	os.Exit(status)
}
