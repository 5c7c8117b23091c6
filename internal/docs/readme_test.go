package docs_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

const (
	readmePath   = "../../README.md"
	actionPath   = "../../action.yml"
	ciRunPath    = "../../.ci/run"
	makefilePath = "../../Makefile"

	guidePath    = "../../docs/guide.md"
	tryItHeading = "## Try it locally"

	demoCommand = "go run ./cmd/demo"
)

// TestEveryNameIsDocumented checks that each input and output of action.yml
// has a row in the README's reference (generated, see internal/actionmeta)
// and is explained, as `name`, in docs/guide.md.
func TestEveryNameIsDocumented(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	readme := strings.Join(readmeLines(t), "\n")
	guide, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range meta.Inputs {
		names = append(names, in.Name)
	}
	for _, out := range meta.Outputs {
		names = append(names, out.Name)
	}
	for _, name := range names {
		if !strings.Contains(readme, "| `"+name+"` |") {
			t.Errorf("README.md's reference has no row for `%s`: run go generate ./internal/actionmeta", name)
		}
		if !strings.Contains(string(guide), "`"+name+"`") {
			t.Errorf("%s never mentions `%s`; explain it (Input details or Outputs)", guidePath, name)
		}
	}
}

// TestReadmeIsAFrontPage keeps the README short enough to read in five
// minutes, with the Quick start's YAML near the top; the rest belongs in
// docs/.
func TestReadmeIsAFrontPage(t *testing.T) {
	t.Parallel()
	const maxBytes, maxFirstYAMLLine = 30 * 1024, 60
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > maxBytes {
		t.Errorf("README.md is %d bytes, more than %d: move details to docs/", len(b), maxBytes)
	}
	first := indexOf(readmeLines(t), "```yaml")
	if first < 0 || first+1 > maxFirstYAMLLine {
		t.Errorf("README.md's first YAML block starts at line %d, want within the first %d lines", first+1, maxFirstYAMLLine)
	}
}

// TestTryItCommands checks the "Try it locally" section: exactly two
// code blocks, the demo and the test command that .ci/run runs.
func TestTryItCommands(t *testing.T) {
	t.Parallel()
	testCmd := ciTestCommand(t)
	lines := readmeLines(t)
	start := indexOf(lines, tryItHeading)
	if start < 0 {
		t.Fatalf("README.md has no %q heading", tryItHeading)
	}
	body, end := sectionBounds(lines, start)
	blocks, err := codeBlocks(lines[body:end])
	if err != nil {
		t.Fatalf("README.md %q section: %v", tryItHeading, err)
	}
	want := [][]string{{demoCommand}, {testCmd}}
	if len(blocks) != len(want) {
		t.Fatalf("README.md %q section has %d code blocks, want exactly %d:\n  %q\n  %q\ngot:\n%s",
			tryItHeading, len(blocks), len(want), demoCommand, testCmd, showBlocks(blocks))
	}
	for i, w := range want {
		if strings.Join(blocks[i], "\n") != strings.Join(w, "\n") {
			t.Errorf("README.md %q code block %d:\n- want (from %s): %s\n+ got:  %s",
				tryItHeading, i+1, wantSource(i), strings.Join(w, "\n"), strings.Join(blocks[i], "\n"))
		}
	}
}

// TestMakeTestRunsTheSameCommand keeps `make test` equal to the README's
// test command, as the Makefile promises.
func TestMakeTestRunsTheSameCommand(t *testing.T) {
	t.Parallel()
	testCmd := ciTestCommand(t)
	b, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	target := indexOf(lines, "test:")
	if target < 0 || target+1 >= len(lines) {
		t.Fatalf("%s has no test: target", makefilePath)
	}
	recipe := strings.ReplaceAll(strings.TrimSpace(lines[target+1]), "$(GO)", "go")
	if recipe != testCmd {
		t.Errorf("make test runs a different command than the README's test command:\n- want (TEST_CMD in %s): %s\n+ got  (%s test:):      %s",
			ciRunPath, testCmd, makefilePath, recipe)
	}
}

func wantSource(i int) string {
	if i == 0 {
		return "the demo"
	}
	return "TEST_CMD in " + ciRunPath
}

func parseActionYAML(t *testing.T) *actionmeta.Metadata {
	t.Helper()
	m := testsupport.ParseAction(t, actionPath)
	if len(m.Inputs) == 0 || len(m.Outputs) == 0 {
		t.Fatalf("%s declares %d inputs and %d outputs; expected some of each", actionPath, len(m.Inputs), len(m.Outputs))
	}
	return m
}

func readmeLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
}

// ciTestCommand returns the value of the TEST_CMD='...' line of .ci/run.
func ciTestCommand(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(ciRunPath)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "TEST_CMD="); ok {
			found = append(found, unquote(strings.TrimSpace(v)))
		}
	}
	if len(found) != 1 || found[0] == "" {
		t.Fatalf("%s: want exactly one non-empty TEST_CMD=... line, found %q", ciRunPath, found)
	}
	return found[0]
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if strings.TrimRight(l, " \t") == s {
			return i
		}
	}
	return -1
}

var headingLevel = regexp.MustCompile(`^(#{1,6})\s`)

// sectionBounds returns where the body of the section whose heading is at
// lines[i] starts and ends: it ends at the next heading of the same or a
// higher level, ignoring lines inside fenced code blocks.
func sectionBounds(lines []string, i int) (start, end int) {
	level := len(headingLevel.FindStringSubmatch(lines[i])[1])
	var f fence
	for j := i + 1; j < len(lines); j++ {
		if f.step(lines[j]) {
			continue
		}
		if m := headingLevel.FindStringSubmatch(lines[j]); m != nil && len(m[1]) <= level {
			return i + 1, j
		}
	}
	return i + 1, len(lines)
}

// fence follows fenced code blocks as CommonMark does: a block opened by
// N backticks (or tildes) is closed only by a line of at least N of the
// same character, so a ``` line inside a ```` block is content.
type fence struct {
	open string // the opening run; "" outside a block
}

// step reads one line and reports whether it is a fence or inside a block.
func (f *fence) step(line string) bool {
	s := strings.TrimSpace(line)
	run := fenceRun(s)
	switch {
	case f.open == "" && run != "":
		f.open = run
		return true
	case f.open == "":
		return false
	case run != "" && run[0] == f.open[0] && len(run) >= len(f.open) && strings.Trim(s, run[:1]) == "":
		f.open = ""
	}
	return true
}

// fenceRun returns the leading run of three or more backticks or tildes.
func fenceRun(s string) string {
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return ""
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return s[:n]
}

// codeBlocks returns the non-blank lines of each fenced code block.
func codeBlocks(lines []string) ([][]string, error) {
	var blocks [][]string
	var cur []string
	var f fence
	for _, l := range lines {
		wasOpen := f.open != ""
		if !f.step(l) {
			continue
		}
		switch {
		case !wasOpen: // opening fence
			cur = []string{}
		case f.open == "": // closing fence
			blocks = append(blocks, cur)
		case strings.TrimSpace(l) != "":
			cur = append(cur, strings.TrimSpace(l))
		}
	}
	if f.open != "" {
		return nil, fmt.Errorf("a code block is not closed")
	}
	return blocks, nil
}

func showBlocks(blocks [][]string) string {
	var b strings.Builder
	for i, bl := range blocks {
		fmt.Fprintf(&b, "  block %d: %q\n", i+1, bl)
	}
	return b.String()
}

// TestIAMPoliciesMatchDocsFiles: the Quick start shows the trust policy and
// the two identity policies that make a quiet run as go generate copies them
// from docs/iam, the files the least-privilege tests run with (actionmeta's
// TestCheckedInFilesAreGenerated fails when a copy is not current).
func TestIAMPoliciesMatchDocsFiles(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"github-oidc-trust-policy.json", "reconcile-policy.json", "registry-checks-policy.json"} {
		if !strings.Contains(string(b), "<!-- include docs/iam/"+file+" -->\n") {
			t.Errorf("README.md does not include docs/iam/%s: add the lines <!-- include docs/iam/%[1]s --> and <!-- end docs/iam/%[1]s --> and run go generate ./...", file)
		}
	}
}
