package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"strings"
)

// constTable holds the numeric constants of a Go source file by name.
type constTable map[string]constant.Value

// kernelConsts reads the constants of package kernel (its non-test Go
// files) from the package's directory.
func kernelConsts(dir string) (constTable, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range all {
		if !strings.HasSuffix(p, "_test.go") {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return readConsts(paths...)
}

// readConsts parses the Go files at paths and returns every constant
// declared by an expression of numeric literals (negation, parentheses
// and + − · /, such as -0x1.5f959p+00 / 4), as its value.
func readConsts(paths ...string) (constTable, error) {
	out := constTable{}
	for _, path := range paths {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		readDecls(out, f)
	}
	return out, nil
}

// readDecls adds f's numeric constants to out.
func readDecls(out constTable, f *ast.File) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != len(vs.Values) {
				continue
			}
			for i, name := range vs.Names {
				if v, ok := literal(vs.Values[i]); ok {
					out[name.Name] = v
				}
			}
		}
	}
}

// literal evaluates an expression of numeric literals: a literal,
// negated, parenthesized, or two joined by + − * /.
func literal(e ast.Expr) (constant.Value, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.INT && e.Kind != token.FLOAT {
			return nil, false
		}
		return constant.MakeFromLiteral(e.Value, e.Kind, 0), true
	case *ast.ParenExpr:
		return literal(e.X)
	case *ast.UnaryExpr:
		v, ok := literal(e.X)
		if !ok || e.Op != token.SUB {
			return nil, false
		}
		return constant.UnaryOp(token.SUB, v, 0), true
	case *ast.BinaryExpr:
		a, okA := literal(e.X)
		b, okB := literal(e.Y)
		switch {
		case !okA || !okB:
			return nil, false
		case e.Op == token.QUO:
			// Exact division, as Go evaluates untyped constants.
			return constant.BinaryOp(constant.ToFloat(a), token.QUO, constant.ToFloat(b)), true
		case e.Op == token.ADD || e.Op == token.SUB || e.Op == token.MUL:
			return constant.BinaryOp(a, e.Op, b), true
		}
	}
	return nil, false
}

// bits returns the float32 bit pattern of the named constant, which must
// be exactly a float32.
func (t constTable) bits(name string) (uint32, error) {
	v, ok := t[name]
	if !ok {
		return 0, fmt.Errorf("constant %s not found", name)
	}
	f, exact := constant.Float32Val(constant.ToFloat(v))
	if !exact {
		return 0, fmt.Errorf("constant %s = %s is not a float32", name, v.ExactString())
	}
	return math.Float32bits(f), nil
}
