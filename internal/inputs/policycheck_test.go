package inputs

import (
	"errors"
	"strings"
	"testing"
)

// A policy that makes the repository public by accident is refused on
// repository-policy before any call, with the fix; the explicit input lets
// it through.
func TestPublicRepositoryPolicyNeedsTheExplicitInput(t *testing.T) {
	t.Parallel()
	everyone := `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}`
	publicPush := `{"Version":"2012-10-17","Statement":[{"Sid":"Push","Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr-public:PutImage"}]}`
	for _, tc := range []struct {
		name string
		in   fakeSource
	}{
		{"private", fakeSource{"repository": "app", "aws-region": "us-east-1", "repository-policy": everyone}},
		{"ECR Public push", fakeSource{"repository": "app", "public": "true", "repository-policy": publicPush}},
	} {
		_, err := Load(tc.in, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Input != "repository-policy" ||
			!strings.Contains(errs[0].Error(), `"aws:PrincipalOrgID": "o-xxxxxxxxxx"`) || !strings.Contains(errs[0].Error(), "allow-public-repository-policy: true") {
			t.Errorf("%s: err = %v, want one error on repository-policy with the fix", tc.name, err)
		}
		tc.in["allow-public-repository-policy"] = "true"
		if _, err := Load(tc.in, t.TempDir()); err != nil {
			t.Errorf("%s allowed: %v", tc.name, err)
		}
	}
}

func TestFailOnPolicySecurityWarning(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"": false, "false": false, "true": true} {
		in := fakeSource{"repository": "app", "aws-region": "us-east-1"}
		if v != "" {
			in["fail-on-policy-security-warning"] = v
		}
		c, err := Load(in, t.TempDir())
		if err != nil || c.FailOnPolicySecurityWarning != want {
			t.Errorf("%q: %v, %v", v, c, err)
		}
	}
	_, err := Load(fakeSource{"repository": "app", "aws-region": "us-east-1", "fail-on-policy-security-warning": "maybe"}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "fail-on-policy-security-warning") {
		t.Errorf("bad value: %v", err)
	}
}
