package ghrunner_test

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	got, err := ghrunner.ParseOutputs("a=1\nb<<EOF\nline1\nline2\nEOF\nc=x=y\na=2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "2", "b": "line1\nline2", "c": "x=y"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{"noequals\n", "x<<EOF\nunterminated\n"} {
		if _, err := ghrunner.ParseOutputs(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestInputVarKeepsHyphens(t *testing.T) {
	t.Parallel()
	if got := ghrunner.InputVar("aws-region"); got != "INPUT_AWS-REGION" {
		t.Errorf("InputVar = %q", got)
	}
	if got := ghrunner.InputVar("my input"); got != "INPUT_MY_INPUT" {
		t.Errorf("InputVar = %q", got)
	}
}

// TestBuildUsesTheRecipe: the binary the tests run is built by
// scripts/build.sh, so it is static, path-free and stamped like a release.
func TestBuildUsesTheRecipe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root, err := ghrunner.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := ghrunner.Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	if got, want := strings.TrimSpace(string(out)), "ecr-reconcile "+ghrunner.Version; got != want {
		t.Errorf("--version printed %q, want %q", got, want)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for k, v := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true"} {
		if settings[k] != v {
			t.Errorf("build setting %s = %q, want %q (all: %v)", k, settings[k], v, info.Settings)
		}
	}
	if _, ok := settings["vcs.revision"]; ok {
		t.Errorf("the binary carries VCS stamps; the recipe builds with -buildvcs=false: %v", info.Settings)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Section(".symtab") != nil {
			t.Error("the binary has a symbol table; the recipe strips it (-ldflags -s)")
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the binary has a program interpreter: it is not static")
			}
		}
	}
}
