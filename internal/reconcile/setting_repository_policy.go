package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingRepositoryPolicy is the repository policy, whole or, with a Sid
// prefix, only the statements the action owns (limit:
// ecrspec.MaxRepositoryPolicyChars). It is compared by meaning.
const SettingRepositoryPolicy = "repository-policy"

var repositoryPolicy = setting{
	name:    SettingRepositoryPolicy,
	order:   60,
	managed: func(spec Spec) bool { return spec.RepositoryPolicy != nil },
	// allow-public-repository-policy changes how the policy is checked:
	// it is this setting's, and with false, its default, declares nothing.
	inputs:  []inputref.Ref{inputref.RepositoryPolicy, inputref.RepositoryPolicySidPrefix, inputref.AllowPublicRepositoryPolicy},
	declare: declareRepositoryPolicy,
	read: &settingRead{
		op: "GetRepositoryPolicy",
		call: func(r *Reconciler, ctx context.Context, at repoRef) (any, error) {
			return r.getRepositoryPolicy(ctx, at)
		},
		put: func(st *state, text any, err error) {
			st.RepositoryPolicy, _ = text.(*string)
			st.RepositoryPolicyErr = err
		},
	},
	diff: func(spec Spec, st state, partition string) Change {
		if spec.RepositoryPolicySidPrefix != "" {
			return diffOwnedPolicy(*spec.RepositoryPolicy, spec.RepositoryPolicySidPrefix, partition, st.RepositoryPolicy, st.RepositoryPolicyErr, st.Exists)
		}
		return diffDocument(repositoryPolicyDocument(partition), *spec.RepositoryPolicy, st.RepositoryPolicy, st.RepositoryPolicyErr, st.Exists)
	},
	write:    (*Reconciler).updateRepositoryPolicy,
	template: templateRepositoryPolicy,
	private:  true,
	public:   true,
	iam: iamActions{
		reads:  []string{"GetRepositoryPolicy"},
		writes: []string{"SetRepositoryPolicy", "DeleteRepositoryPolicy"},
	},
}

type repositoryPolicySpec struct {
	// RepositoryPolicy is the declared repository policy. Remove means the
	// policy must not exist.
	RepositoryPolicy *Document
	// RepositoryPolicySidPrefix, when set, limits what the action owns of
	// the repository policy to the statements whose Sid starts with it:
	// the other statements (AWS Lambda's, a platform team's) are kept.
	RepositoryPolicySidPrefix string
}

type repositoryPolicyState struct {
	RepositoryPolicy    *string // nil: none exists
	RepositoryPolicyErr error
}

// declareRepositoryPolicy reads the policy, validated for the kind of
// registry, and its Sid prefix, and refuses a policy that makes the
// repository public by accident (policy.CheckPublicPrincipals) unless
// allow-public-repository-policy says it is meant.
func declareRepositoryPolicy(d Declarations, spec *Spec) {
	validate := policy.ValidateRepositoryPolicy
	if d.Public() {
		validate = policy.ValidatePublicRepositoryPolicy
	}
	doc, valid := declareDocument(d, inputref.RepositoryPolicy, validate)
	spec.RepositoryPolicy = doc
	spec.RepositoryPolicySidPrefix, valid = declareSidPrefix(d, doc, valid)
	if d.Flag(inputref.AllowPublicRepositoryPolicy) || doc == nil || doc.Remove || !valid {
		return
	}
	if err := policy.CheckPublicPrincipals(doc.Text, d.Public()); err != nil {
		d.Refuse(inputref.RepositoryPolicy, fmt.Errorf("%w. If the repository is meant to be public, set %v: true", err, inputref.AllowPublicRepositoryPolicy))
	}
}

// declareSidPrefix reads repository-policy-sid-prefix and checks that
// every statement of the declared policy carries a Sid with it: a
// statement without one could never be found again to be replaced or
// removed. valid is the policy's validity, false once that check refuses
// it.
func declareSidPrefix(d Declarations, doc *Document, valid bool) (prefix string, stillValid bool) {
	const input = inputref.RepositoryPolicySidPrefix
	prefix = d.Text(input)
	if prefix == "" {
		return "", valid
	}
	if err := policy.ValidateSidPrefix(prefix); err != nil {
		d.Refuse(input, err)
		return "", valid
	}
	switch {
	case doc == nil && d.Text(inputref.RepositoryPolicy) == "":
		d.Refuse(input, fmt.Errorf("is set but %[1]v is not; declare the owned statements in %[1]v (or none to remove them), or remove %[2]v", inputref.RepositoryPolicy, input))
	case doc != nil && !doc.Remove:
		if err := policy.ValidateOwnedStatements(doc.Text, prefix); err != nil {
			d.Refuse(inputref.RepositoryPolicy, err)
			valid = false
		}
	}
	return prefix, valid
}

// repositoryPolicyDocument compares repository policies in partition, where
// ECR stores an account ID as that partition's root ARN.
func repositoryPolicyDocument(partition string) document {
	return document{SettingRepositoryPolicy, func(a, b string) (bool, error) {
		return policy.RepositoryPoliciesEqual(a, b, partition)
	}}
}

// templateRepositoryPolicy compares a creation template's policy with the
// declared one in partition: with a Sid prefix only the owned statements.
func templateRepositoryPolicy(spec Spec, t registry.Template, partition string) (*templateDiff, error) {
	same := orNone(repositoryPolicyDocument(partition).equal)
	if prefix := spec.RepositoryPolicySidPrefix; prefix != "" {
		same = func(tmpl, declared string) (bool, error) {
			c, err := policy.CompareOwned(tmpl, declared, prefix, partition)
			return c.Equal, err
		}
	}
	return templateDocument(inputref.RepositoryPolicy, "repository policy", t, t.RepositoryPolicy, *spec.RepositoryPolicy, same)
}

// getRepositoryPolicy reads the repository policy; nil when none exists.
func (r *Reconciler) getRepositoryPolicy(ctx context.Context, at repoRef) (*string, error) {
	return r.ECR.GetRepositoryPolicy(ctx, at.ref())
}

// diffOwnedPolicy plans a repository policy of which the action owns only
// the statements whose Sid starts with prefix: the declared ones are merged
// into the current policy and every other statement is kept in place.
// Only the owned statements are compared, by meaning in partition.
func diffOwnedPolicy(want Document, prefix, partition string, cur *string, readErr error, exists bool) Change {
	c := Change{Setting: SettingRepositoryPolicy, Action: ActionUnchanged}
	if readErr != nil && exists {
		c.Action, c.Error = ActionFailed, readErr.Error()
		return c
	}
	current, declared := "", want.declared()
	if cur != nil {
		current = *cur
	}
	m, err := policy.MergeOwned(current, declared, prefix, partition)
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
	return r.whileInvisible(ctx, "DeleteRepositoryPolicy", func() error {
		return r.ECR.DeleteRepositoryPolicy(ctx, refOf(repo))
	})
}

func (r *Reconciler) setRepositoryPolicy(ctx context.Context, repo Repository, text string) error {
	return r.whilePrincipalsPropagate(ctx, text, func() error { return r.putRepositoryPolicy(ctx, repo, text) })
}

// putRepositoryPolicy is one SetRepositoryPolicy, waiting while a new
// repository is not visible yet.
func (r *Reconciler) putRepositoryPolicy(ctx context.Context, repo Repository, text string) error {
	return r.whileInvisible(ctx, "SetRepositoryPolicy", func() error {
		return r.ECR.SetRepositoryPolicy(ctx, refOf(repo), text)
	})
}

// whilePrincipalsPropagate repeats write while ECR refuses the policy as it
// does one naming a principal IAM has not made visible yet (a new role can
// take a minute or two). When the wait runs out, the error names the
// principals of declared, the policy text as declared.
func (r *Reconciler) whilePrincipalsPropagate(ctx context.Context, declared string, write func() error) error {
	attempts, err := r.propagation().retryWhile(ctx, isPrincipalPending, write)
	if isPrincipalPending(err) {
		// ECR answers a policy it cannot accept as it answers one naming a
		// principal IAM has not made visible yet; the grammar was checked
		// before any call, so name what ECR has to resolve.
		principals := "every principal ARN in it"
		if p := policy.PrincipalsToResolve(declared); len(p) > 0 {
			principals = strings.Join(p, "; ")
		}
		return fmt.Errorf("ECR rejected the repository policy %d times. The likely cause is a principal that does not exist (yet): "+
			"IAM principals must exist before a policy can name them, and a new role can take a minute or two to become visible. "+
			"ECR gives the same answer for a policy it cannot accept, so the policy may also be invalid in a way only ECR checks. "+
			"Check that these principals exist: %s: %w", attempts, principals, err)
	}
	return err
}

// isPrincipalPending matches the refusal of a repository policy that names
// a principal IAM has not made visible yet (the adapter classifies it).
func isPrincipalPending(err error) bool { return errors.Is(err, ErrPrincipalPending) }

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
	// races are the races the write found (and repaired), for the notes.
	races []string
}

// report says how many write attempts the owned statements took.
func (o *ownedPlan) report(c *Change) {
	if c.Action != ActionFailed {
		c.To += fmt.Sprintf("; read back and verified after %d write attempt(s)", o.attempts)
	}
}

// notes are the races the write found and repaired.
func (o *ownedPlan) notes(setting string) []Note {
	var notes []Note
	for _, race := range o.races {
		notes = append(notes, Note{Setting: setting, Level: NoteWarning, Text: "race detected and repaired: " + race})
	}
	return notes
}

// ownedMergeBackoff bounds the merge-again rounds after a racing writer
// dropped the owned statements: ECR has no conditional write, so the only
// defence is to read back and merge again. Five rounds with short jittered
// waits outlast any realistic number of jobs sharing one policy.
var ownedMergeBackoff = backoff{Attempts: 5, Base: 100 * time.Millisecond, Max: time.Second}

// ownedSettle is how long a write of a shared policy waits before it reads
// the policy back: 3 s plus up to 2 s of jitter. A racing job that read the
// policy before this write lands its own write one GetRepositoryPolicy and
// one SetRepositoryPolicy later (each well under a second unless throttled,
// and both made right after each other because the merge happens right
// before the write), so after the wait its write, if it dropped this job's
// statements, is visible and is repaired. The jitter keeps two jobs that
// wrote at the same moment from reading back in lock step. The wait is
// spent only when something is written; a run with nothing to change
// neither writes nor waits.
const (
	ownedSettle       = 3 * time.Second
	ownedSettleJitter = 2 * time.Second
)

// errOwnedOverwritten says the policy read back no longer holds the
// declared owned statements.
var errOwnedOverwritten = errors.New("another writer replaced the repository policy")

// settle waits before the read-back of a shared policy (Options.ownedSettle
// replaces the wait). It never waits past half the time left before the
// context's deadline: a verification cut short by the deadline would
// report nothing.
func (r *Reconciler) settle(ctx context.Context) error {
	if r.Options.ownedSettle != nil {
		return r.Options.ownedSettle(ctx)
	}
	d := ownedSettle + time.Duration(rand.Int64N(int64(ownedSettleJitter)))
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/2)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// updateOwnedPolicy writes a policy shared by Sid prefix so that a racing
// writer (a job owning another prefix, AWS Lambda) cannot silently remove
// this job's statements. ECR has no conditional write, so it shrinks the
// window and checks what remains: it reads the policy again right before
// each write and merges the declared statements into that, writes, waits
// for the settle delay so that a writer that read before this write has
// landed its own, and reads back. When the owned statements are gone it
// merges them into what it read and writes again, a bounded number of
// times; when they are still gone at the end it fails. Each race found is
// kept in plan.races for the log and the result's notes.
func (r *Reconciler) updateOwnedPolicy(ctx context.Context, spec Spec, repo Repository, plan *ownedPlan) error {
	prefix, declared := spec.RepositoryPolicySidPrefix, spec.RepositoryPolicy.declared()
	b := r.Options.ownedMerge
	if b == (backoff{}) {
		b = ownedMergeBackoff
	}
	attempts, err := b.retryWhile(ctx, func(err error) bool { return errors.Is(err, errOwnedOverwritten) }, func() error {
		// Each write, a retry while a new principal propagates included,
		// is merged into a read made right before it.
		var current string
		changed := true
		err := r.whilePrincipalsPropagate(ctx, declared, func() error {
			var err error
			if current, err = r.readPolicyBack(ctx, repo, "before writing it"); err != nil {
				return err
			}
			m, err := policy.MergeOwned(current, declared, prefix, r.partition())
			if err != nil {
				return err
			}
			if changed = m.Changed; !changed {
				return nil
			}
			if m.Delete {
				return r.deleteRepositoryPolicy(ctx, repo)
			}
			return r.putRepositoryPolicy(ctx, repo, m.Policy)
		})
		if err != nil || !changed {
			// Unchanged: someone else's write (or a racer repairing its
			// own statements) already carries the declared ones.
			return err
		}
		if err := r.settle(ctx); err != nil {
			return fmt.Errorf("waiting to read the repository policy back: %w", err)
		}
		back, err := r.readPolicyBack(ctx, repo, "after writing it")
		if err != nil {
			return err
		}
		ok, err := policy.OwnedStillApplied(back, declared, prefix, r.partition())
		if err != nil {
			return err
		}
		if !ok {
			plan.races = append(plan.races, fmt.Sprintf("another writer replaced the repository policy after this job's write and dropped or changed the statements with Sid prefix %q; merged them again", prefix))
			return errOwnedOverwritten
		}
		if appeared := policy.ForeignAdded(current, back, prefix, r.partition()); len(appeared) > 0 {
			plan.races = append(plan.races, fmt.Sprintf("another writer changed the repository policy while this job wrote it (statement(s) %s of other owners appeared after this job's read, so this job's write may have dropped them until their owner restored them); this job's statements are in place",
				strings.Join(appeared, ", ")))
		}
		return nil
	})
	plan.attempts = attempts
	if errors.Is(err, errOwnedOverwritten) {
		return fmt.Errorf("the statements with Sid prefix %q were removed again by another writer after each of %d write attempts, and are missing now; "+
			"check which other job or tool writes this repository policy and give each owner its own %v: %w",
			prefix, attempts, inputref.RepositoryPolicySidPrefix, err)
	}
	return err
}

// readPolicyBack reads the repository policy around a write (when says
// which side); "" when none exists.
func (r *Reconciler) readPolicyBack(ctx context.Context, repo Repository, when string) (string, error) {
	text, err := r.ECR.GetRepositoryPolicy(ctx, refOf(repo))
	switch {
	case isAnswerError(err):
		// Not "no policy": a merge with nothing would drop the statements
		// others own.
		return "", err
	case err != nil:
		return "", fmt.Errorf("reading the repository policy %s: %w", when, awsError("GetRepositoryPolicy", err))
	case text == nil:
		return "", nil
	}
	return *text, nil
}
