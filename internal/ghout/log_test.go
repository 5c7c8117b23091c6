package ghout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// FuzzLoggerIssuesOnlyItsOwnCommands feeds arbitrary text (as AWS, a policy
// file or a tag value might hold it) to every logger method and reads the
// output as the runner does: the only workflow commands in it must be the
// ones the methods issue, one each, and no message may hold a line that a
// renderer showing it line by line would take for a command.
func FuzzLoggerIssuesOnlyItsOwnCommands(f *testing.F) {
	for _, s := range []string{
		"api error: denied\n::stop-commands::x\n::error::fake",
		"\r::warning title=x::owned\r\n",
		"  ::add-mask::everything",
		"policy ##[add-mask]x and ##[set-output name=a]b",
		"\u2028::notice::x",
		"%0A::warning::x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var out strings.Builder
		a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
		l := NewLogger(a, nil)
		l.Info(s)
		l.Note(s)
		l.Plan(s, s)
		l.Debug(s)
		l.Annotate("warning", s, s)
		l.Annotate("error", s, s)
		l.Mask(s)

		want := []string{"group", "endgroup", "debug", "warning", "error"}
		for _, line := range wfcmd.Lines(s) {
			if strings.TrimSpace(line) != "" {
				want = append(want, "add-mask")
			}
		}
		var got []string
		for _, c := range wfcmd.Commands(out.String()) {
			got = append(got, c.Name)
			if c.Name == "add-mask" {
				continue // the secret itself, which the runner never shows
			}
			msg := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(c.Message)
			if inner := wfcmd.Commands(msg); len(inner) != 0 {
				t.Errorf("the message of %q holds a command line %q", c.Line, inner[0].Line)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("for %q the log holds commands %q, want %q:\n%s", s, got, want, out.String())
		}
	})
}

// TestOnlyTheLoggerWrites keeps the one place true: outside log.go nothing
// in this package or in the doors (the GitHub Action's, the command line's)
// writes to the log through the Action directly.
func TestOnlyTheLoggerWrites(t *testing.T) {
	t.Parallel()
	printers := []string{"Infof", "Debugf", "Noticef", "Warningf", "Errorf", "Fatalf", "Group", "EndGroup", "AddMask", "IssueCommand", "WithFieldsMap", "WithFieldsSlice"}
	var files []string
	for _, dir := range []string{".", "../action", "../cli", "../run"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		files = append(files, names...)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "log.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !slices.Contains(printers, sel.Sel.Name) {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "fmt" {
				return true
			}
			t.Errorf("%s: %s is called outside the logger (log.go)", fset.Position(sel.Pos()), sel.Sel.Name)
			return true
		})
	}
}
