//go:build (amd64 || arm64) && !purego && !noasm

package kernel

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/simdcore/simdcore/internal/race"
	"github.com/stretchr/testify/require"
)

// TestEntryKeepsBuffersOnStack checks, at every level this CPU runs, that
// the public kernels that dispatch in assembly (their generated body is
// one call of a //go:noescape entry, kernel/internal/gen/entry.go) leave
// their callers' arrays on the caller's stack: callOnStack allocates
// nothing. Under the race detector the race annotations hand the slices
// to runtime.RaceReadRange, which lets them escape, in every build of the
// kernels; the property is of the builds without it.
func TestEntryKeepsBuffersOnStack(t *testing.T) {
	if race.Enabled {
		t.Skip("the race annotations let the slices escape")
	}
	for _, l := range Available() {
		restore, err := SetLevel(l)
		require.NoError(t, err)
		allocs := testing.AllocsPerRun(100, callOnStack)
		restore()
		require.Zero(t, allocs, "%v", l)
	}
}

// TestDispatchTargetsDoNotLeak checks, with the compiler's escape
// analysis (go build -gcflags=-m), that no Go function the assembly
// dispatch jumps to (entryTargets) keeps a pointer to a slice it is
// given: the entries are //go:noescape, so callers trust that it does not.
func TestDispatchTargetsDoNotLeak(t *testing.T) {
	cmd := exec.Command("go", "build", "-gcflags=-m", "-o", os.DevNull, ".")
	cmd.Env = append(cmd.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	verdict := map[string]string{} // file:line:col → the compiler's words
	line := regexp.MustCompile(`(?m)^(?:\./)?([^:\s]+\.go):(\d+):(\d+): (.*)$`)
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		key := filepath.Base(m[1]) + ":" + m[2] + ":" + m[3]
		verdict[key] += m[4] + "; "
	}

	ctx := build.Default
	ctx.GOARCH, ctx.CgoEnabled = runtime.GOARCH, false
	pkg, err := ctx.ImportDir(".", 0)
	require.NoError(t, err)
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	require.NotEmpty(t, entryTargets)
	for _, name := range entryTargets {
		fd, ok := funcs[name]
		require.True(t, ok, "%s is not a function of this build", name)
		require.NotNil(t, fd.Body, "%s has no Go body", name)
		slices := 0
		for _, p := range fd.Type.Params.List {
			if _, ok := p.Type.(*ast.ArrayType); !ok {
				continue
			}
			for _, n := range p.Names {
				slices++
				pos := fset.Position(n.Pos())
				key := fmt.Sprintf("%s:%d:%d", filepath.Base(pos.Filename), pos.Line, pos.Column)
				v := verdict[key]
				require.Contains(t, v, n.Name+" does not escape", "%s's parameter %s (%s): the compiler says %q", name, n.Name, key, v)
				require.NotContains(t, v, "leaking", "%s's parameter %s (%s)", name, n.Name, key)
			}
		}
		require.NotZero(t, slices, "%s takes no slice", name)
	}
}
