package emulator

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
)

// The registry-level reads name no repository: IAM lists no resource type
// for them, so a statement scoped to repositories does not grant them and
// one on "*" does.
func TestRegistryLevelCallsNeedAStatementOnEverything(t *testing.T) {
	t.Parallel()
	actions := []string{"ecr:GetRegistryScanningConfiguration", "ecr:DescribeRepositoryCreationTemplates"}
	for _, tc := range []struct {
		resource string
		denied   bool
	}{
		{"arn:aws:ecr:*:111122223333:repository/*", true},
		{"*", false},
	} {
		f := start(t, Options{})
		f.emu.SetPolicy([]Statement{{Actions: actions, Resources: []string{tc.resource}}})
		c := f.ecr(noRetries)
		_, err1 := c.GetRegistryScanningConfiguration(ctx(t), &ecr.GetRegistryScanningConfigurationInput{})
		_, err2 := c.DescribeRepositoryCreationTemplates(ctx(t), &ecr.DescribeRepositoryCreationTemplatesInput{})
		for i, err := range []error{err1, err2} {
			var ae smithy.APIError
			denied := errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException"
			if denied != tc.denied || (!denied && err != nil) {
				t.Errorf("%s granted on %s: %v", actions[i], tc.resource, err)
			}
		}
	}
}
