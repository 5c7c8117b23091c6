package inputs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// TestInputsNamedThroughInputref: the engine (reconcile, registry, policy,
// publicecr), this package and the run core refer to an input of
// action.yml through internal/inputref and never spell it in a string, so
// that an input renamed in action.yml is renamed everywhere by go
// generate. The exceptions are listed with their reason.
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
	allowed := map[string]string{
		// ECR's own term: the registry's scan-on-push rules.
		"reconcile/setting_scan_on_push.go scan-on-push": "ECR's term",
		// An output of action.yml, named as the input it echoes.
		"run/outputs.go registry-id": "an output's name",
	}
	// A setting's name is its input's (the changes and notes outputs name
	// a setting so): the constant that holds it, exactly, is no message.
	settingName := regexp.MustCompile(`^const Setting\w+ = "[a-z-]+"$`)
	files := map[string][]string{}
	for _, dir := range []string{"reconcile", "reconcile/ecrsdk", "registry", "policy", "publicecr", "inputs", "run"} {
		lits, n := testsupport.StringLiterals(t, filepath.Join("..", dir))
		if n == 0 {
			t.Fatalf("no product files in %s", dir)
		}
		for _, l := range lits {
			file, line := sourceLine(t, files, l.Pos)
			if settingName.MatchString(line) {
				continue
			}
			for _, m := range input.FindAllStringSubmatch(l.Text, -1) {
				name := strings.Join(m[1:], "")
				if _, ok := allowed[dir+"/"+filepath.Base(file)+" "+name]; !ok {
					t.Errorf("%s: %s spells the input %s in %s: refer to it through internal/inputref", l.Pos, dir, name, l.Text)
				}
			}
		}
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
