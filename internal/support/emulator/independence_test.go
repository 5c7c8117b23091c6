package emulator

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEmulatorImportsNoProductRules: the emulator is an independent model
// of ECR, so that a rule the product gets wrong is not wrong in the
// emulator too. Of the project's packages it reads only ecrspec, which is
// ECR's own spec tied to the service model.
func TestEmulatorImportsNoProductRules(t *testing.T) {
	t.Parallel()
	const project = "github.com/ecr-reconcile/ecr-reconcile/"
	allowed := map[string]bool{project + "internal/ecrspec": true}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue // tests compare the emulator with the product
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, project) && !allowed[path] {
				t.Errorf("%s imports %s: the emulator must implement ECR's behaviour on its own", f, path)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no emulator source file was checked")
	}
}
