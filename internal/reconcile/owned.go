package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// ownedPlan is the write diff planned for a repository policy of which
// the action owns only the statements of a Sid prefix.
type ownedPlan struct {
	policy string // merged document to write
	delete bool   // no statement remains: delete the policy
	// attempts is set by the write: how many merge-write-verify rounds it
	// took (more than one when another writer raced it).
	attempts int
}

// ownedMergeBackoff bounds the merge-again rounds after a racing writer
// dropped the owned statements: ECR has no conditional write, so the only
// defence is to read back and merge again. Five rounds with short jittered
// waits outlast any realistic number of jobs sharing one policy.
var ownedMergeBackoff = Backoff{Attempts: 5, Base: 100 * time.Millisecond, Max: time.Second}

// errOwnedOverwritten says the policy read back no longer holds the
// declared owned statements.
var errOwnedOverwritten = errors.New("another writer replaced the repository policy")

// updateOwnedPolicy writes the merged policy, reads it back and, when a
// racing writer (a job owning another prefix, AWS Lambda) replaced it with
// a document merged from an older read, merges the declared statements
// into what it read back and writes again, a bounded number of times.
func (r *Reconciler) updateOwnedPolicy(ctx context.Context, spec Spec, repo Repository, plan *ownedPlan) error {
	prefix, declared := spec.RepositoryPolicySidPrefix, spec.RepositoryPolicy.Text
	if spec.RepositoryPolicy.Remove {
		declared = ""
	}
	b := r.Options.OwnedMerge
	if b == (Backoff{}) {
		b = ownedMergeBackoff
	}
	next := *plan
	attempts, err := b.retryWhile(ctx, func(err error) bool { return errors.Is(err, errOwnedOverwritten) }, func() error {
		var err error
		if next.delete {
			err = r.deleteRepositoryPolicy(ctx, repo)
		} else {
			err = r.setRepositoryPolicy(ctx, repo, next.policy)
		}
		if err != nil {
			return err
		}
		back, err := r.readPolicyBack(ctx, repo)
		if err != nil {
			return err
		}
		ok, err := policy.OwnedStillApplied(back, declared, prefix)
		if err != nil || ok {
			return err
		}
		m, err := policy.MergeOwned(back, declared, prefix)
		if err != nil {
			return err
		}
		next = ownedPlan{policy: m.Policy, delete: m.Delete}
		return errOwnedOverwritten
	})
	plan.attempts = attempts
	if errors.Is(err, errOwnedOverwritten) {
		return fmt.Errorf("the statements with Sid prefix %q were removed again by another writer after each of %d write attempts; "+
			"check which other job or tool writes this repository policy and give each owner its own repository-policy-sid-prefix: %w",
			prefix, attempts, err)
	}
	return err
}

// readPolicyBack reads the repository policy after a write; "" when none
// exists.
func (r *Reconciler) readPolicyBack(ctx context.Context, repo Repository) (string, error) {
	out, err := r.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &repo.Name, RegistryId: optional(repo.RegistryID)})
	switch {
	case is[*types.RepositoryPolicyNotFoundException](err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("reading the repository policy back after writing it: %w", awsError("GetRepositoryPolicy", err))
	case out.PolicyText == nil:
		// Not "no policy" (that is RepositoryPolicyNotFoundException): a
		// merge with nothing would drop the statements others own.
		return "", missing("GetRepositoryPolicy", "policyText")
	}
	return *out.PolicyText, nil
}
