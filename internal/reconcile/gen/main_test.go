package main

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const base = `package reconcile

// Spec is declared.
type specBase struct {
	Name string
}

// state is read.
type stateBase struct {
	Exists bool
	check  func()
}

type setting struct {
	name  string
	order int
}
`

// pkgDir writes a package of the given files (name: text) to a temporary
// directory.
func pkgDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	dir := pkgDir(t, map[string]string{
		"base.go": base,
		"setting_b.go": `package reconcile

var b = setting{name: "b", order: 20}

type bSpec struct {
	// B is b's.
	B *bool
}
`,
		"setting_a.go": `package reconcile

import "time"

var a = setting{
	name:  "a",
	order: 10,
}

type aSpec struct {
	A    time.Duration // a's
	More bool

	// Grouped is apart.
	Grouped bool
}

type aState struct{ A bool }
`,
		// Neither a test nor the generated file is read.
		"setting_a_test.go": "package reconcile\n\nvar c = setting{}\n",
		"settings_gen.go":   "package reconcile\n\nvar d = setting{}\n",
	})
	out, err := generate(dir, "settings_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
		t.Errorf("not gofmt'ed (%v):\n%s", err, src)
	}
	if !strings.HasPrefix(src, "// Code generated ") || !strings.Contains(src, "; DO NOT EDIT.\n") {
		t.Errorf("no generated-code header:\n%s", src)
	}
	// In the order of the settings' order fields, with comments and
	// groups kept, the imports the fields need, and the parts referenced.
	for _, in := range [][]string{
		{"import (\n\t\"time\"\n)", "// Spec is declared.\ntype Spec struct {\n\tName string\n", "A    time.Duration // a's\n\tMore bool\n\n\t// Grouped is apart.\n\tGrouped bool\n", "// B is b's.\n\tB *bool\n}"},
		{"// state is read.\ntype state struct {\n\tExists bool\n\tcheck  func()\n", "\tA bool\n}"},
		{"var allSettings = []*setting{\n\t&a,\n\t&b,\n}"},
		{"var _ = []any{", "specBase{}", "stateBase{}.check", "aSpec{}", "aState{}", "bSpec{}"},
	} {
		at := 0
		for _, want := range in {
			i := strings.Index(src[at:], want)
			if i < 0 {
				t.Fatalf("%q missing, or out of order, in:\n%s", want, src)
			}
			at += i + len(want)
		}
	}
	again, err := generate(dir, "settings_gen.go")
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("a second run differs (%v):\n%s", err, again)
	}
}

func TestGenerateRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, want string
	}{
		{"no order", "var a = setting{name: \"a\"}\n", "setting a has no order"},
		{"order not a literal", "const ten = 10\n\nvar a = setting{order: ten}\n", "order must be an integer literal"},
		{"same order", "var a = setting{order: 10}\n\nvar b = setting{order: 10}\n", "settings a (setting_x.go) and b (setting_x.go) have the same order 10"},
		{"a part of no setting", "var a = setting{order: 10}\n\ntype bSpec struct{ B bool }\n", "type bSpec is no setting's part"},
		{"an embedded field", "var a = setting{order: 10}\n\ntype aState struct{ stateBase }\n", "aState embeds a type"},
		{"no setting", "type aSpec struct{}\n", "no `var x = setting{...}` found"},
		// A field two parts declare would make Spec or state declare it
		// twice: refused with both parts named, rather than a generated
		// file that does not compile and points at itself.
		{"a field the base declares", "var a = setting{order: 10}\n\ntype aSpec struct{ Name string }\n",
			"field Name of aSpec (setting_x.go) is declared by specBase (base.go) too"},
		{"a field two settings declare", "var a = setting{order: 10}\n\nvar b = setting{order: 20}\n\ntype aState struct{ X bool }\n\ntype bState struct{ X bool }\n",
			"field X of bState (setting_x.go) is declared by aState (setting_x.go) too"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := pkgDir(t, map[string]string{"base.go": base, "setting_x.go": "package reconcile\n\n" + tc.file})
			_, err := generate(dir, "settings_gen.go")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	// Without a base type there is nothing to start Spec from.
	dir := pkgDir(t, map[string]string{"setting_a.go": "package reconcile\n\nvar a = setting{order: 1}\n"})
	if _, err := generate(dir, "settings_gen.go"); err == nil || !strings.Contains(err.Error(), "no struct type specBase") {
		t.Errorf("error %v without specBase", err)
	}
}

// The checked-in settings_gen.go is what the generator writes from the
// setting files now: a setting file changed (a field, an order) without
// go generate fails go test, not only CI's diff.
func TestCheckedInFileIsGenerated(t *testing.T) {
	t.Parallel()
	want, err := generate("..", "settings_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../settings_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("internal/reconcile/settings_gen.go is not what the setting files generate: run go generate ./internal/reconcile")
	}
}
