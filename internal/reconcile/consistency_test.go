package reconcile_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const rolePolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Deploy","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/just-created"},"Action":"ecr:BatchGetImage"}]}`

func TestNewRepositoryInvisibleForAWhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{InvisibleReadsAfterCreate: 3})
	res := f.run(t, fullSpec("app"))
	if !res.Created {
		t.Fatal("not created")
	}
	r := f.repo(t, "app")
	if r.Policy == "" || r.Lifecycle == "" {
		t.Errorf("policies not set after consistency waits: %+v", r)
	}
}

func TestPolicyPrincipalAppearsLater(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetPendingPrincipal("arn:aws:iam::123456789012:role/just-created", 3)
	f.run(t, reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Text: rolePolicy}})
	if got := f.emu.Count("SetRepositoryPolicy"); got != 4 {
		t.Errorf("SetRepositoryPolicy called %d times, want 4 (3 rejections, then success)", got)
	}
	if !strings.Contains(f.repo(t, "app").Policy, "just-created") {
		t.Error("policy not set")
	}
}

func TestPolicyPrincipalNeverAppears(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetPendingPrincipal("arn:aws:iam::123456789012:role/just-created", -1)
	res, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Text: rolePolicy}})
	var se *reconcile.SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SettingsError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "principal that does not exist") || !strings.Contains(msg, "6 times") {
		t.Errorf("message does not explain the likely cause and the attempts: %s", msg)
	}
	// ECR gives the same answer for a policy it cannot accept: the message
	// says so and names, by statement, the principal ECR had to resolve.
	if msg := err.Error(); !strings.Contains(msg, "may also be invalid") || !strings.Contains(msg, `statement 1 (Sid "Deploy"): arn:aws:iam::123456789012:role/just-created`) {
		t.Errorf("message does not name the statement and principal to check: %s", msg)
	}
	if res == nil || !res.Created || actionOf(res, reconcile.SettingRepositoryPolicy) != reconcile.ActionFailed {
		t.Errorf("result = %+v, want created with the policy failed", res)
	}
}

// The case that leaves clusters with 403 on every pull: the repository is
// created but its policy is not. The run must say so, and the next run must
// find the repository and finish the job.
func TestPartialCreationIsRepairedByTheNextRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.AddFault(emulator.FaultRule{Operation: "SetRepositoryPolicy", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException", Message: "not authorized to perform: ecr:SetRepositoryPolicy"})
	res, err := f.reconciler(false).Reconcile(context.Background(), fullSpec("app"))
	var se *reconcile.SettingsError
	if !errors.As(err, &se) || len(se.Failed) != 1 || se.Failed[0].Setting != reconcile.SettingRepositoryPolicy {
		t.Fatalf("err = %v, want only repository-policy failed", err)
	}
	if !strings.Contains(err.Error(), "ecr:SetRepositoryPolicy") {
		t.Errorf("error does not name the denied action: %v", err)
	}
	if res.Repository.URI == "" || f.repo(t, "app").Policy != "" || f.repo(t, "app").Lifecycle == "" {
		t.Errorf("state after partial failure: %+v / %+v", res.Repository, f.repo(t, "app"))
	}

	f.emu.ClearFaults()
	f.emu.ResetCalls()
	res = f.run(t, fullSpec("app"))
	if res.Created || actionOf(res, reconcile.SettingRepositoryPolicy) != reconcile.ActionCreate {
		t.Errorf("repair run: %+v", res.Changes)
	}
	if got := f.writeOps(); len(got) != 1 || got[0] != "SetRepositoryPolicy" {
		t.Errorf("repair writes = %v, want only SetRepositoryPolicy", got)
	}
	if !strings.Contains(f.repo(t, "app").Policy, "ClusterPull") {
		t.Error("policy still missing after the repair run")
	}
}
