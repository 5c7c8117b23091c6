package report_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// cells counts the cells of a table row: the "|" not escaped as "\|".
func cells(row string) int {
	n := 0
	for i := range len(row) {
		if row[i] == '|' && (i == 0 || row[i-1] != '\\') {
			n++
		}
	}
	return n - 1
}

// tableRows returns the rows after the header row that starts with head,
// up to the first line that is not a row.
func tableRows(t *testing.T, md, head string) []string {
	t.Helper()
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, head) {
			var rows []string
			for _, r := range lines[i+2:] {
				if !strings.HasPrefix(r, "|") {
					break
				}
				rows = append(rows, r)
			}
			return rows
		}
	}
	t.Fatalf("no table %q in:\n%s", head, md)
	return nil
}

// hostileResult holds text from outside the code in every field a table
// cell or a heading shows.
func hostileResult(s string) *reconcile.Result {
	return &reconcile.Result{
		Repository: reconcile.Repository{Name: "team/" + s, URI: "u" + s},
		Changes: []reconcile.Change{
			{Setting: reconcile.SettingTags, Action: reconcile.ActionUpdate, From: s, To: s},
			{Setting: reconcile.SettingLifecyclePolicy, Action: reconcile.ActionUpdate, Preview: &reconcile.LifecyclePreview{Rules: []reconcile.RulePreview{
				{Priority: 1, Description: s, Action: s, Images: 1, Sample: []reconcile.PreviewImage{{Tags: []string{s}}}},
			}}},
		},
		Notes: []reconcile.Note{{Setting: reconcile.SettingRepository, Level: reconcile.NoteWarning, Text: s}},
	}
}

func checkTables(t *testing.T, s string) {
	t.Helper()
	res := hostileResult(s)
	sum := report.Summary(res)
	for head, want := range map[string][2]int{
		"| Setting | Result | Value |": {2, 3},
		"| Rule | Description":         {1, 5},
	} {
		rows := tableRows(t, sum, head)
		if len(rows) != want[0] {
			t.Errorf("%q: %d rows, want %d:\n%s", head, len(rows), want[0], sum)
		}
		for _, r := range rows {
			if cells(r) != want[1] {
				t.Errorf("row %q has %d cells, want %d", r, cells(r), want[1])
			}
		}
	}
	items := []reconcile.Item{{Name: "team/" + s, Result: res}, {Name: s, Err: errors.New(s)}}
	batch := report.BatchSummary(items, false, false)
	rows := tableRows(t, batch, "| Repository | Result |")
	if len(rows) != 2 {
		t.Errorf("batch: %d rows, want 2:\n%s", len(rows), batch)
	}
	for _, r := range rows {
		if cells(r) != 4 {
			t.Errorf("batch row %q has %d cells, want 4", r, cells(r))
		}
		// A cell's code span is closed where it opened: an even number of
		// backticks per row.
		if strings.Count(r, "`")%2 != 0 {
			t.Errorf("batch row %q has an unclosed code span", r)
		}
	}
}

// Every table cell and heading is escaped: a "|", a backtick or a line
// break in a value does not end its cell, its code span or its row.
func TestTableCellsAreEscaped(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"a|b", "x`\n| forged | row |\n", "\r\n## heading", "<img src=x>`|`"} {
		checkTables(t, s)
	}
}

func FuzzTableCells(f *testing.F) {
	for _, s := range []string{"a|b", "x`\n| forged | row |\n", "\\|", "```", "\r"} {
		f.Add(s)
	}
	f.Fuzz(checkTables)
}

// The interrupted heading quotes AWS's answers (the first line of an
// error) as prose: no HTML, link, mention or heading of their own.
func TestInterruptedTextIsEscaped(t *testing.T) {
	t.Parallel()
	got := report.Interrupted("interrupted: team/app failed: <img src=x> [click](https://evil) @org/team\n### Fake")
	for _, bad := range []string{"<img", "[click](", "@org", "\n### Fake"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q in %q", bad, got)
		}
	}
	if !strings.HasPrefix(got, "### Interrupted\n\n") {
		t.Errorf("heading: %q", got)
	}
}
