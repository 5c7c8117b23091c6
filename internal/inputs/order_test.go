package inputs

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Several invalid inputs are reported in the order action.yml (and the
// README's reference) lists them, whichever part of the loader or which
// setting finds them: the order is what a user reads top to bottom when
// fixing a workflow.
func TestInputErrorsComeInActionYMLOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		inputs fakeSource
		want   int // errors
	}{
		{"the settings' inputs", fakeSource{
			"repository": "app", "aws-region": "us-east-1",
			"repository-policy": "{bad", "allow-public-repository-policy": "maybe", "fail-on-policy-security-warning": "maybe",
			"lifecycle-policy": "{bad", "tags": "x", "image-tag-mutability": "foo", "scan-on-push": "maybe", "encryption-type": "sse",
		}, 8},
		// The catalog's errors are found as the settings are declared, the
		// refusals of ECR Public after them.
		{"public: true", fakeSource{
			"repository": "app", "public": "true", "aws-region": "eu-west-1,us-east-1", "registry-id": "123456789012",
			"lifecycle-policy": "none", "catalog-architectures": "sparc", "timeout-seconds": "0",
		}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tc.inputs, t.TempDir())
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want input errors", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Input)
			}
			var want []string
			for _, in := range testsupport.Action(t).Inputs {
				if slices.Contains(got, in.Name) {
					want = append(want, in.Name)
				}
			}
			if len(got) != tc.want || !slices.Equal(got, want) {
				t.Errorf("errors on\n%v, want action.yml's order\n%v", got, want)
			}
		})
	}
}
