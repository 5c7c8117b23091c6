package reconcile

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// documentKind holds what differs between the two policy documents a
// repository has: how they compare and how they are written and removed.
type documentKind struct {
	setting string
	getOp   string // the ECR operation that reads it
	putOp   string // the ECR operation that writes it
	// get returns the current text, nil when there is none.
	get    func(ctx context.Context) (*string, error)
	equal  func(a, b string) (bool, error)
	put    func(ctx context.Context, text string) error
	remove func(ctx context.Context) error
	// retryable says which write errors are expected to clear by themselves.
	retryable func(error) bool
	// gaveUp explains a write that kept failing with a retryable error.
	gaveUp func(attempts int, err error) error
}

func repositoryPolicyKind(r *Reconciler, name string, registry *string) documentKind {
	return documentKind{
		setting: SettingRepositoryPolicy,
		getOp:   "GetRepositoryPolicy",
		putOp:   "SetRepositoryPolicy",
		equal:   policy.RepositoryPoliciesEqual,
		get: func(ctx context.Context) (*string, error) {
			out, err := r.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &name, RegistryId: registry})
			if err != nil {
				return nil, ignoreCode(err, "RepositoryPolicyNotFoundException")
			}
			return out.PolicyText, nil
		},
		put: func(ctx context.Context, text string) error {
			_, err := r.ECR.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &name, RegistryId: registry, PolicyText: &text})
			return err
		},
		remove: func(ctx context.Context) error {
			_, err := r.ECR.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: &name, RegistryId: registry})
			return awsError("DeleteRepositoryPolicy", ignoreCode(err, "RepositoryPolicyNotFoundException"))
		},
		// IAM takes a while to make a new principal visible to ECR, which
		// meanwhile rejects a policy naming it.
		retryable: func(err error) bool {
			return isNotFound(err) || (hasCode(err, "InvalidParameterException") &&
				messageContains(err, "Invalid repository policy provided", "Principal not found"))
		},
		gaveUp: func(attempts int, err error) error {
			if isNotFound(err) {
				return fmt.Errorf("the repository was still not visible after %d attempts: %w", attempts, awsError("SetRepositoryPolicy", err))
			}
			return fmt.Errorf("ECR rejected the repository policy %d times. The likely cause is a principal that does not exist (yet): "+
				"IAM principals must exist before a policy can name them, and a new role can take a minute to become visible. "+
				"Check every ARN in repository-policy: %w", attempts, awsError("SetRepositoryPolicy", err))
		},
	}
}

func lifecyclePolicyKind(r *Reconciler, name string, registry *string) documentKind {
	return documentKind{
		setting: SettingLifecyclePolicy,
		getOp:   "GetLifecyclePolicy",
		putOp:   "PutLifecyclePolicy",
		equal:   policy.LifecyclePoliciesEqual,
		get: func(ctx context.Context) (*string, error) {
			out, err := r.ECR.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: &name, RegistryId: registry})
			if err != nil {
				return nil, ignoreCode(err, "LifecyclePolicyNotFoundException")
			}
			return out.LifecyclePolicyText, nil
		},
		put: func(ctx context.Context, text string) error {
			_, err := r.ECR.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &name, RegistryId: registry, LifecyclePolicyText: &text})
			return err
		},
		remove: func(ctx context.Context) error {
			_, err := r.ECR.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: &name, RegistryId: registry})
			return awsError("DeleteLifecyclePolicy", ignoreCode(err, "LifecyclePolicyNotFoundException"))
		},
		retryable: isNotFound,
		gaveUp: func(attempts int, err error) error {
			return fmt.Errorf("gave up after %d attempts: %w", attempts, awsError("PutLifecyclePolicy", err))
		},
	}
}

// documentStep plans one policy document. cur is the current text (nil: none
// exists) and readErr a failed read, which leaves the setting unreconciled.
func (r *Reconciler) documentStep(k documentKind, want *Document, cur *string, readErr error) step {
	s := step{change: Change{Setting: k.setting, Action: ActionUnchanged}}
	switch {
	case readErr != nil:
		s.change.Action, s.change.Error = ActionFailed, readErr.Error()
	case want.Remove && cur == nil:
		s.change.To = "none"
	case want.Remove:
		s.change.Action, s.change.From, s.change.To = ActionRemove, "present", "none"
		s.change.Diff = policy.Diff(*cur, "")
		s.apply = k.remove
	case cur == nil:
		s.change.Action, s.change.From, s.change.To = ActionCreate, "none", "declared"
		s.change.Diff = policy.Diff("", want.Text)
		s.apply = r.putDocument(k, want.Text)
	default:
		// A current text that cannot be parsed differs from any valid one.
		if eq, err := k.equal(*cur, want.Text); err == nil && eq {
			s.change.To = "declared"
			return s
		}
		s.change.Action, s.change.From, s.change.To = ActionUpdate, "differs", "declared"
		s.change.Diff = policy.Diff(*cur, want.Text)
		s.apply = r.putDocument(k, want.Text)
	}
	return s
}

func (r *Reconciler) putDocument(k documentKind, text string) func(context.Context) error {
	return func(ctx context.Context) error {
		attempts, err := r.backoff().retryWhile(ctx, k.retryable, func() error { return k.put(ctx, text) })
		switch {
		case err == nil:
			return nil
		case k.retryable(err):
			return k.gaveUp(attempts, err)
		}
		return awsError(k.putOp, err)
	}
}

// parallel runs fns concurrently and waits for all of them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Go(f)
	}
	wg.Wait()
}
