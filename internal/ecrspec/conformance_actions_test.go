package ecrspec_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// TestActionsMatchTheModel ties ECR's IAM actions, which the policy
// validator and the emulator check ecr: actions against, to the model:
// every operation of the model is an action, and the other actions are
// the permission-only ones, which the model must not have. The validator
// and the emulator (over HTTP through the real SDK) accept each action and
// refuse a name ECR does not have.
func TestActionsMatchTheModel(t *testing.T) {
	t.Parallel()
	serviceModel(t)
	m, _ := loadModel()
	if ops := slices.Sorted(slices.Values(ecrspec.Operations)); !slices.Equal(m.operations, ops) {
		t.Errorf("the model's operations are %q, the project's %q", m.operations, ops)
	}
	for _, a := range ecrspec.PermissionOnlyActions {
		if slices.Contains(m.operations, a) {
			t.Errorf("%s is an operation of the model now: move it from PermissionOnlyActions to Operations", a)
		}
	}
	if len(ecrspec.Actions) != len(ecrspec.Operations)+len(ecrspec.PermissionOnlyActions) {
		t.Errorf("Actions has %d names, want the %d operations and %d permission-only actions", len(ecrspec.Actions), len(ecrspec.Operations), len(ecrspec.PermissionOnlyActions))
	}

	c := client(t)
	ctx := context.Background()
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("actions")}); err != nil {
		t.Fatal(err)
	}
	grant := func(action string) (product, emu error) {
		text := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"` + action + `"}]}`
		_, emu = c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("actions"), PolicyText: aws.String(text)})
		return policy.ValidateRepositoryPolicy(text), emu
	}
	for _, a := range ecrspec.Actions {
		if p, e := grant("ecr:" + a); p != nil || e != nil {
			t.Errorf("ecr:%s: validator %v, emulator %v", a, p, e)
		}
	}
	for _, a := range []string{"ecr:PullImage", "ecr:Describe*Foo", "ecr:GetImage"} {
		p, e := grant(a)
		var invalid *types.InvalidParameterException
		if p == nil || !errors.As(e, &invalid) {
			t.Errorf("%s: validator %v, emulator %v; want both to refuse it", a, p, e)
		}
	}
}
