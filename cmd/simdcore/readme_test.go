package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeCommandSection: the README installs the command once and then
// runs the binary (go run adds its own error line and exits 1), every
// flag its simdcore examples use exists in that command, and it says
// what go test -short leaves out.
func TestReadmeCommandSection(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(raw)
	require.True(t, strings.HasPrefix(readme, "# simdcore\n\n```sh\ngo run ./cmd/simdcore   #"), "the README's first lines changed")
	for _, want := range []string{"go install ./cmd/simdcore", "`go test -short ./...`"} {
		require.True(t, strings.Contains(readme, want), "the README does not say %s", want)
	}

	// Example lines in the sh blocks, backslash continuations joined.
	var examples [][]string
	line := regexp.MustCompile(`(?m)^simdcore (\w+)(.*)$`)
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1) {
		joined := strings.ReplaceAll(block[1], "\\\n", " ")
		examples = append(examples, line.FindAllStringSubmatch(joined, -1)...)
	}
	require.GreaterOrEqual(t, len(examples), 6)
	flagRe := regexp.MustCompile(`(?:^|\s)(-[a-z]+)`)
	for _, ex := range examples {
		cmd, rest := ex[1], ex[2]
		if i := strings.Index(rest, "#"); i >= 0 {
			rest = rest[:i]
		}
		var out, errb bytes.Buffer
		require.Equal(t, 0, run([]string{cmd, "-h"}, &out, &errb), "README runs simdcore %s: %s", cmd, errb.String())
		for _, m := range flagRe.FindAllStringSubmatch(rest, -1) {
			if m[1] == "-h" {
				continue
			}
			defined := regexp.MustCompile(`(?m)^  ` + m[1] + `( |$)`).MatchString(out.String())
			require.True(t, defined, "README: simdcore %s uses %s, which it does not define", cmd, m[1])
		}
	}
}
