// Command neonword prints the Go assembler WORD line for each Arm
// instruction given as an argument:
//
//	$ go run ./internal/neonasm/cmd/neonword 'fadd v0.4s, v1.4s, v2.4s'
//	WORD $0x4e22d420 // fadd v0.4s, v1.4s, v2.4s
//
// With -fix it instead rewrites, in each named .s file, the number of
// every "WORD $0x... // instruction" line to the instruction's encoding,
// so one can write "WORD $0 // fmax v0.4s, v0.4s, v1.4s" and let it fill
// the number in.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/simdcore/simdcore/internal/neonasm"
)

var wordLine = regexp.MustCompile(`^(\s*WORD\s+\$)(0x[0-9a-fA-F]+|0)(\s*//\s*)(.*?)\s*$`)

func main() {
	fix := flag.Bool("fix", false, "rewrite the WORD numbers in the named .s files")
	flag.Parse()
	status := 0
	for _, arg := range flag.Args() {
		if *fix {
			if err := fixFile(arg); err != nil {
				fmt.Fprintln(os.Stderr, err)
				status = 1
			}
			continue
		}
		w, err := neonasm.Encode(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Printf("WORD $0x%08x // %s\n", w, arg)
	}
	os.Exit(status)
}

func fixFile(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		m := wordLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		w, err := neonasm.Encode(m[4])
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, i+1, err)
		}
		lines[i] = fmt.Sprintf("%s0x%08x%s%s", m[1], w, m[3], m[4])
	}
	return os.WriteFile(name, []byte(strings.Join(lines, "\n")), 0o644)
}
