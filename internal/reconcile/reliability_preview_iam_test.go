package reconcile_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// previewActions are the optional permissions of the lifecycle policy
// preview; docs/iam/registry-checks-policy.json grants them in a statement of
// their own.
var previewActions = []string{"ecr:StartLifecyclePolicyPreview", "ecr:GetLifecyclePolicyPreview"}

// previewStatement is that statement, read from the file users copy.
func previewStatement(t *testing.T, w *world) emulator.Statement {
	t.Helper()
	for _, s := range documentedPolicy(t, w, "registry-checks-policy.json") {
		if slices.Equal(s.Actions, previewActions) {
			return s
		}
	}
	t.Fatalf("docs/iam/registry-checks-policy.json has no statement granting exactly %v", previewActions)
	return emulator.Statement{}
}

const previewedLifecycle = `{"rules":[{"rulePriority":1,"description":"untagged","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`

// previewRun reconciles a repository holding images whose lifecycle policy
// differs from the declared one, with the preview on.
func previewRun(t *testing.T, w *world, dryRun bool, policy []emulator.Statement) (*reconcile.Result, error) {
	t.Helper()
	w.emu.PutRepository(emulator.Repository{Name: "app", Lifecycle: strings.Replace(previewedLifecycle, `"countNumber":1`, `"countNumber":5`, 1)})
	if err := w.emu.PutImages("", "app", emulator.Image{PushedAt: time.Now().Add(-time.Hour)}, emulator.Image{}); err != nil {
		t.Fatal(err)
	}
	w.emu.SetPolicy(policy)
	w.rec.Options.DryRun = dryRun
	w.rec.Options.Preview = reconcile.PreviewOn
	w.rec.Options.SetPreviewPoll(previewPoll(5 * time.Second))
	return w.rec.Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewedLifecycle}})
}

// The documented reconcile and dry-run policies plus the preview statement
// are exactly enough for the preview; without either preview action the
// run still succeeds, with a notice naming it.
func TestDocumentedPreviewPermissionsAreExactlyEnough(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file   string
		dryRun bool
	}{{"reconcile-policy.json", false}, {"dry-run-policy.json", true}} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, emulator.Options{})
			policy := append(append(documentedPolicy(t, w, tc.file), registryChecks(t, w)...), previewStatement(t, w))
			res, err := previewRun(t, w, tc.dryRun, policy)
			if err != nil {
				t.Fatal(err)
			}
			c := res.Changes[len(res.Changes)-1]
			if c.Preview == nil || c.Preview.Expiring != 1 || len(res.Notes) != 0 {
				t.Errorf("preview %+v, notes %+v; want 1 image to expire and no note", c.Preview, res.Notes)
			}
			used := map[string]bool{}
			for _, call := range w.emu.Calls() {
				used["ecr:"+call.Operation] = true
			}
			for _, a := range previewActions {
				if !used[a] {
					t.Errorf("%s is documented but never used", a)
				}
			}
			for _, missing := range previewActions {
				w := newWorld(t, emulator.Options{})
				res, err := previewRun(t, w, tc.dryRun, without(append(append(documentedPolicy(t, w, tc.file), registryChecks(t, w)...), previewStatement(t, w)), missing))
				if err != nil {
					t.Fatalf("without %s the run failed: %v", missing, err)
				}
				if len(res.Notes) != 1 || res.Notes[0].Level != reconcile.NoteNotice || !strings.Contains(res.Notes[0].Text, "access denied to "+missing) {
					t.Errorf("without %s: notes %+v, want one notice naming it", missing, res.Notes)
				}
			}
		})
	}
}
