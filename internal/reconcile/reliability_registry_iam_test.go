package reconcile_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// registryChecks is the part of docs/iam/registry-checks-policy.json that
// the registry-level reads use: its statements of ecr: actions on "*" (the
// calls that name no repository; the emulator's iam_docs_test ties the
// file to that). The policy check's statement is policyCheck's.
func registryChecks(t *testing.T, w *world) []emulator.Statement {
	t.Helper()
	var out []emulator.Statement
	for _, s := range documentedPolicy(t, w, "registry-checks-policy.json") {
		if len(s.Resources) == 1 && s.Resources[0] == "*" && strings.HasPrefix(s.Actions[0], "ecr:") {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatal("registry-checks-policy.json grants nothing on \"*\"")
	}
	return out
}

// The documented registry checks are exactly enough: with them on top of
// the reconcile policy every registry-level read passes and no note says
// otherwise; without any one of its actions the run still succeeds and says
// once, in a notice, which permission is missing.
func TestDocumentedRegistryChecksAreExactlyEnough(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, w *world) []reconcile.Note {
		t.Helper()
		var notes []reconcile.Note
		for range 2 { // creation, then the no-op
			res, err := w.rec.Reconcile(context.Background(), spec("app"))
			if err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			notes = append(notes, res.Notes...)
		}
		return notes
	}
	probe := newWorld(t, emulator.Options{})
	actions := actionsOf(registryChecks(t, probe))
	t.Run("all documented actions", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.SetPolicy(append(documentedPolicy(t, w, "reconcile-policy.json"), registryChecks(t, w)...))
		if notes := run(t, w); len(notes) != 0 {
			t.Errorf("notes with every permission: %+v", notes)
		}
		for _, c := range w.emu.Calls() {
			if c.ErrorCode == "AccessDeniedException" {
				t.Errorf("denied: %+v", c)
			}
		}
		wantEveryActionUsed(t, w, actions)
	})
	for _, missing := range actions {
		t.Run("without "+missing, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, emulator.Options{})
			w.emu.SetPolicy(append(documentedPolicy(t, w, "reconcile-policy.json"), without(registryChecks(t, w), missing)...))
			notes := run(t, w)
			if len(notes) != 2 { // one per run
				t.Fatalf("notes %+v, want one notice per run", notes)
			}
			for _, n := range notes {
				if n.Level != reconcile.NoteNotice || !strings.Contains(n.Text, "access denied to "+missing) {
					t.Errorf("note %+v does not name %s in a notice", n, missing)
				}
			}
			if r, ok := w.emu.Repository("", "app"); !ok || !r.ScanOnPush {
				t.Errorf("the repository was not reconciled: %+v", r)
			}
		})
	}
}
