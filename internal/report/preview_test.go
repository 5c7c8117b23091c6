package report_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

func previewResult() *reconcile.Result {
	day := func(d int) time.Time { return time.Date(2026, 5, d, 10, 0, 0, 0, time.UTC) }
	return &reconcile.Result{
		Repository: reconcile.Repository{Name: "team/app"},
		DryRun:     true,
		Changes: []reconcile.Change{
			{Setting: reconcile.SettingRepository, Action: reconcile.ActionUnchanged, To: "team/app"},
			{Setting: reconcile.SettingLifecyclePolicy, Action: reconcile.ActionUpdate, From: "differs", To: "declared", Preview: &reconcile.LifecyclePreview{
				Expiring: 7, Transitioning: 1,
				Rules: []reconcile.RulePreview{
					{Priority: 1, Description: "untagged | old", Action: "expire", Images: 6, Sample: []reconcile.PreviewImage{
						{Digest: "sha256:0123456789abcdef0123", PushedAt: day(9)},
						{Digest: "sha256:1", Tags: []string{"v1", "latest"}, PushedAt: day(8)},
					}},
					{Priority: 2, Action: "transition", Images: 1, Sample: []reconcile.PreviewImage{{Digest: "sha256:2", Tags: []string{"v0"}, PushedAt: day(1)}}},
					{Priority: 3, Description: "keep", Action: "expire"},
				},
			}},
		},
	}
}

func TestPreviewInPlanAndSummary(t *testing.T) {
	t.Parallel()
	res := previewResult()
	var b strings.Builder
	report.Plan(&b, res)
	plan := b.String()
	for _, want := range []string{
		"  lifecycle-policy preview: 7 image(s) to expire and 1 to transition under the declared policy",
		"    rule 1 (untagged | old): expire 6 image(s): untagged sha256:0123456789ab (pushed 2026-05-09); v1, latest (pushed 2026-05-08); and 4 more",
		"    rule 2: transition 1 image(s): v0 (pushed 2026-05-01)",
		"    rule 3 (keep): expire 0 image(s)\n",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	sum := report.Summary(res)
	for _, want := range []string{
		"**lifecycle-policy preview**: 7 image(s) to expire and 1 to transition",
		"| Rule | Description | Action | Images | Newest images (tags, pushed) |",
		"| 1 | `untagged \\| old` | expire | 6 | `untagged sha256:0123456789ab (pushed 2026-05-09); v1, latest (pushed 2026-05-08); and 4 more` |",
		"| 2 |  | transition | 1 | `v0 (pushed 2026-05-01)` |",
		"| 3 | `keep` | expire | 0 |  |",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestSkippedPreviewIsOneLine(t *testing.T) {
	t.Parallel()
	res := previewResult()
	res.Changes[1].Preview = &reconcile.LifecyclePreview{Skipped: "the repository does not exist yet"}
	var b strings.Builder
	report.Plan(&b, res)
	if got := strings.Count(b.String(), "preview"); got != 1 || !strings.Contains(b.String(), "lifecycle-policy preview: skipped: the repository does not exist yet\n") {
		t.Errorf("plan:\n%s", b.String())
	}
	if sum := report.Summary(res); !strings.Contains(sum, "**lifecycle-policy preview**: skipped: the repository does not exist yet.") || strings.Contains(sum, "| Rule |") {
		t.Errorf("summary:\n%s", sum)
	}
}

func TestBatchSummaryShowsEachPreview(t *testing.T) {
	t.Parallel()
	skipped := previewResult()
	skipped.Created = true
	skipped.Changes[1].Preview = &reconcile.LifecyclePreview{Skipped: "the repository does not exist yet"}
	items := []reconcile.Item{{Name: "team/a", Result: previewResult()}, {Name: "team/new", Result: skipped}, {Name: "team/failed", Err: errors.New("denied")}}
	sum := report.BatchSummary(items, true, false)
	for _, want := range []string{
		"<details><summary><code>team/a</code> lifecycle-policy preview: 7 image(s) to expire and 1 to transition",
		"| 2 |  | transition | 1 | `v0 (pushed 2026-05-01)` |",
		"`team/new` lifecycle-policy preview: skipped: the repository does not exist yet.",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("batch summary lacks %q:\n%s", want, sum)
		}
	}
}

// A rule's description and an image's tags come from AWS; a line break in
// them does not split the plan's one line per rule.
func TestPreviewPlanLinesStayWhole(t *testing.T) {
	t.Parallel()
	res := &reconcile.Result{Changes: []reconcile.Change{{
		Setting: reconcile.SettingLifecyclePolicy, Action: reconcile.ActionUpdate,
		Preview: &reconcile.LifecyclePreview{Expiring: 1, Rules: []reconcile.RulePreview{{
			Priority: 1, Description: "old\n::error::x", Action: "expire", Images: 1,
			Sample: []reconcile.PreviewImage{{Tags: []string{"v1\r\nv2"}, PushedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}},
		}}},
	}}}
	var b strings.Builder
	report.Plan(&b, res)
	if want := "    rule 1 (old ::error::x): expire 1 image(s): v1  v2 (pushed 2026-05-01)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("plan lacks %q:\n%s", want, b.String())
	}
}
