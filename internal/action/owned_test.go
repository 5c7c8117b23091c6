package action_test

import (
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const lambdaPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`

const ciPullPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-CrossAccountPull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`

// TestSidPrefixKeepsLambdaStatement runs the action as the runner does:
// dry-run plans the merge, the run keeps Lambda's statement, the summary
// shows the owned diff and the foreign statements kept, and a re-run
// writes nothing.
func TestSidPrefixKeepsLambdaStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "team/fn", Policy: lambdaPolicy})
	in := map[string]string{"repository": "team/fn", "repository-policy": ciPullPolicy, "repository-policy-sid-prefix": "ci-", "dry-run": "true"}

	for _, dry := range []string{"true", "false"} {
		in["dry-run"] = dry
		e.resetFiles(t)
		e.emu.ResetCalls()
		if log, err := e.run(t, in); err != nil {
			t.Fatalf("dry-run %s: %v\n%s", dry, err, log)
		}
		sum := e.summary(t)
		for _, want := range []string{"1 added", "1 foreign statement(s) kept", "ci-CrossAccountPull", "```diff"} {
			if !strings.Contains(sum, want) {
				t.Errorf("dry-run %s: summary lacks %q:\n%s", dry, want, sum)
			}
		}
		if strings.Contains(sum, "lambda.amazonaws.com") {
			t.Errorf("dry-run %s: the summary's diff shows a foreign statement:\n%s", dry, sum)
		}
		writes := len(e.emu.Writes())
		if (dry == "true") != (writes == 0) {
			t.Errorf("dry-run %s: %d writes", dry, writes)
		}
	}
	r, _ := e.emu.Repository("", "team/fn")
	if !strings.Contains(r.Policy, "LambdaECRImageRetrievalPolicy") || !strings.Contains(r.Policy, "ci-CrossAccountPull") {
		t.Fatalf("policy after the run: %s", r.Policy)
	}

	e.rerunWritesNothing(t, in)
	if out := e.outputs(t); out["changed"] != "false" {
		t.Errorf("re-run outputs %v", out)
	}
}
