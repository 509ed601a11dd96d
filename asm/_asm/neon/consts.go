package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
)

// constTable holds the numeric constants of a Go source file by name.
type constTable map[string]constant.Value

// kernelConsts reads the constants of package kernel's pure-Go kernels,
// the files kernel/*_generic.go, from the package's directory.
func kernelConsts(dir string) (constTable, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*_generic.go"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *_generic.go in %s", dir)
	}
	return readConsts(paths...)
}

// readConsts parses the Go files at paths and returns every constant
// declared with a numeric literal, negated or not, as its value.
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

// literal evaluates a numeric literal, possibly negated.
func literal(e ast.Expr) (constant.Value, bool) {
	neg := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		neg, e = true, u.X
	}
	lit, ok := e.(*ast.BasicLit)
	if !ok || (lit.Kind != token.INT && lit.Kind != token.FLOAT) {
		return nil, false
	}
	v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
	if neg {
		v = constant.UnaryOp(token.SUB, v, 0)
	}
	return v, true
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
