package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
)

// TestRegistryChecksPolicyIsExactlyEnough ties docs/iam/registry-checks-policy.json
// to the calls the lifecycle preview and the registry checks make: with
// exactly its actions allowed every call passes access control, without any
// one of them that call is denied, and the calls that name no repository
// are the ones granted on "*".
func TestRegistryChecksPolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../docs/iam/registry-checks-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var actions []string
	resource := map[string]string{}
	for _, s := range doc.Statement {
		if !strings.HasPrefix(s.Action[0], "ecr:") {
			// The policy check's statement (access-analyzer:ValidatePolicy):
			// internal/reconcile/reliability_policycheck_iam_test.go proves it.
			continue
		}
		for _, a := range s.Action {
			op := strings.TrimPrefix(a, "ecr:")
			if _, served := ecrOps[op]; !served {
				t.Errorf("%s is documented but the emulator does not serve %s", a, op)
			}
			if (Call{Service: "ecr", Operation: op}).IsWrite() {
				t.Errorf("%s is a write; the checks only read", a)
			}
			resource[a] = s.Resource
		}
		actions = append(actions, s.Action...)
	}

	policy := lifecycle(rule(1, `"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1`, expire))
	calls := []func(context.Context, *ecr.Client) error{
		func(ctx context.Context, c *ecr.Client) error {
			_, err := c.StartLifecyclePolicyPreview(ctx, &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(policy)})
			return err
		},
		func(ctx context.Context, c *ecr.Client) error {
			_, err := c.GetLifecyclePolicyPreview(ctx, &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")})
			return err
		},
		func(ctx context.Context, c *ecr.Client) error {
			_, err := c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
			return err
		},
		func(ctx context.Context, c *ecr.Client) error {
			_, err := c.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{})
			return err
		},
	}
	run := func(allowed []string) error {
		f := start(t, Options{})
		f.emu.PutRepository(Repository{Name: "app"})
		f.emu.SetAllowedActions(allowed)
		c := f.ecr(noRetries)
		for _, call := range calls {
			if err := call(ctx(t), c); err != nil {
				return err
			}
		}
		used := map[string]bool{}
		for _, call := range f.emu.Calls() {
			a := "ecr:" + call.Operation
			used[a] = true
			// A call that names no repository is registry-level: IAM
			// grants it on "*" only.
			if want := map[bool]string{true: "*", false: "arn:aws:ecr:*:111122223333:repository/*"}[call.Repository == ""]; resource[a] != want {
				t.Errorf("%s is granted on %q, want %q", a, resource[a], want)
			}
		}
		for _, a := range allowed {
			if !used[a] {
				t.Errorf("%s is documented but never used", a)
			}
		}
		return nil
	}
	if err := run(actions); err != nil {
		t.Fatalf("the documented policy is not enough: %v", err)
	}
	for _, missing := range actions {
		err := run(slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == missing }))
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.Contains(ae.ErrorMessage(), missing+" ") {
			t.Errorf("without %s: %v", missing, err)
		}
	}
}
