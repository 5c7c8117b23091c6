package testsupport_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Test support is no part of the product: no file but a test imports it.
func TestOnlyTestsImportIt(t *testing.T) {
	t.Parallel()
	root := testsupport.Root(t)
	const self = "github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "tools" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == filepath.Join(root, "internal", "testsupport") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == self {
				t.Errorf("%s imports %s", path, self)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHasLine(t *testing.T) {
	t.Parallel()
	text := "::error title=x::input tags\nplain line"
	if !testsupport.HasLine(text, "::error", "tags") {
		t.Error("the parts on one line are not found")
	}
	if testsupport.HasLine(text, "::error", "plain") {
		t.Error("parts on two lines are found as one")
	}
}
