package action_test

import (
	"testing"
)

// TestPolicyGrammarRefusedBeforeAnyCall: a repository policy IAM's grammar
// rejects is refused with an error on repository-policy that names the
// statement, and no call is made. ECR would answer each of these with the
// InvalidParameterException it also gives while a new principal
// propagates, and the step would wait two minutes and blame propagation.
func TestPolicyGrammarRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	policy := func(stmt string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"CrossAccountPull","Effect":"Allow",` + stmt + `}]}`
	}
	for name, tc := range map[string]struct{ policy, also string }{
		"wildcard in principal ARN": {policy(`"Principal":{"AWS":"arn:aws:iam::111122223333:*"},"Action":"ecr:BatchGetImage"`), `statement 1 (Sid "CrossAccountPull")`},
		"group principal":           {policy(`"Principal":{"AWS":"arn:aws:iam::111122223333:group/devs"},"Action":"ecr:BatchGetImage"`), "IAM group"},
		"unknown ecr action":        {policy(`"Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:PullImage"]`), `"ecr:PullImage" is not an ECR action`},
		"action wildcard no match":  {policy(`"Principal":{"AWS":"111122223333"},"Action":"ecr:Pull*"`), `matches no ECR action`},
		"unknown condition":         {policy(`"Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringEqual":{"aws:PrincipalOrgID":"o-abc"}}`), "not an IAM condition operator"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			log, err := e.run(t, map[string]string{"repository": "app", "repository-policy": tc.policy})
			if err == nil {
				t.Fatalf("accepted:\n%s", log)
			}
			wantRefused(t, e, log, tc.also, "repository-policy")
		})
	}
}
