package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingRepositoryPolicy is the repository policy, whole or, with a Sid
// prefix, only the statements the action owns (limit:
// ecrspec.MaxRepositoryPolicyChars). It is compared by meaning.
const SettingRepositoryPolicy = "repository-policy"

var repositoryPolicy = setting{
	name:    SettingRepositoryPolicy,
	managed: func(spec Spec) bool { return spec.RepositoryPolicy != nil },
	read: &settingRead{
		op: "GetRepositoryPolicy",
		call: func(r *Reconciler, ctx context.Context, at repoRef) (func(*State, error), error) {
			text, err := r.getRepositoryPolicy(ctx, at)
			return func(st *State, err error) { st.RepositoryPolicy, st.RepositoryPolicyErr = text, err }, err
		},
	},
	diff: func(spec Spec, st State) Change {
		if spec.RepositoryPolicySidPrefix != "" {
			return diffOwnedPolicy(*spec.RepositoryPolicy, spec.RepositoryPolicySidPrefix, st.RepositoryPolicy, st.RepositoryPolicyErr, st.Exists)
		}
		return diffDocument(repositoryPolicyDocument, *spec.RepositoryPolicy, st.RepositoryPolicy, st.RepositoryPolicyErr, st.Exists)
	},
	write: (*Reconciler).updateRepositoryPolicy,
	template: func(spec Spec, d *registry.Declared) {
		d.RepositoryPolicy, d.SidPrefix = documentText(spec.RepositoryPolicy), spec.RepositoryPolicySidPrefix
	},
	private: true,
	public:  true,
	iam: iamActions{
		reads:  []string{"GetRepositoryPolicy"},
		writes: []string{"SetRepositoryPolicy", "DeleteRepositoryPolicy"},
	},
}

var repositoryPolicyDocument = document{SettingRepositoryPolicy, policy.RepositoryPoliciesEqual}

// getRepositoryPolicy reads the repository policy; nil when none exists.
func (r *Reconciler) getRepositoryPolicy(ctx context.Context, at repoRef) (*string, error) {
	out, err := r.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &at.name, RegistryId: optional(at.registryID)})
	switch {
	case is[*types.RepositoryPolicyNotFoundException](err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return out.PolicyText, nil
}

// diffOwnedPolicy plans a repository policy of which the action owns only
// the statements whose Sid starts with prefix: the declared ones are merged
// into the current policy and every other statement is kept in place.
// Only the owned statements are compared, by meaning.
func diffOwnedPolicy(want Document, prefix string, cur *string, readErr error, exists bool) Change {
	c := Change{Setting: SettingRepositoryPolicy, Action: ActionUnchanged}
	if readErr != nil && exists {
		c.Action, c.Error = ActionFailed, readErr.Error()
		return c
	}
	current, declared := "", want.Text
	if cur != nil {
		current = *cur
	}
	if want.Remove {
		declared = ""
	}
	m, err := policy.MergeOwned(current, declared, prefix)
	if err != nil {
		c.Action, c.Error = ActionFailed, err.Error()
		return c
	}
	c.To = ownedSummary("declared", prefix, m)
	switch {
	case !m.Changed:
		return c
	case m.Delete:
		c.Action, c.To = ActionRemove, "none (no statement remains)"
	case cur == nil:
		c.Action = ActionCreate
	default:
		c.Action = ActionUpdate
	}
	c.From = "present"
	if cur == nil {
		c.From = "none"
	}
	c.Diff = m.Diff
	c.plan = &ownedPlan{policy: m.Policy, delete: m.Delete}
	return c
}

// ownedSummary says in one line what happens to the owned statements and
// how many statements of other owners are kept.
func ownedSummary(head, prefix string, m policy.OwnedMerge) string {
	var parts []string
	if head != "" {
		parts = append(parts, head)
	}
	parts = append(parts, fmt.Sprintf("statements with Sid prefix %q: %d added, %d replaced, %d removed, %d unchanged",
		prefix, len(m.Added), len(m.Replaced), len(m.Removed), len(m.Unchanged)))
	parts = append(parts, fmt.Sprintf("%d foreign statement(s) kept", m.ForeignKept))
	return strings.Join(parts, "; ")
}

func (r *Reconciler) updateRepositoryPolicy(ctx context.Context, spec Spec, repo Repository, c Change) error {
	if o := planOf[*ownedPlan](c); o != nil {
		return r.updateOwnedPolicy(ctx, spec, repo, o)
	}
	if c.Action == ActionRemove {
		return r.deleteRepositoryPolicy(ctx, repo)
	}
	return r.setRepositoryPolicy(ctx, repo, spec.RepositoryPolicy.Text)
}

func (r *Reconciler) deleteRepositoryPolicy(ctx context.Context, repo Repository) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	return r.whileInvisible(ctx, "DeleteRepositoryPolicy", func() error {
		_, err := r.ECR.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: name, RegistryId: registry})
		if is[*types.RepositoryPolicyNotFoundException](err) {
			return nil
		}
		return err
	})
}

func (r *Reconciler) setRepositoryPolicy(ctx context.Context, repo Repository, text string) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	// IAM takes a while to make a new principal visible to ECR, which
	// meanwhile rejects a policy naming it.
	attempts, err := r.propagation().retryWhile(ctx, isPrincipalPending, func() error {
		return r.whileInvisible(ctx, "SetRepositoryPolicy", func() error {
			_, err := r.ECR.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: name, RegistryId: registry, PolicyText: &text})
			return err
		})
	})
	if isPrincipalPending(err) {
		return fmt.Errorf("ECR rejected the repository policy %d times. The likely cause is a principal that does not exist (yet): "+
			"IAM principals must exist before a policy can name them, and a new role can take a minute or two to become visible. "+
			"Check every ARN in repository-policy: %w", attempts, err)
	}
	return err
}

// isPrincipalPending matches ECR's refusal of a repository policy that names
// a principal IAM has not made visible yet. ECR has answered it in two forms
// over time; both are InvalidParameterException.
func isPrincipalPending(err error) bool {
	var e *types.InvalidParameterException
	if !errors.As(err, &e) {
		return false
	}
	msg := e.ErrorMessage()
	return strings.Contains(msg, "Invalid repository policy provided") || strings.Contains(msg, "Principal not found")
}

// The policy owned by Sid prefix: merged into the current policy, written,
// read back and merged again when a racing writer replaced it.

// ownedPlan is the write diff planned for a repository policy of which
// the action owns only the statements of a Sid prefix.
type ownedPlan struct {
	policy string // merged document to write
	delete bool   // no statement remains: delete the policy
	// attempts is set by the write: how many merge-write-verify rounds it
	// took (more than one when another writer raced it).
	attempts int
}

// report says how many write attempts the owned statements took.
func (o *ownedPlan) report(c *Change) {
	if c.Action != ActionFailed {
		c.To += fmt.Sprintf("; read back and verified after %d write attempt(s)", o.attempts)
	}
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
		return "", nil
	}
	return *out.PolicyText, nil
}
