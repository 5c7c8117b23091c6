package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// documentedPolicy reads a policy under docs/iam, the same file users
// copy, as the emulator's IAM statements: actions and resources as written,
// the example account replaced by the emulator's.
func documentedPolicy(t *testing.T, w *world, file string) []emulator.Statement {
	t.Helper()
	b, err := os.ReadFile("../../docs/iam/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []emulator.Statement
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Resource == "" || len(s.Action) == 0 {
			t.Fatalf("%s: a statement the test does not understand: %+v", file, s)
		}
		out = append(out, emulator.Statement{Actions: s.Action, Resources: []string{strings.ReplaceAll(s.Resource, "111122223333", w.emu.AccountID())}})
	}
	return out
}

// wantEveryActionUsed fails for a documented action no call of w used.
func wantEveryActionUsed(t *testing.T, w *world, actions []string) {
	t.Helper()
	used := map[string]bool{}
	for _, c := range w.emu.Calls() {
		used[c.Service+":"+c.Operation] = true
	}
	for _, a := range actions {
		if !used[a] {
			t.Errorf("%s is documented but never used", a)
		}
	}
}

func actionsOf(policy []emulator.Statement) []string {
	var actions []string
	for _, s := range policy {
		actions = append(actions, s.Actions...)
	}
	return actions
}

// without removes one action from every statement.
func without(policy []emulator.Statement, action string) []emulator.Statement {
	out := make([]emulator.Statement, 0, len(policy))
	for _, s := range policy {
		s.Actions = slices.DeleteFunc(slices.Clone(s.Actions), func(a string) bool { return a == action })
		out = append(out, s)
	}
	return out
}

// lifecycleRuns exercises every write the action can make: creation with
// everything, repair of every setting, then removal and pruning.
func lifecycleRuns(t *testing.T, w *world, name string) error {
	t.Helper()
	ctx := context.Background()
	full := spec(name)
	full.Encryption = &reconcile.Encryption{Type: "AES256"}
	if _, err := w.rec.Reconcile(ctx, full); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if r, ok := w.emu.Repository("", name); ok {
		r.ScanOnPush, r.Mutability, r.ExclusionFilters = false, "MUTABLE", nil
		r.Tags = map[string]string{"team": "other", "stray": "x"}
		r.Policy = strings.Replace(r.Policy, `"pull"`, `"Edited"`, 1)
		if !strings.Contains(r.Policy, `"Edited"`) {
			return fmt.Errorf("the stored policy has no Sid to edit: %s", r.Policy)
		}
		r.Lifecycle = strings.Replace(r.Lifecycle, "50", "5", 1)
		w.emu.PutRepository(r)
	}
	if _, err := w.rec.Reconcile(ctx, full); err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	remove := reconcile.Spec{
		Name:             name,
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
	for _, tc := range []struct{ file, name string }{
		{"reconcile-policy.json", "app"},
		{"reconcile-policy-team-prefix.json", "team/app"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			testPolicyIsExactlyEnough(t, tc.file, privateWorld, func(t *testing.T, w *world) error { return lifecycleRuns(t, w, tc.name) })
		})
	}
}

func privateWorld(t *testing.T) *world { return newWorld(t, emulator.Options{}) }

// testPolicyIsExactlyEnough runs the scenario runs in worlds made by newW,
// with exactly the documented policy and then without each of its actions.
func testPolicyIsExactlyEnough(t *testing.T, file string, newW func(*testing.T) *world, runs func(*testing.T, *world) error) {
	probe := newW(t)
	policy := documentedPolicy(t, probe, file)
	actions := actionsOf(policy)
	t.Run("all documented actions", func(t *testing.T) {
		t.Parallel()
		w := newW(t)
		w.emu.SetPolicy(documentedPolicy(t, w, file))
		if err := runs(t, w); err != nil {
			t.Fatalf("the documented policy is not enough: %v", err)
		}
		wantEveryActionUsed(t, w, actions)
	})
	for _, missing := range actions {
		t.Run("without "+missing, func(t *testing.T) {
			t.Parallel()
			w := newW(t)
			w.emu.SetPolicy(without(documentedPolicy(t, w, file), missing))
			err := runs(t, w)
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

// The prefix-scoped policy works in batch mode too, creation included,
// with most repositories missing; and it really is scoped. (Every write of
// the full spec under this policy is proven in single mode above.)
func TestPrefixScopedPolicyInBatchMode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{})
	w.emu.SetPolicy(documentedPolicy(t, w, "reconcile-policy-team-prefix.json"))
	w.emu.PutRepository(emulator.Repository{Name: "team/existing"})
	// Two describe chunks, most names missing; tags only, to keep the call
	// count (and the test) small.
	names := []string{"team/existing", "team/new-a", "team/new-b"}
	for i := range 102 {
		names = append(names, fmt.Sprintf("team/svc-%03d", i))
	}
	tagsOnly := reconcile.Spec{Tags: map[string]string{"team": "core"}}
	for _, it := range w.rec.ReconcileBatch(context.Background(), tagsOnly, names, 4) {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Name, it.Err)
		}
	}
	for _, n := range names {
		if _, ok := w.emu.Repository("", n); !ok {
			t.Errorf("%s was not created", n)
		}
	}
	for _, c := range w.emu.Calls() {
		// The registry-level reads are not in this policy
		// (registry-checks-policy.json grants them): a notice, not a failure.
		if c.ErrorCode == "AccessDeniedException" && c.Operation != "DescribeRepositoryCreationTemplates" {
			t.Errorf("denied: %+v", c)
		}
	}

	items := w.rec.ReconcileBatch(context.Background(), tagsOnly, []string{"team/existing", "other/app"}, 2)
	if items[0].Err != nil {
		t.Errorf("team/existing: %v", items[0].Err)
	}
	if err := items[1].Err; err == nil || !strings.Contains(err.Error(), "ecr:DescribeRepositories") {
		t.Errorf("other/app, outside the prefix: err = %v, want a denial naming ecr:DescribeRepositories", err)
	}
}

func TestDocumentedDryRunPolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	seeded := func(t *testing.T) *world {
		w := newWorld(t, emulator.Options{})
		w.emu.PutRepository(emulator.Repository{Name: "existing", Tags: map[string]string{"team": "x"}, Policy: testsupport.PullPolicy})
		return w
	}
	testPolicyIsExactlyEnough(t, "dry-run-policy.json", seeded, func(t *testing.T, w *world) error {
		w.rec.Options.DryRun = true
		// A drifted existing repository (every read) and a missing one.
		for _, name := range []string{"existing", "missing"} {
			if _, err := w.rec.Reconcile(context.Background(), spec(name)); err != nil {
				return err
			}
		}
		if writes := w.emu.Writes(); len(writes) != 0 {
			t.Errorf("dry-run wrote: %v", writes)
		}
		return nil
	})
}

// TestDocumentedDeletePolicyIsExactlyEnough ties docs/iam/delete-policy.json
// to state: absent: an empty repository deleted, one with images refused
// with its count, one force-deleted, a missing one left alone, and a
// repository outside previews/ out of reach.
func TestDocumentedDeletePolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	seeded := func(t *testing.T) *world {
		w := newWorld(t, emulator.Options{})
		for name, images := range map[string]int{"previews/pr-1": 0, "previews/pr-2": 3, "previews/pr-3": 2} {
			w.emu.PutRepository(emulator.Repository{Name: name})
			w.emu.SeedImages(region, "", name, images)
		}
		return w
	}
	deletions := func(_ *testing.T, w *world) error {
		ctx := context.Background()
		if res, err := w.rec.Reconcile(ctx, reconcile.Spec{Name: "previews/pr-1", Absent: true}); err != nil || !res.Deleted {
			return fmt.Errorf("delete empty: %w", err)
		}
		_, err := w.rec.Reconcile(ctx, reconcile.Spec{Name: "previews/pr-2", Absent: true})
		// A refused deletion is a failure of the repository, never a
		// settings failure that on-reconcile-error: warn could let pass.
		var se *reconcile.SettingsError
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "holds 3 image(s)") {
			return fmt.Errorf("refuse with count: %w", err)
		}
		if res, err := w.rec.Reconcile(ctx, reconcile.Spec{Name: "previews/pr-3", Absent: true, ForceDelete: true}); err != nil || !res.Deleted {
			return fmt.Errorf("force delete: %w", err)
		}
		if res, err := w.rec.Reconcile(ctx, reconcile.Spec{Name: "previews/pr-4", Absent: true}); err != nil || res.Changed() {
			return fmt.Errorf("missing: %w", err)
		}
		return nil
	}
	testPolicyIsExactlyEnough(t, "delete-policy.json", seeded, deletions)

	w := seeded(t)
	w.emu.SetPolicy(documentedPolicy(t, w, "delete-policy.json"))
	if _, err := w.rec.Reconcile(context.Background(), reconcile.Spec{Name: "team/app", Absent: true}); err == nil || !strings.Contains(err.Error(), "ecr:DescribeRepositories") {
		t.Errorf("team/app, outside previews/: err = %v, want a denial", err)
	}
}
