package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// seeds returns the files of testdata/dir by name.
func seeds(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no testdata in %s: %v", dir, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// seed returns one testdata file.
func seed(tb testing.TB, dir, name string) string {
	tb.Helper()
	s, ok := seeds(tb, dir)[name]
	if !ok {
		tb.Fatalf("no testdata/%s/%s", dir, name)
	}
	return s
}
