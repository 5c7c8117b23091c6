package inputs

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Several invalid setting inputs are reported in the order action.yml (and
// the README's reference) lists them, as before the settings parsed their
// own inputs: the order is what a user reads top to bottom when fixing a
// workflow.
func TestSettingInputErrorsComeInActionYMLOrder(t *testing.T) {
	t.Parallel()
	_, err := Load(fakeSource{
		"repository": "app", "aws-region": "us-east-1",
		"repository-policy": "{bad", "allow-public-repository-policy": "maybe", "fail-on-policy-security-warning": "maybe",
		"lifecycle-policy": "{bad", "tags": "x", "image-tag-mutability": "foo", "scan-on-push": "maybe", "encryption-type": "sse",
	}, t.TempDir())
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
	if len(got) != 8 || !slices.Equal(got, want) {
		t.Errorf("errors on\n%v, want action.yml's order\n%v", got, want)
	}
}
