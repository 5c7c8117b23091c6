package reliability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// documentedActions reads the IAM actions from a policy under docs/iam, the
// same file users copy.
func documentedActions(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/iam/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var actions []string
	for _, s := range doc.Statement {
		actions = append(actions, s.Action...)
	}
	if len(actions) == 0 {
		t.Fatalf("%s lists no actions", file)
	}
	return actions
}

// lifecycleRuns exercises every write the action can make: creation with
// everything, repair of every setting, then removal and pruning.
func lifecycleRuns(t *testing.T, w *world) error {
	t.Helper()
	ctx := context.Background()
	full := spec("app")
	full.Encryption = &reconcile.Encryption{Type: "AES256"}
	if _, err := w.rec.Reconcile(ctx, full); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if r, ok := w.emu.Repository("", "app"); ok {
		r.ScanOnPush, r.Mutability, r.ExclusionFilters = false, "MUTABLE", nil
		r.Tags = map[string]string{"team": "other", "stray": "x"}
		r.Policy = strings.Replace(r.Policy, "ClusterPull", "Edited", 1)
		r.Lifecycle = strings.Replace(r.Lifecycle, "50", "5", 1)
		w.emu.PutRepository(r)
	}
	if _, err := w.rec.Reconcile(ctx, full); err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	remove := reconcile.Spec{
		Name:             "app",
		RepositoryPolicy: &reconcile.Document{Remove: true},
		LifecyclePolicy:  &reconcile.Document{Remove: true},
		Tags:             map[string]string{"team": "core"},
		PruneTags:        true,
	}
	if _, err := w.rec.Reconcile(ctx, remove); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	return nil
}

func TestDocumentedReconcilePolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	actions := documentedActions(t, "reconcile-policy.json")
	t.Run("all documented actions", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.SetAllowedActions(actions)
		if err := lifecycleRuns(t, w); err != nil {
			t.Fatalf("the documented policy is not enough: %v", err)
		}
		used := map[string]bool{}
		for _, c := range w.emu.Calls() {
			used["ecr:"+c.Operation] = true
		}
		for _, a := range actions {
			if !used[a] {
				t.Errorf("%s is documented but never used", a)
			}
		}
	})
	for _, missing := range actions {
		t.Run("without "+missing, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, emulator.Options{})
			w.emu.SetAllowedActions(slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == missing }))
			err := lifecycleRuns(t, w)
			if err == nil {
				t.Fatalf("succeeded without %s: it is not needed, or the action hides a failure", missing)
			}
			if !strings.Contains(err.Error(), missing) {
				t.Errorf("error does not name %s: %v", missing, err)
			}
			if strings.Contains(strings.ToLower(err.Error()), "not found") || strings.Contains(err.Error(), "RepositoryNotFound") {
				t.Errorf("a denial was reported as a missing repository: %v", err)
			}
		})
	}
}

func TestDocumentedDryRunPolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	actions := documentedActions(t, "dry-run-policy.json")
	dryRun := func(w *world) error {
		w.rec.Options.DryRun = true
		// A drifted existing repository (every read) and a missing one.
		if _, err := w.rec.Reconcile(context.Background(), spec("existing")); err != nil {
			return err
		}
		_, err := w.rec.Reconcile(context.Background(), spec("missing"))
		return err
	}
	seed := func(w *world) {
		w.emu.PutRepository(emulator.Repository{Name: "existing", Tags: map[string]string{"team": "x"}, Policy: pullPolicy})
	}
	w := newWorld(t, emulator.Options{})
	seed(w)
	w.emu.SetAllowedActions(actions)
	if err := dryRun(w); err != nil {
		t.Fatalf("the documented dry-run policy is not enough: %v", err)
	}
	if len(w.emu.Writes()) != 0 {
		t.Errorf("dry-run wrote: %v", w.emu.Writes())
	}
	for _, missing := range actions {
		w := newWorld(t, emulator.Options{})
		seed(w)
		w.emu.SetAllowedActions(slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == missing }))
		err := dryRun(w)
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("dry-run without %s: err = %v, want an error naming it", missing, err)
		}
	}
}
