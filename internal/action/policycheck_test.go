package action_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// checksByRegion counts the ValidatePolicy calls by Region and policy.
func checksByRegion(e *env) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range e.emu.Calls() {
		if c.Operation != "ValidatePolicy" {
			continue
		}
		if out[c.Region] == nil {
			out[c.Region] = map[string]int{}
		}
		out[c.Region][c.Params["policy"]]++
	}
	return out
}

// A batch over several Regions checks the policy once per Region, not
// once per repository; a security warning shared by all of them is one
// annotation, and in the plan, the summary and the notes output.
func TestPolicyCheckOncePerRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetPolicyFindings([]emulator.PolicyFinding{{Type: emulator.FindingSecurityWarning, IssueCode: "EXTERNAL_PRINCIPAL", Details: "Grants access to an outside account.", Statement: 0}})
	in := map[string]string{"repositories": "svc/a\nsvc/b\nsvc/c", "aws-region": "us-east-1\neu-west-1", "repository-policy": pullPolicy}
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	checks := checksByRegion(e)
	if len(checks) != 2 {
		t.Errorf("checks by Region = %v, want us-east-1 and eu-west-1", checks)
	}
	for region, byPolicy := range checks {
		for policy, n := range byPolicy {
			if len(byPolicy) != 1 || n != 1 {
				t.Errorf("%s: %d calls for policy %s (%d policies), want one", region, n, policy, len(byPolicy))
			}
		}
	}
	warnings := annotations(log, "warning")
	if len(warnings) != 1 || !strings.Contains(warnings[0], "IAM Access Analyzer security warning") || !strings.Contains(warnings[0], "[EXTERNAL_PRINCIPAL]") {
		t.Errorf("warning annotations = %q, want one", warnings)
	}
	if !strings.Contains(e.summary(t), "IAM Access Analyzer security warning") {
		t.Errorf("summary lacks the warning:\n%s", e.summary(t))
	}
	if !strings.Contains(log, "IAM Access Analyzer security warning") {
		t.Errorf("log lacks the warning")
	}
	// A batch's notes are in each repository's result.
	var results map[string]result
	if err := json.Unmarshal([]byte(e.outputs(t)["results"]), &results); err != nil || len(results["svc/b"].Notes) != 1 ||
		results["svc/b"].Notes[0].Level != reconcile.NoteWarning || !strings.Contains(results["svc/b"].Notes[0].Text, "IAM Access Analyzer security warning") {
		t.Errorf("results output %q (%v)", e.outputs(t)["results"], err)
	}
}

// An ERROR finding fails the step before any write, in dry-run too, with
// an error annotation that names repository-policy and the statement;
// fail-on-policy-security-warning does the same for a security warning.
func TestPolicyCheckRefusalFailsTheStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		finding emulator.PolicyFinding
		extra   map[string]string
	}{
		{"error", emulator.PolicyFinding{Type: emulator.FindingError, IssueCode: "INVALID_ACTION", Details: "The action does not exist.", Statement: 0}, nil},
		{"error in dry-run", emulator.PolicyFinding{Type: emulator.FindingError, IssueCode: "INVALID_ACTION", Details: "The action does not exist.", Statement: 0}, map[string]string{"dry-run": "true"}},
		{"security warning set to fail", emulator.PolicyFinding{Type: emulator.FindingSecurityWarning, IssueCode: "EXTERNAL_PRINCIPAL", Details: "Outside.", Statement: 0},
			map[string]string{"fail-on-policy-security-warning": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.emu.SetPolicyFindings([]emulator.PolicyFinding{tc.finding})
			in := map[string]string{"repository": "team/app", "repository-policy": pullPolicy, "tags": "team=x"}
			for k, v := range tc.extra {
				in[k] = v
			}
			log, err := e.run(t, in)
			if err == nil {
				t.Fatalf("the step succeeded:\n%s", log)
			}
			errs := annotations(log, "error")
			if len(errs) != 1 || !strings.Contains(errs[0], "repository-policy: IAM Access Analyzer refused the declared policy") ||
				!strings.Contains(errs[0], "statement 1") || !strings.Contains(errs[0], "["+tc.finding.IssueCode+"]") {
				t.Errorf("error annotations = %q", errs)
			}
			if w := e.emu.Writes(); len(w) != 0 {
				t.Errorf("writes %v", w)
			}
		})
	}
}

// Without the permission the step succeeds with a notice that names it.
func TestPolicyCheckDeniedIsANotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetAllowedActions([]string{"ecr:*", "sts:*"})
	log, err := e.run(t, map[string]string{"repository": "team/app", "repository-policy": pullPolicy})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	notices := strings.Join(annotations(log, "notice"), "\n")
	if !strings.Contains(notices, "not checked: the declared repository policy with IAM Access Analyzer") || !strings.Contains(notices, "Add access-analyzer:ValidatePolicy") {
		t.Errorf("notices lack the denial:\n%s", notices)
	}
	if r, ok := e.emu.Repository("", "team/app"); !ok || r.Policy == "" {
		t.Error("the policy was not written")
	}
}

// The public-principal guard is an input error: nothing is sent.
func TestPublicPolicyRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	everyone := `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:BatchGetImage"}]}`
	log, err := e.run(t, map[string]string{"repository": "team/app", "repository-policy": everyone})
	if err == nil || len(e.emu.Calls()) != 0 {
		t.Fatalf("err = %v, %d calls:\n%s", err, len(e.emu.Calls()), log)
	}
	errs := strings.Join(annotations(log, "error"), "\n")
	if !strings.Contains(errs, "invalid input repository-policy") || !strings.Contains(errs, "aws:PrincipalOrgID") || !strings.Contains(errs, "allow-public-repository-policy: true") {
		t.Errorf("error annotations:\n%s", errs)
	}
	log, err = e.run(t, map[string]string{"repository": "team/app", "repository-policy": everyone, "allow-public-repository-policy": "true"})
	if err != nil {
		t.Fatalf("allowed: %v\n%s", err, log)
	}
}
