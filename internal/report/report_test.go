package report_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

func result(dry bool) *reconcile.Result {
	return &reconcile.Result{
		Repository: reconcile.Repository{Name: "team/app", URI: "1.dkr.ecr.r.amazonaws.com/team/app"},
		DryRun:     dry,
		Changes: []reconcile.Change{
			{Setting: reconcile.SettingRepository, Action: reconcile.ActionUnchanged, To: "team/app"},
			{Setting: reconcile.SettingScanOnPush, Action: reconcile.ActionUpdate, From: "false", To: "true"},
			{Setting: reconcile.SettingRepositoryPolicy, Action: reconcile.ActionCreate, From: "none", To: "declared", Diff: "--- current\n+++ declared\n+{}\n"},
			{Setting: reconcile.SettingLifecyclePolicy, Action: reconcile.ActionFailed, Error: "ecr:PutLifecyclePolicy | denied"},
		},
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	report.Plan(&b, result(false))
	out := b.String()
	for _, s := range []string{"= repository", "~ scan-on-push", "false -> true", "+ repository-policy", "    +{}", "! lifecycle-policy", "Applied: 1 to create, 1 to update, 0 to remove, 1 unchanged, 1 failed."} {
		if !strings.Contains(out, s) {
			t.Errorf("plan lacks %q:\n%s", s, out)
		}
	}
}

func TestSummaryEscapesCellsAndShowsDryRun(t *testing.T) {
	t.Parallel()
	s := report.Summary(result(true))
	for _, want := range []string{"(dry run) `team/app`: would be updated, partly failed", "| scan-on-push | would update | `false -> true` |", "`ecr:PutLifecyclePolicy \\| denied`", "```diff", "Dry run, nothing written."} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestBatchSummary(t *testing.T) {
	t.Parallel()
	items := []reconcile.Item{
		{Name: "a", Result: &reconcile.Result{Created: true}},
		{Name: "b", Result: &reconcile.Result{}},
		{Name: "c", Err: errors.New("boom")},
	}
	s := report.BatchSummary(items, false, false)
	for _, want := range []string{"3 repositories: 1 created, 0 updated, 1 unchanged, 1 failed.", "| `a` | created |", "| `c` | **failed** |  | `boom` |"} {
		if !strings.Contains(s, want) {
			t.Errorf("batch summary lacks %q:\n%s", want, s)
		}
	}
}

func TestBatchWarnedIsNeitherFailedNorHidden(t *testing.T) {
	t.Parallel()
	se := &reconcile.SettingsError{Failed: []reconcile.Change{{Setting: reconcile.SettingTags, Action: reconcile.ActionFailed, Error: "denied"}}}
	items := []reconcile.Item{
		{Name: "w", Result: &reconcile.Result{}, Err: se},
		{Name: "c", Err: errors.New("boom")},
	}
	if got := report.Status(items[0], true); got != report.StatusWarned {
		t.Errorf("status under warn = %q, want warned", got)
	}
	if got := report.Status(items[0], false); got != report.StatusFailed {
		t.Errorf("status under fail = %q, want failed", got)
	}
	s := report.BatchSummary(items, false, true)
	for _, want := range []string{"2 repositories: 0 created, 0 updated, 0 unchanged, 1 warned, 1 failed.", "| `w` | unchanged, **warned** |  | `1 setting(s) not reconciled: tags: denied` |"} {
		if !strings.Contains(s, want) {
			t.Errorf("batch summary lacks %q:\n%s", want, s)
		}
	}
}

// A failed setting shows in the heading: never "unchanged" or plain
// "created" above a failure.
func TestOutcomeOfAFailedRun(t *testing.T) {
	t.Parallel()
	failed := reconcile.Change{Setting: reconcile.SettingLifecyclePolicy, Action: reconcile.ActionFailed, Error: "denied"}
	same := reconcile.Change{Setting: reconcile.SettingRepository, Action: reconcile.ActionUnchanged}
	for _, tt := range []struct {
		res  *reconcile.Result
		want string
	}{
		{&reconcile.Result{Changes: []reconcile.Change{same, failed}}, "failed"},
		{&reconcile.Result{Created: true, Changes: []reconcile.Change{{Setting: reconcile.SettingRepository, Action: reconcile.ActionCreate}, failed}}, "created, partly failed"},
		{&reconcile.Result{Changes: []reconcile.Change{same}}, "unchanged"},
		{&reconcile.Result{Created: true, Changes: []reconcile.Change{{Setting: reconcile.SettingRepository, Action: reconcile.ActionCreate}}}, "created"},
	} {
		if got := report.Outcome(tt.res); got != tt.want {
			t.Errorf("Outcome = %q, want %q", got, tt.want)
		}
		tt.res.Repository.Name = "app"
		if s := report.Summary(tt.res); !strings.HasPrefix(s, "### ECR repository `app`: "+tt.want+"\n") {
			t.Errorf("summary heading, want %q:\n%s", tt.want, s)
		}
	}
}

func TestBatchDryRunTallySaysWouldBe(t *testing.T) {
	t.Parallel()
	items := []reconcile.Item{
		{Name: "a", Result: &reconcile.Result{Created: true, DryRun: true}},
		{Name: "b", Result: &reconcile.Result{DryRun: true}},
	}
	want := "2 repositories: 1 would be created, 0 would be updated, 1 unchanged, 0 failed."
	if got := report.BatchTally(items, true, false); got != want {
		t.Errorf("tally = %q, want %q", got, want)
	}
	if s := report.BatchSummary(items, true, false); !strings.Contains(s, want) || !strings.Contains(s, "| `a` | would be created |") {
		t.Errorf("batch summary:\n%s", s)
	}
}

// A deletion (state: absent) reads as such in the heading, the tally and
// the batch table; a refused one as failed.
func TestDeletionOutcome(t *testing.T) {
	t.Parallel()
	remove := reconcile.Change{Setting: reconcile.SettingRepository, Action: reconcile.ActionRemove, From: "present, 2 image(s)", To: "absent"}
	refused := reconcile.Change{Setting: reconcile.SettingRepository, Action: reconcile.ActionFailed, Error: "it holds 2 image(s)"}
	deleted := &reconcile.Result{Repository: reconcile.Repository{Name: "pr/1"}, Deleted: true, Changes: []reconcile.Change{remove}}
	for _, tt := range []struct {
		res  *reconcile.Result
		want string
	}{
		{deleted, "deleted"},
		{&reconcile.Result{Deleted: true, DryRun: true, Changes: []reconcile.Change{remove}}, "would be deleted"},
		{&reconcile.Result{Changes: []reconcile.Change{refused}}, "failed"},
	} {
		if got := report.Outcome(tt.res); got != tt.want {
			t.Errorf("Outcome = %q, want %q", got, tt.want)
		}
	}
	var b strings.Builder
	report.Plan(&b, deleted)
	if out := b.String(); !strings.Contains(out, "- repository  remove  present, 2 image(s) -> absent") || !strings.Contains(out, "1 to remove") {
		t.Errorf("plan:\n%s", out)
	}
	items := []reconcile.Item{
		{Name: "pr/1", Result: deleted},
		{Name: "pr/2", Result: &reconcile.Result{Changes: []reconcile.Change{refused}}, Err: errors.New("state: absent: " + refused.Error)},
		{Name: "pr/3", Result: &reconcile.Result{}},
	}
	if got := report.Status(items[0], true); got != report.StatusDeleted {
		t.Errorf("status = %q, want deleted", got)
	}
	if got := report.Status(items[1], true); got != report.StatusFailed {
		t.Errorf("a refused deletion under warn = %q, want failed", got)
	}
	want := "3 repositories: 0 created, 0 updated, 1 deleted, 1 unchanged, 0 warned, 1 failed."
	if got := report.BatchTally(items, false, true); got != want {
		t.Errorf("tally = %q, want %q", got, want)
	}
	if s := report.BatchSummary(items, false, true); !strings.Contains(s, "| `pr/1` | deleted | `repository remove` |") {
		t.Errorf("batch summary:\n%s", s)
	}
}

// A note reads the same in the plan, the summary and the batch summary,
// and a line break in its text cannot leave the Markdown list item.
func TestNotesAreShownEverywhere(t *testing.T) {
	t.Parallel()
	res := result(false)
	res.Notes = []reconcile.Note{
		{Setting: reconcile.SettingScanOnPush, Level: reconcile.NoteWarning, Text: "the registry decides"},
		{Setting: "registry", Level: reconcile.NoteNotice, Text: "read denied\n# heading"},
	}
	var plan strings.Builder
	report.Plan(&plan, res)
	for _, want := range []string{"  warning: scan-on-push: the registry decides\n", "  notice: registry: read denied"} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, plan.String())
		}
	}
	s := report.Summary(res)
	for _, want := range []string{"- **warning** scan-on-push: the registry decides\n", "- **notice** registry: read denied \\# heading\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	bs := report.BatchSummary([]reconcile.Item{{Name: "team/app", Result: res}}, false, false)
	if want := "- **warning** `team/app` scan-on-push: the registry decides\n"; !strings.Contains(bs, want) {
		t.Errorf("batch summary lacks %q:\n%s", want, bs)
	}
	if s := report.Summary(result(false)); strings.Contains(s, "- **") {
		t.Errorf("a result without notes lists some:\n%s", s)
	}
}

// A catalog text holding code blocks must stay inside the diff's code
// block: a diff's context line " ```" (or " ````") would close a plain
// ```diff fence, since CommonMark lets a closing fence be indented by up to
// three spaces, and the rest, </details> too, would render as Markdown.
func TestSummaryDiffFenceOutlastsTheContent(t *testing.T) {
	t.Parallel()
	diff := "--- current\n+++ declared\n usage:\n ```\n docker pull x\n ```\n-````\n+`````go\n+x := 1\n+`````\n"
	s := report.Summary(&reconcile.Result{
		Repository: reconcile.Repository{Name: "team/app"},
		Changes:    []reconcile.Change{{Setting: reconcile.SettingCatalog, Action: reconcile.ActionUpdate, From: "old", To: "new", Diff: diff}},
	})
	lines := strings.Split(s, "\n")
	open := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "```") && strings.HasSuffix(l, "diff") {
			open = i
			break
		}
	}
	if open < 0 {
		t.Fatalf("summary has no diff code block:\n%s", s)
	}
	fence := strings.TrimSuffix(lines[open], "diff")
	end := -1
	for i := open + 1; i < len(lines) && end < 0; i++ {
		if closesFence(lines[i], len(fence)) {
			end = i
		}
	}
	if end < 0 {
		t.Fatalf("diff code block is never closed:\n%s", s)
	}
	if got, want := strings.Join(lines[open+1:end], "\n"), strings.TrimRight(diff, "\n"); got != want {
		t.Errorf("diff code block holds\n%s\nwant\n%s\nsummary:\n%s", got, want, s)
	}
	if len(fence) != 6 {
		t.Errorf("fence %q, want one backtick longer than the content's longest run (5)", fence)
	}
	if strings.Join(lines[end+1:end+3], "\n") != "\n</details>" {
		t.Errorf("</details> does not follow the closed block:\n%s", s)
	}
}

// closesFence is CommonMark's closing code fence: up to three spaces, at
// least n backticks, then only spaces.
func closesFence(line string, n int) bool {
	rest := strings.TrimLeft(line, " ")
	if len(line)-len(rest) > 3 {
		return false
	}
	ticks := len(rest) - len(strings.TrimLeft(rest, "`"))
	return ticks >= n && strings.TrimSpace(rest[ticks:]) == ""
}

// Text from AWS in a note (a template's tag value, say) is shown as it is
// in the job summary: no link, HTML, emphasis or @-mention comes of it.
func TestNoteTextFromAWSIsNotMarkup(t *testing.T) {
	t.Parallel()
	res := result(false)
	res.Notes = []reconcile.Note{{Setting: reconcile.SettingTags, Level: reconcile.NoteWarning,
		Text: "the template sets team=</details>[click](https://example.com) **x** @octo/team `y`"}}
	s := report.Summary(res)
	want := `- **warning** tags: the template sets team=&lt;/details&gt;\[click\](https://example.com) \*\*x\*\* &#64;octo/team \` + "`" + `y\` + "`" + "\n"
	if !strings.Contains(s, want) {
		t.Errorf("summary lacks %q:\n%s", want, s)
	}
	for _, bad := range []string{"</details>[", "**x**", " @octo"} {
		if strings.Contains(s, bad) {
			t.Errorf("summary holds %q as markup:\n%s", bad, s)
		}
	}
}
