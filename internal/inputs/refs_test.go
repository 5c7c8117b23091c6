package inputs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// TestInputsNamedThroughInputref: every product package refers to an input
// of action.yml through internal/inputref and never spells it in a string,
// so that an input renamed in action.yml is renamed everywhere by go
// generate. It reads every non-test Go file of the module but the test
// support (internal/support), the demo and emulator commands (cmd) and the
// pinned tools (tools), which are no part of the product, and inputref's
// generated table, which is where the names are written. The exceptions are
// listed with their reason, each for one literal.
func TestInputsNamedThroughInputref(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	// An input as a word of its own: hyphenated names anywhere, one-word
	// names only where the text sets one ("state: absent").
	var alts []string
	for _, in := range meta.Inputs {
		if strings.Contains(in.Name, "-") {
			alts = append(alts, `(?:^|[^a-z-])(`+regexp.QuoteMeta(in.Name)+`)(?:[^a-z-]|$)`)
		} else {
			alts = append(alts, `(?:^|[^a-z-])(`+regexp.QuoteMeta(in.Name)+`): `)
		}
	}
	input := regexp.MustCompile(strings.Join(alts, "|"))
	// A setting's name is its input's (the changes and notes outputs name
	// a setting so), and an output may echo an input (registry-id): the
	// constant that holds such a name, exactly, is no message.
	settingName := regexp.MustCompile(`^(?:const )?(?:Setting|Output)\w+\s*= "[a-z-]+"$`)
	// Literals that match an input's pattern without naming it, each for
	// its reason.
	allowed := map[string]string{
		`"%d repositories: %d %screated, %d %supdated"`: "a count of repositories, not the input",
	}
	root := testsupport.Root(t)
	skip := []string{"internal/support", "cmd", "tools", ".git"}
	generated := filepath.Join(root, "internal", "inputref", "refs.go")
	files := map[string][]string{}
	seen := map[string]bool{}
	dirs := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if slices.Contains(skip, filepath.ToSlash(rel)) || d.Name() == "testdata" {
			return filepath.SkipDir
		}
		lits, n := testsupport.StringLiterals(t, path)
		if n > 0 {
			dirs++
		}
		for _, l := range lits {
			file, line := sourceLine(t, files, l.Pos)
			if _, ok := allowed[l.Text]; ok {
				seen[l.Text] = true
				continue
			}
			if file == generated || settingName.MatchString(line) {
				continue
			}
			for _, m := range input.FindAllStringSubmatch(l.Text, -1) {
				name := strings.Join(m[1:], "")
				t.Errorf("%s spells the input %s in %s: refer to it through internal/inputref", l.Pos, name, l.Text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for text, why := range allowed {
		if !seen[text] {
			t.Errorf("no product file has %s (allowed: %s): remove the exception", text, why)
		}
	}
	// The engine, the inputs, the run core, the AWS clients and the
	// entry points at least: a walk that finds fewer read nothing.
	if dirs < 20 {
		t.Fatalf("read %d packages under %s", dirs, root)
	}
}

// sourceLine is the file of a position (file:line:column) and that line's
// text, trimmed; files keeps the lines of the files read.
func sourceLine(t *testing.T, files map[string][]string, pos string) (file, line string) {
	t.Helper()
	parts := strings.Split(pos, ":")
	if len(parts) < 3 {
		t.Fatalf("position %q has no line", pos)
	}
	file = strings.Join(parts[:len(parts)-2], ":")
	n, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		t.Fatalf("position %q: %v", pos, err)
	}
	lines, ok := files[file]
	if !ok {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines = strings.Split(string(src), "\n")
		files[file] = lines
	}
	if n < 1 || n > len(lines) {
		t.Fatalf("position %q is outside %s", pos, file)
	}
	return file, strings.TrimSpace(lines[n-1])
}
