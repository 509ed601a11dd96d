//go:build purego || noasm

package kernel_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

// TestPuregoBuildsNoAssembly proves that the purego (or noasm) tag
// removes every assembly file from the build, as the standard library's
// crypto/purego_test.go does, and that only the generic level remains.
func TestPuregoBuildsNoAssembly(t *testing.T) {
	require.Equal(t, []kernel.Level{kernel.Generic}, kernel.Available())
	for _, goarch := range []string{"amd64", "arm64"} {
		cmd := exec.Command("go", "list", "-tags", "purego", "-f", "{{.ImportPath}}: {{.SFiles}}", "github.com/simdcore/simdcore/...")
		cmd.Env = append(cmd.Environ(), "GOARCH="+goarch, "GOOS=linux", "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			require.True(t, strings.HasSuffix(line, ": []"), "GOARCH=%s purego still builds assembly: %s", goarch, line)
		}
	}
}
