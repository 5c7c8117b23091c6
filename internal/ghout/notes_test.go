package ghout

import (
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// Each distinct note becomes one annotation of its level, titled with the
// repositories that have it: a note shared by many is written once, and
// one only some have is not pinned on the first of them.
func TestNotesAreAnnotatedOncePerNote(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	l := NewLogger(a, nil)
	denied := reconcile.Note{Setting: "repository", Level: reconcile.NoteNotice, Text: "ecr:DescribeRepositoryCreationTemplates denied"}
	template := reconcile.Note{Setting: reconcile.SettingMutability, Level: reconcile.NoteWarning, Text: "the template team sets IMMUTABLE"}
	items := []notedItem{
		{label: "team/a", notes: []reconcile.Note{denied, template}},
		{label: "team/b", notes: []reconcile.Note{denied, template}},
		{label: "other/c", notes: []reconcile.Note{denied}},
		{label: "other/d", notes: []reconcile.Note{denied}},
		{label: "other/e"},
	}
	l.annotateNotes(items)
	log := out.String()
	for _, want := range []string{
		"::notice title=ecr-reconcile%3A team/a%2C team/b%2C other/c and 1 more%3A repository::ecr:DescribeRepositoryCreationTemplates denied\n",
		"::warning title=ecr-reconcile%3A team/a%2C team/b%3A image-tag-mutability::the template team sets IMMUTABLE\n",
	} {
		if strings.Count(log, want) != 1 {
			t.Errorf("log has not exactly one %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "::"); n != 4 {
		t.Errorf("%d workflow-command markers, want 2 annotations:\n%s", n, log)
	}

	out.Reset()
	l.annotateNotes([]notedItem{{notes: []reconcile.Note{template}}})
	if want := "::warning title=ecr-reconcile%3A image-tag-mutability::the template team sets IMMUTABLE\n"; out.String() != want {
		t.Errorf("single mode: %q, want %q", out.String(), want)
	}
}
