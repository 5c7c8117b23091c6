package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

const buildScript = "scripts/build.sh"

// TestBuildRecipeHasOneHome: every place that builds the action's binary
// runs scripts/build.sh, and no other build file spells out its flags, so
// the image, the release binaries, CI and the tests cannot drift apart.
func TestBuildRecipeHasOneHome(t *testing.T) {
	t.Parallel()
	if ghrunner.BuildScript != buildScript {
		t.Errorf("ghrunner.BuildScript = %q, want %q", ghrunner.BuildScript, buildScript)
	}
	if _, err := os.Stat(filepath.Join("../..", buildScript)); err != nil {
		t.Fatal(err)
	}
	// Each user of the recipe, and how it runs it.
	users := map[string]string{
		"Dockerfile":                    "sh scripts/build.sh",
		".ci/run":                       "sh scripts/build.sh",
		"Makefile":                      "sh scripts/build.sh",
		".github/workflows/release.yml": "sh scripts/build.sh",
		"run/fetch.sh":                  "/scripts/build.sh",
	}
	for file, want := range users {
		if !strings.Contains(read(t, file), want) {
			t.Errorf("%s does not build with %q", file, want)
		}
	}
	if !strings.Contains(read(t, ".dockerignore"), "!"+buildScript) {
		t.Errorf(".dockerignore keeps %s out of the image's build context", buildScript)
	}

	// No build file but the recipe sets a build flag of the binary or
	// builds the root package itself. (Checking a result, such as the
	// CGO_ENABLED=0 that go version -m reports, is fine.)
	flags := regexp.MustCompile(`-ldflags|-trimpath([^=]|$)|main\.version=|go build\b.*\s\.$`)
	var files []string
	for _, pattern := range []string{"Dockerfile", "Makefile", ".ci/run", ".github/workflows/*.yml", "scripts/*.sh", "run/*.sh", "run/*.yml", "action.yml"} {
		m, err := filepath.Glob(filepath.Join("../..", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 8 {
		t.Fatalf("found only %d build files: %q", len(files), files)
	}
	for _, path := range files {
		rel, _ := filepath.Rel("../..", path)
		if filepath.ToSlash(rel) == buildScript {
			continue
		}
		for i, line := range strings.Split(read(t, rel), "\n") {
			if m := flags.FindString(line); m != "" {
				t.Errorf("%s:%d names the build flag %q; build with %s instead:\n  %s", rel, i+1, m, buildScript, strings.TrimSpace(line))
			}
		}
	}
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
