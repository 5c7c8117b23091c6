package docs_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
)

const (
	readmePath   = "../../README.md"
	actionPath   = "../../action.yml"
	ciRunPath    = "../../.ci/run"
	makefilePath = "../../Makefile"

	inputsHeading  = "## Inputs"
	outputsHeading = "## Outputs"
	tryItHeading   = "## Try it locally"

	demoCommand = "go run ./cmd/demo"
)

// TestInputsTableMatchesActionYAML keeps the README's Inputs table identical
// to action.yml: one row per input, in file order, with the same default and
// the same (one-line) description.
func TestInputsTableMatchesActionYAML(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	want := make([][]string, 0, len(meta.Inputs))
	for _, in := range meta.Inputs {
		want = append(want, []string{in.Name, in.Default, in.Description})
	}
	got := readmeTable(t, inputsHeading, []string{"Input", "Default", "Description"})
	compareRows(t, inputsHeading, want, got)
}

// TestOutputsTableMatchesActionYAML does the same for the outputs.
func TestOutputsTableMatchesActionYAML(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	want := make([][]string, 0, len(meta.Outputs))
	for _, out := range meta.Outputs {
		want = append(want, []string{out.Name, out.Description})
	}
	got := readmeTable(t, outputsHeading, []string{"Output", "Description"})
	compareRows(t, outputsHeading, want, got)
}

// TestEveryNameIsExplained checks that each input and output is mentioned,
// as `name`, somewhere in the README besides the Inputs and Outputs tables.
func TestEveryNameIsExplained(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	lines := readmeLines(t)
	var rest []string
	for i := 0; i < len(lines); i++ {
		if lines[i] == inputsHeading || lines[i] == outputsHeading {
			// Keep the section's prose, drop its table lines.
			start, end := sectionBounds(lines, i)
			for _, l := range lines[start:end] {
				if !strings.HasPrefix(strings.TrimSpace(l), "|") {
					rest = append(rest, l)
				}
			}
			i = end - 1
			continue
		}
		rest = append(rest, lines[i])
	}
	text := strings.Join(rest, "\n")
	var names []string
	for _, in := range meta.Inputs {
		names = append(names, in.Name)
	}
	for _, out := range meta.Outputs {
		names = append(names, out.Name)
	}
	for _, name := range names {
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("README.md never mentions `%s` outside the Inputs and Outputs tables; explain it (Input details, an example or How it works)", name)
		}
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
	b, err := os.ReadFile(actionPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := actionmeta.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
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

// readmeTable returns the rows of the first table in the README section
// with the given heading, as cells: the name without its backticks, then
// the other cells (a Default cell also loses its backticks).
func readmeTable(t *testing.T, heading string, header []string) [][]string {
	t.Helper()
	lines := readmeLines(t)
	i := indexOf(lines, heading)
	if i < 0 {
		t.Fatalf("README.md has no %q heading", heading)
	}
	start, end := sectionBounds(lines, i)
	var table []string
	for _, l := range lines[start:end] {
		if strings.HasPrefix(strings.TrimSpace(l), "|") {
			table = append(table, strings.TrimSpace(l))
		} else if len(table) > 0 {
			break // the first table ends at the first line that is not a row
		}
	}
	if len(table) < 2 {
		t.Fatalf("README.md %q section has no table", heading)
	}
	if got := splitRow(table[0]); strings.Join(got, "|") != strings.Join(header, "|") {
		t.Fatalf("README.md %q table header is %q, want %q", heading, got, header)
	}
	if !isDelimiterRow(table[1]) {
		t.Fatalf("README.md %q table: the second line %q is not a |---|---| delimiter row", heading, table[1])
	}
	var rows [][]string
	for n, l := range table[2:] {
		cells := splitRow(l)
		if len(cells) != len(header) {
			t.Errorf("README.md %q table row %d has %d cells, want %d: %s", heading, n+1, len(cells), len(header), l)
			continue
		}
		name, ok := backticked(cells[0])
		if !ok {
			t.Errorf("README.md %q table row %d: the first cell %q must be the name in backticks, like `name`", heading, n+1, cells[0])
		}
		cells[0] = name
		if len(cells) == 3 {
			if def, ok := backticked(cells[1]); ok {
				cells[1] = def
			}
		}
		rows = append(rows, cells)
	}
	return rows
}

func backticked(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' && !strings.Contains(s[1:len(s)-1], "`") {
		return s[1 : len(s)-1], true
	}
	return s, false
}

var delimiterCell = regexp.MustCompile(`^:?-+:?$`)

func isDelimiterRow(line string) bool {
	for _, c := range splitRow(line) {
		if !delimiterCell.MatchString(c) {
			return false
		}
	}
	return true
}

// splitRow splits a Markdown table row into trimmed cells; `\|` is a pipe
// inside a cell.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// compareRows reports the difference between the rows action.yml calls for
// and the README's, as a diff of table lines, followed by the table to paste.
func compareRows(t *testing.T, heading string, want, got [][]string) {
	t.Helper()
	wantLines, gotLines := renderRows(want), renderRows(got)
	if strings.Join(wantLines, "\n") == strings.Join(gotLines, "\n") {
		return
	}
	t.Errorf("README.md %q table differs from %s (- action.yml, + README.md):\n%s\nThe table rows action.yml calls for:\n%s",
		heading, actionPath, diffLines(wantLines, gotLines), strings.Join(wantLines, "\n"))
}

func renderRows(rows [][]string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			c = strings.ReplaceAll(c, "|", `\|`)
			switch {
			case i == 0 || (i == 1 && len(r) == 3 && c != ""):
				cells[i] = "`" + c + "`"
			default:
				cells[i] = c
			}
		}
		out = append(out, strings.TrimSpace("| "+strings.Join(cells, " | ")+" |"))
	}
	return out
}

// diffLines is a small longest-common-subsequence diff: lines only in want
// start with "- ", lines only in got with "+ ", common lines with "  ".
func diffLines(want, got []string) string {
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			b.WriteString("  " + want[i] + "\n")
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			b.WriteString("- " + want[i] + "\n")
			i++
		default:
			b.WriteString("+ " + got[j] + "\n")
			j++
		}
	}
	return b.String()
}

// TestIAMPoliciesMatchDocsFiles keeps the policies pasted into the README
// identical to docs/iam, the files the least-privilege test runs with.
func TestIAMPoliciesMatchDocsFiles(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, file := range []string{"reconcile-policy.json", "reconcile-policy-team-prefix.json", "delete-policy.json", "dry-run-policy.json", "reconcile-policy-public.json"} {
		policy, err := os.ReadFile("../../docs/iam/" + file)
		if err != nil {
			t.Fatal(err)
		}
		block := "```json\n" + strings.TrimRight(string(policy), "\n") + "\n```"
		if !strings.Contains(readme, block) {
			t.Errorf("README.md does not contain docs/iam/%s verbatim in a json code block; paste it again", file)
		}
	}
}
