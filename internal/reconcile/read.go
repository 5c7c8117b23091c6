package reconcile

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// current is what was read of the managed settings that DescribeRepositories
// does not return. A nil pointer means "none exists"; an error means the
// read failed and the setting cannot be reconciled this run.
type current struct {
	policy, lifecycle       *string
	tags                    map[string]string
	policyErr, lifecycleErr error
	tagsErr                 error
}

func tagsManaged(spec Spec) bool { return spec.Tags != nil || spec.PruneTags }

// read fetches the managed settings in parallel: one round trip whatever is
// managed. Unmanaged settings are never read.
func (r *Reconciler) read(ctx context.Context, spec Spec, repo Repository) current {
	var cur current
	var wg sync.WaitGroup
	registry := optional(repo.RegistryID)
	readDocument := func(k documentKind, text **string, errp *error) {
		wg.Go(func() {
			*errp = r.consistentRead(ctx, k.getOp, func() (err error) {
				*text, err = k.get(ctx)
				return err
			})
		})
	}
	if spec.RepositoryPolicy != nil {
		readDocument(repositoryPolicyKind(r, repo.Name, registry), &cur.policy, &cur.policyErr)
	}
	if spec.LifecyclePolicy != nil {
		readDocument(lifecyclePolicyKind(r, repo.Name, registry), &cur.lifecycle, &cur.lifecycleErr)
	}
	if tagsManaged(spec) {
		wg.Go(func() {
			cur.tagsErr = r.consistentRead(ctx, "ListTagsForResource", func() error {
				out, err := r.ECR.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: &repo.ARN})
				if err != nil {
					return err
				}
				cur.tags = make(map[string]string, len(out.Tags))
				for _, t := range out.Tags {
					cur.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				return nil
			})
		})
	}
	wg.Wait()
	return cur
}

// consistentRead retries a read that says the repository does not exist:
// right after a creation (ours or a racing job's) reads can lag behind.
func (r *Reconciler) consistentRead(ctx context.Context, op string, fn func() error) error {
	_, err := r.backoff().retryWhile(ctx, isNotFound, fn)
	return awsError(op, err)
}
