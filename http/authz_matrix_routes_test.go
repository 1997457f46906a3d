package http_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// muxPattern is a pattern given to HandleFunc or Handle in the package's
// non-test sources, where it is registered.
type muxPattern struct{ method, path, pos string }

// muxPatterns parses the non-test Go files of the package and returns
// every pattern registered with a string literal, UI and catch-alls
// included. A pattern that is not a literal is an error: the matrix could
// not know it.
func muxPatterns(t *testing.T) []muxPattern {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []muxPattern
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") || len(call.Args) != 2 {
				return true
			}
			pos := fset.Position(call.Pos()).String()
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s pattern is not a string literal; the authorization matrix cannot know it", pos, sel.Sel.Name)
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", pos, err)
			}
			method, path, ok := strings.Cut(pattern, " ")
			if !ok {
				method, path = "", pattern
			}
			out = append(out, muxPattern{method, path, pos})
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("found no routes in the sources")
	}
	return out
}

// checkRoutesCovered fails for every registered pattern without rows in
// the table (a new endpoint must have its authorization decided here) and
// for every row whose route is no longer registered. A pattern without a
// method is covered by rows of any method; a GET pattern answers HEAD too.
func checkRoutesCovered(t *testing.T, table []endpoint) {
	t.Helper()
	rows := map[[2]string]bool{}
	paths := map[string]bool{}
	for _, ep := range table {
		rows[[2]string{ep.method, ep.route}] = true
		paths[ep.route] = true
	}
	registered := map[string]bool{}
	var missing []string
	for _, p := range muxPatterns(t) {
		registered[p.path] = true
		if p.method == "" && paths[p.path] || rows[[2]string{p.method, p.path}] {
			continue
		}
		missing = append(missing, strings.TrimSpace(p.method+" "+p.path)+" ("+p.pos+")")
	}
	var stale []string
	for _, ep := range table {
		if !registered[ep.route] {
			stale = append(stale, ep.method+" "+ep.route)
		}
	}
	slices.Sort(missing)
	stale = slices.Compact(slices.Sorted(slices.Values(stale)))
	if len(missing) > 0 {
		t.Errorf("routes registered without rows in the authorization matrix (decide who may call them in authz_matrix_table_test.go):\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(stale) > 0 {
		t.Errorf("authorization matrix rows for routes no longer registered:\n\t%s", strings.Join(stale, "\n\t"))
	}
}
