package action

import (
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// Each note becomes one annotation of its level; a note every repository
// of a batch shares (a registry read denied) is annotated once.
func TestNotesAreAnnotatedOnce(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	r := &runner{a: a, log: newLogger(a, nil), cfg: &inputs.Config{}}
	shared := reconcile.Note{Setting: "registry", Level: reconcile.NoteNotice, Text: "ecr:GetRegistryScanningConfiguration denied"}
	r.annotateNotes("a: ", []reconcile.Note{shared, {Setting: reconcile.SettingScanOnPush, Level: reconcile.NoteWarning, Text: "a is scanned anyway"}})
	r.annotateNotes("b: ", []reconcile.Note{shared, {Setting: reconcile.SettingScanOnPush, Level: reconcile.NoteWarning, Text: "b is scanned anyway"}})
	log := out.String()
	if n := strings.Count(log, "::notice title=ecr-reconcile%3A a%3A registry::ecr:GetRegistryScanningConfiguration denied"); n != 1 {
		t.Errorf("the shared notice was annotated %d times, want once:\n%s", n, log)
	}
	if strings.Contains(log, "b%3A registry") {
		t.Errorf("the shared notice was annotated again for b:\n%s", log)
	}
	for _, want := range []string{"::warning title=ecr-reconcile%3A a%3A scan-on-push::a is scanned anyway", "::warning title=ecr-reconcile%3A b%3A scan-on-push::b is scanned anyway"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
