package wfcmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// hostile values that try to end their own entry and start another.
var hostile = []string{
	"",
	"plain",
	"line one\nline two",
	"x\nrepository-uri=evil.example/attacker",
	"x\n_GitHubActionsFileCommandDelimeter_\nrepository-uri=evil",
	"x\nEOF\nrepository-uri<<EOF\nevil\nEOF",
	"trailing newline\n",
	"\r\nwindows\r\nline=endings\r\n",
}

func roundTrip(t testing.TB, values map[string]string) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "output")
	var outs [][2]string
	for k, v := range values {
		outs = append(outs, [2]string{k, v})
	}
	if err := wfcmd.WriteOutputs(path, outs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ghrunner.ParseOutputs(string(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	return got
}

func TestOutputsCannotInjectOthers(t *testing.T) {
	t.Parallel()
	for _, v := range hostile {
		got := roundTrip(t, map[string]string{"changes": v, "created": "true"})
		if len(got) != 2 || got["changes"] != v || got["created"] != "true" {
			t.Errorf("value %q came back as %q", v, got)
		}
	}
}

func TestDelimiterNeverOccursInValue(t *testing.T) {
	t.Parallel()
	d, err := wfcmd.Delimiter("")
	if err != nil {
		t.Fatal(err)
	}
	// A value that contains a delimiter the writer might pick is still safe:
	// the writer picks another.
	v := "a\n" + d + "\nb"
	got := roundTrip(t, map[string]string{"x": v})
	if got["x"] != v {
		t.Errorf("got %q", got["x"])
	}
	if !strings.HasPrefix(d, "ghadelimiter_") || len(d) < 40 {
		t.Errorf("delimiter %q is not random enough", d)
	}
}

func TestInvalidOutputNameRefused(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a\nb", "a=b", "a<<b"} {
		if err := wfcmd.WriteOutputs(filepath.Join(t.TempDir(), "o"), [][2]string{{name, "v"}}); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

func FuzzOutputWriter(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := roundTrip(t, map[string]string{"value": v, "after": "ok"})
		// The runner splits lines on \n; a value is read back exactly.
		if len(got) != 2 || got["value"] != v || got["after"] != "ok" {
			t.Fatalf("value %q came back as %q", v, got)
		}
	})
}
