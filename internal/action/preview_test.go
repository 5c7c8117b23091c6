package action_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const previewLifecycle = `{"rules": [
  {"rulePriority": 1, "description": "untagged after a day", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1}, "action": {"type": "expire"}},
  {"rulePriority": 2, "description": "keep 2", "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2}, "action": {"type": "expire"}}
]}`

// seedPreview creates name with the declared policy already in place and
// images: the two untagged ones expire by rule 1; they are also the newest
// two that rule 2 keeps, so v1 to v4 expire by rule 2.
func seedPreview(t *testing.T, e *env, name string) {
	t.Helper()
	e.emu.PutRepository(emulator.Repository{Name: name, Lifecycle: previewLifecycle})
	ago := func(days int) time.Time { return time.Now().Add(-time.Duration(days) * 24 * time.Hour) }
	images := []emulator.Image{{PushedAt: ago(3)}, {PushedAt: ago(2)}}
	for i, tag := range []string{"v1", "v2", "v3", "v4"} {
		images = append(images, emulator.Image{Tags: []string{tag}, PushedAt: ago(10 - i)})
	}
	if err := e.emu.PutImages("", name, images...); err != nil {
		t.Fatal(err)
	}
}

// keep3 is previewLifecycle keeping three images: on seedPreview's images
// rule 1 expires the two untagged ones and rule 2 v1 to v3.
var keep3 = strings.Replace(strings.Replace(previewLifecycle, `"countNumber": 2`, `"countNumber": 3`, 1), `"keep 2"`, `"keep 3"`, 1)

// The dry run of a policy change shows what the declared policy expires,
// and the changes output, the plan and the job summary say the same.
func TestPreviewOutputsPlanAndSummaryAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedPreview(t, e, "team/app")
	log, err := e.run(t, map[string]string{"repository": "team/app", "lifecycle-policy": keep3, "dry-run": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	var changes []change
	if err := json.Unmarshal([]byte(e.outputs(t)["changes"]), &changes); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Setting != "lifecycle-policy" || changes[0].Action != "update" || changes[0].Preview == nil {
		t.Fatalf("changes = %+v, want the lifecycle policy update with its preview", changes)
	}
	p := changes[0].Preview
	if p.Expiring != 5 || len(p.Rules) != 2 || p.Rules[0].Images != 2 || p.Rules[1].Images != 3 || p.Rules[1].Description != "keep 3" {
		t.Errorf("preview output %+v", p)
	}
	if strings.Contains(e.outputs(t)["changes"], "sha256:") {
		t.Errorf("the changes output carries the image sample: %s", e.outputs(t)["changes"])
	}
	sum := e.summary(t)
	for _, r := range p.Rules {
		line := fmt.Sprintf("    rule %d (%s): %s %d image(s)", r.Priority, r.Description, r.Action, r.Images)
		if !strings.Contains(log, line) {
			t.Errorf("plan lacks %q:\n%s", line, log)
		}
		row := fmt.Sprintf("| %d | `%s` | %s | %d |", r.Priority, r.Description, r.Action, r.Images)
		if !strings.Contains(sum, row) {
			t.Errorf("summary lacks %q:\n%s", row, sum)
		}
	}
	head := fmt.Sprintf("%d image(s) to expire and %d to transition", p.Expiring, p.Transitioning)
	if !strings.Contains(log, "lifecycle-policy preview: "+head) || !strings.Contains(sum, head) {
		t.Errorf("the totals differ between the output, the plan and the summary:\n%s\n%s", log, sum)
	}
	if !strings.Contains(log, "v2 (pushed ") || !strings.Contains(sum, "v2 (pushed ") {
		t.Errorf("the sample is not shown")
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("dry run wrote %v", w)
	}
}

// The dry run of an unchanged policy shows what it expires in the plan and
// the job summary; the changes output lists only what would be written, so
// it stays empty, and changed false.
func TestPreviewOfAnUnchangedPolicyIsNotAChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedPreview(t, e, "team/app")
	log, err := e.run(t, map[string]string{"repository": "team/app", "lifecycle-policy": previewLifecycle, "dry-run": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if out := e.outputs(t); out["changes"] != "[]" || out["changed"] != "false" {
		t.Errorf("changes %s, changed %s: a preview changes nothing", out["changes"], out["changed"])
	}
	head := "6 image(s) to expire and 0 to transition"
	if !strings.Contains(log, "lifecycle-policy preview: "+head) || !strings.Contains(e.summary(t), head) {
		t.Errorf("the preview of the unchanged policy is not shown:\n%s\n%s", log, e.summary(t))
	}
}

// Without the preview permissions the run succeeds with one notice, in the
// annotations, the notes output and the summary.
func TestPreviewDeniedIsANoticeEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedPreview(t, e, "team/app")
	e.emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy", "ecr:DescribeRepositoryCreationTemplates"})
	declared := strings.Replace(previewLifecycle, `"countNumber": 2`, `"countNumber": 3`, 1)
	log, err := e.run(t, map[string]string{"repository": "team/app", "lifecycle-policy": declared})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if n := annotations(log, "notice"); len(n) != 1 || !strings.Contains(n[0], "ecr:StartLifecyclePolicyPreview and ecr:GetLifecyclePolicyPreview") {
		t.Errorf("notice annotations %v", n)
	}
	var notes []reconcile.Note
	if err := json.Unmarshal([]byte(e.outputs(t)["notes"]), &notes); err != nil || len(notes) != 1 || notes[0].Setting != "lifecycle-policy" {
		t.Errorf("notes output %s (%v)", e.outputs(t)["notes"], err)
	}
	if !strings.Contains(e.summary(t), "access denied to ecr:StartLifecyclePolicyPreview") {
		t.Errorf("summary lacks the notice:\n%s", e.summary(t))
	}
	if r, _ := e.emu.Repository("", "team/app"); !strings.Contains(r.Lifecycle, `"countNumber":3`) && !strings.Contains(r.Lifecycle, `"countNumber": 3`) {
		t.Errorf("the policy was not written: %s", r.Lifecycle)
	}
}

// The input is checked before any call; off and off-in-apply keep the
// preview out of apply, and off out of dry-run too.
func TestPreviewInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "team/app", "lifecycle-policy-preview": "sometimes"})
	if err == nil || !strings.Contains(log, "lifecycle-policy-preview") || !strings.Contains(log, "use on, off-in-apply or off") {
		t.Errorf("err = %v\n%s", err, log)
	}
	if calls := e.emu.Calls(); len(calls) != 0 {
		t.Errorf("calls before the input was refused: %v", calls)
	}
	for _, tc := range []struct {
		mode, dryRun string
		want         bool
	}{
		{"on", "false", true}, {"ON", "true", true},
		{"off-in-apply", "false", false}, {"off-in-apply", "true", true},
		{"off", "false", false}, {"off", "true", false},
	} {
		e := newEnv(t)
		seedPreview(t, e, "team/app")
		declared := strings.Replace(previewLifecycle, `"countNumber": 2`, `"countNumber": 3`, 1)
		log, err := e.run(t, map[string]string{"repository": "team/app", "lifecycle-policy": declared, "lifecycle-policy-preview": tc.mode, "dry-run": tc.dryRun})
		if err != nil {
			t.Fatalf("%s dry-run %s: %v\n%s", tc.mode, tc.dryRun, err, log)
		}
		previewed := false
		for _, c := range e.emu.Calls() {
			previewed = previewed || c.Operation == "StartLifecyclePolicyPreview"
		}
		shown := strings.Contains(log, "lifecycle-policy preview:") && strings.Contains(e.outputs(t)["changes"], `"preview"`)
		if previewed != tc.want || shown != tc.want {
			t.Errorf("%s dry-run %s: previewed %v, shown %v, want %v", tc.mode, tc.dryRun, previewed, shown, tc.want)
		}
	}
}

// In batch mode each repository's entry in results carries its preview,
// and a repository to be created says the preview was skipped.
func TestPreviewInBatchResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedPreview(t, e, "team/a")
	seedPreview(t, e, "team/b")
	log, err := e.run(t, map[string]string{"repositories": "team/a\nteam/b\nteam/new", "lifecycle-policy": keep3, "dry-run": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	var results map[string]result
	if err := json.Unmarshal([]byte(e.outputs(t)["results"]), &results); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"team/a", "team/b"} {
		ch := results[name].Changes
		if len(ch) != 1 || ch[0].Preview == nil || ch[0].Preview.Expiring != 5 {
			t.Errorf("%s: changes %+v", name, ch)
		}
	}
	var skipped *reconcile.LifecyclePreview
	for _, c := range results["team/new"].Changes {
		if c.Setting == "lifecycle-policy" {
			skipped = c.Preview
		}
	}
	if skipped == nil || skipped.Skipped == "" {
		t.Errorf("team/new: %+v, want the preview skipped", results["team/new"].Changes)
	}
	sum := e.summary(t)
	for _, want := range []string{"<code>team/a</code> lifecycle-policy preview: 5 image(s) to expire", "<code>team/b</code> lifecycle-policy preview: 5 image(s) to expire", "`team/new` lifecycle-policy preview: skipped"} {
		if !strings.Contains(sum, want) {
			t.Errorf("batch summary lacks %q:\n%s", want, sum)
		}
	}
	for _, name := range []string{"team/a", "team/b"} {
		if !strings.Contains(log, "Plan for "+name) || strings.Count(log, "    rule 2 (keep 3): expire 3 image(s)") != 2 {
			t.Errorf("the plans do not show each repository's preview:\n%s", log)
		}
	}
}
