package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// bigBatch is n repositories; those with i%every == 0 are created, the
// others unchanged, and each has a note.
func bigBatch(n, every int) []reconcile.Item {
	items := make([]reconcile.Item, n)
	for i := range items {
		name := fmt.Sprintf("platform/services/team-%05d/application-with-a-long-name", i)
		res := &reconcile.Result{Repository: reconcile.Repository{Name: name},
			Changes: []reconcile.Change{{Setting: reconcile.SettingRepository, Action: reconcile.ActionUnchanged, To: name}},
			Notes:   []reconcile.Note{{Setting: reconcile.SettingTags, Level: reconcile.NoteNotice, Text: "a note about the tags of this repository"}},
		}
		if i%every == 0 {
			res.Created = true
			res.Changes[0].Action = reconcile.ActionCreate
		}
		items[i] = reconcile.Item{Name: name, Result: res}
	}
	return items
}

// The runner drops a step summary over 1 MiB entirely: a batch of 17,000
// repositories (1.16 MB of rows before) stays within the bound, and says
// what it left out and where the full result is.
func TestBatchSummaryStaysWithinTheBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		items []reconcile.Item
		want  []string
		not   string
	}{
		{"all created", bigBatch(17_000, 1), []string{"17000 repositories: 17000 created", "the other notes, the rows of ", "more repositories are not shown here", "The `results` output has every repository's result"}, ""},
		{"mostly unchanged", bigBatch(17_000, 20), []string{"the rows of 16150 unchanged repositories", "`platform/services/team-16980/application-with-a-long-name` | created"}, "team-16981"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sum := report.BatchSummary(tc.items, false, false)
			if len(sum) > report.MaxSummaryBytes {
				t.Errorf("summary of %d bytes, over %d", len(sum), report.MaxSummaryBytes)
			}
			for _, w := range tc.want {
				if !strings.Contains(sum, w) {
					t.Errorf("summary lacks %q", w)
				}
			}
			if tc.not != "" && strings.Contains(sum, tc.not) {
				t.Errorf("summary shows %q, an unchanged repository, though rows were left out", tc.not)
			}
			if len(sum) < report.MaxSummaryBytes/10 {
				t.Errorf("summary of %d bytes: condensed more than needed", len(sum))
			}
		})
	}
	// A small batch is shown whole.
	if sum := report.BatchSummary(bigBatch(10, 2), false, false); strings.Contains(sum, "not shown here") || strings.Count(sum, "| notice |")+strings.Count(sum, "**notice**") != 10 {
		t.Errorf("a small batch was condensed:\n%s", sum)
	}
	// Several Regions share the bound.
	items := bigBatch(6_000, 1)
	sum := report.RegionsSummary([]report.RegionSection{{Region: "us-east-1", Primary: true, Items: items}, {Region: "eu-west-1", Items: items}, {Region: "ap-south-1", Items: items}}, true, false, false)
	if len(sum) > report.MaxSummaryBytes || strings.Count(sum, "not shown here") != 3 {
		t.Errorf("summary of 3 Regions: %d bytes, %d condensed tables", len(sum), strings.Count(sum, "not shown here"))
	}
}
