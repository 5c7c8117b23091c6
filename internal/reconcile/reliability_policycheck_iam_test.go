package reconcile_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// policyCheck is the statement of docs/iam/registry-checks-policy.json
// that grants IAM Access Analyzer's policy check: exactly its one action,
// on "*" (ValidatePolicy names no resource).
func policyCheck(t *testing.T, w *world) emulator.Statement {
	t.Helper()
	for _, s := range documentedPolicy(t, w, "registry-checks-policy.json") {
		if slices.Contains(s.Actions, "access-analyzer:ValidatePolicy") {
			if len(s.Actions) != 1 || !slices.Equal(s.Resources, []string{"*"}) {
				t.Fatalf("the policy check's statement grants %v on %v, want only %s on \"*\"", s.Actions, s.Resources, "access-analyzer:ValidatePolicy")
			}
			return s
		}
	}
	t.Fatalf("registry-checks-policy.json does not grant %s", "access-analyzer:ValidatePolicy")
	return emulator.Statement{}
}

// The documented permission is exactly enough for the policy check: with
// it on top of the reconcile policy the check is made and nothing is
// denied; without it the run still writes the policy and says, in a
// notice, which permission to add.
func TestDocumentedPolicyCheckIsExactlyEnough(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, w *world) *reconcile.Result {
		t.Helper()
		w.rec.Options.Analyzer = ecrsdk.NewAnalyzer(accessanalyzer.NewFromConfig(w.cfg))
		s := reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Text: testsupport.PullPolicy}}
		res, err := w.rec.Reconcile(context.Background(), s)
		if err != nil {
			t.Fatalf("the run failed: %v", err)
		}
		if r, ok := w.emu.Repository("", "app"); !ok || r.Policy == "" {
			t.Fatalf("the policy was not written: %+v", r)
		}
		return res
	}
	t.Run("documented", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.SetPolicy(append(documentedPolicy(t, w, "reconcile-policy.json"), policyCheck(t, w)))
		res := run(t, w)
		for _, n := range res.Notes {
			if n.Setting == reconcile.SettingRepositoryPolicy {
				t.Errorf("note with the permission: %+v", n)
			}
		}
		for _, c := range w.emu.Calls() {
			if c.ErrorCode != "" && c.Operation != "DescribeRepositoryCreationTemplates" && c.ErrorCode != "RepositoryNotFoundException" && c.ErrorCode != "RepositoryPolicyNotFoundException" {
				t.Errorf("call failed: %+v", c)
			}
		}
		wantEveryActionUsed(t, w, policyCheck(t, w).Actions)
	})
	t.Run("without it", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.SetPolicy(documentedPolicy(t, w, "reconcile-policy.json"))
		res := run(t, w)
		var notices []string
		for _, n := range res.Notes {
			if n.Setting == reconcile.SettingRepositoryPolicy && n.Level == reconcile.NoteNotice {
				notices = append(notices, n.Text)
			}
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "access denied to access-analyzer:ValidatePolicy") || !strings.Contains(notices[0], "registry-checks-policy.json") {
			t.Errorf("notices = %q, want one naming the permission and the file", notices)
		}
	})
}
