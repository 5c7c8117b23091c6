package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// Options tune a Reconciler.
type Options struct {
	// DryRun reads and diffs without any write call.
	DryRun bool
	// Region is used to compute ARNs and URIs before ECR returns them.
	Region string
	// Account is the caller's account when it is already known (the
	// account of an assumed role), "" otherwise. With Spec.RegistryID it
	// lets the tags read go out together with DescribeRepositories.
	Account string
	// consistency bounds the waits for a repository to become visible
	// after creation; zero value means the default (about 35 s).
	// propagation bounds the waits for IAM to make a new principal visible
	// to repository policies; zero value means the default (2 minutes).
	// Neither wait runs past the context's deadline. Only tests change
	// them (export_test.go), so that they never sleep.
	consistency, propagation backoff
	// ownedMerge bounds the merge-again rounds when racing writers replace
	// a repository policy owned by Sid prefix; zero value means the
	// default (5 attempts). Only tests change it (export_test.go).
	ownedMerge backoff
	// ownedSettle, when set, replaces the wait between writing a policy
	// shared by Sid prefix and reading it back (a few seconds, so that a
	// racing writer's write is seen; setting_repository_policy.go). Tests
	// set it (export_test.go) so that they never sleep.
	ownedSettle func(context.Context) error
	// Preview says when the lifecycle policy preview runs (setting_lifecycle_policy_preview.go);
	// the zero value never runs it.
	Preview PreviewMode
	// previewPoll is the preview's polling schedule, its Within the
	// preview's time budget; zero value means the default (polls at 1, 2,
	// 4, then every 5 s, for at most 100 s, ECR's own waiter). The budget
	// is also capped at half the time left before the context's deadline.
	// Only tests change it (export_test.go).
	previewPoll backoff
	// AccountID resolves the caller's account for the URI of a repository
	// that does not exist yet in dry-run, when Account is "". Optional.
	AccountID func(context.Context) (string, error)
	// Slots, when set, bounds a batch instead of its concurrency argument:
	// Reconcilers of several Regions share one, so that max-concurrency
	// bounds the step as a whole. Its capacity is the bound.
	Slots chan struct{}
	// Analyzer, when set, is IAM Access Analyzer in the repository's
	// Region: the declared repository policy is checked with it before a
	// run writes the policy (setting_repository_policy_check.go).
	Analyzer PolicyAnalyzer
	// PolicyCheckWithin bounds that check, its one retry included; zero
	// value means the default (5 s).
	PolicyCheckWithin time.Duration
	// FailOnPolicySecurityWarning makes a SECURITY_WARNING finding refuse
	// the policy as an ERROR does; otherwise it is a warning.
	FailOnPolicySecurityWarning bool
}

// Reconciler reconciles repositories through an ECR client.
type Reconciler struct {
	ECR     ECR
	Options Options
}

func (r *Reconciler) visibility() backoff {
	if r.Options.consistency == (backoff{}) {
		return visibilityBackoff
	}
	return r.Options.consistency
}

// partition is the ID of the partition of the Reconciler's Region
// ("aws" when no Region is set).
func (r *Reconciler) partition() string { return regions.Of(r.Options.Region).ID }

func (r *Reconciler) propagation() backoff {
	if r.Options.propagation == (backoff{}) {
		return propagationBackoff
	}
	return r.Options.propagation
}

// Reconcile makes the repository exist and brings every managed setting to
// its declared value: read, diff, apply (dry-run stops after diff). A
// *SettingsError means the repository exists and is usable but some
// settings could not be written; any other error is fatal.
func (r *Reconciler) Reconcile(ctx context.Context, spec Spec) (*Result, error) {
	var res *Result
	err := safely(func() error {
		var err error
		res, err = r.reconcile(ctx, spec)
		return err
	})
	var p *panicError
	if errors.As(err, &p) {
		return nil, err
	}
	return res, err
}

func (r *Reconciler) reconcile(ctx context.Context, spec Spec) (*Result, error) {
	registry := r.startRegistry(ctx, spec)
	check, cancel := r.startPolicyCheck(ctx, spec)
	defer cancel()
	st, err := r.read(ctx, spec)
	st.Registry = registry()
	st.policyCheck = check
	if err != nil {
		return nil, err
	}
	return r.converge(ctx, spec, st)
}

// converge is what follows the read, in single and batch mode alike:
// diff, preview, apply. The preview runs before any write, so that what a
// lifecycle policy would expire is shown even when its write fails.
func (r *Reconciler) converge(ctx context.Context, spec Spec, st state) (*Result, error) {
	changes := diff(spec, st, r.partition())
	// The policy check's verdict comes before anything is written.
	checked, err := r.policyCheckNotes(spec, st, changes)
	if err != nil {
		return nil, err
	}
	notes := append(checked, r.preview(ctx, spec, st, changes)...)
	if r.Options.DryRun {
		switch {
		case !st.Exists && spec.Absent:
			st.Repository = Repository{Name: spec.Name}
		case !st.Exists:
			var err error
			if st.Repository, err = r.plannedRepository(ctx, spec); err != nil {
				return nil, err
			}
		}
		res := &Result{Repository: st.Repository, Created: !st.Exists && !spec.Absent, Deleted: deletes(changes), DryRun: true, Changes: changes,
			Notes: append(registryNotes(spec, st, r.partition(), !st.Exists && !spec.Absent, true), notes...)}
		return res, failure(changes)
	}
	res, err := r.apply(ctx, spec, st, changes)
	if err != nil {
		return nil, err
	}
	res.Notes = append(append(registryNotes(spec, st, r.partition(), res.Created, false), notes...), res.Notes...)
	return res, failure(res.Changes)
}

// read returns the repository and every managed setting as ECR has them,
// in one round trip when it can: the policy reads take the name, and the
// tags read takes an ARN that is known in advance when the registry account
// is. Unmanaged settings are never read. A repository that does not exist
// is a state with Exists false, not an error.
func (r *Reconciler) read(ctx context.Context, spec Spec) (state, error) {
	arn := r.knownARN(spec)
	want := r.wanted(spec)
	early := slices.Clone(want)
	for i, s := range allSettings {
		early[i] = early[i] && (!s.read.byARN || arn != "")
	}
	var first []answer
	var wg sync.WaitGroup
	wg.Go(func() {
		first = r.readSettings(ctx, repoRef{name: spec.Name, registryID: spec.RegistryID, arn: arn}, early, false)
	})
	st, err := r.describe(ctx, spec)
	wg.Wait()
	if err != nil || !st.Exists {
		// Whatever the early reads answered about a missing repository
		// (not found, or even access denied) is of no use.
		return st, err
	}
	// The repository exists: a read that said otherwise lagged behind it.
	// A read by ARN is made now if its ARN was not known in advance.
	again := make(selection, len(allSettings))
	for i, s := range allSettings {
		again[i] = want[i] && (!early[i] || isNotFound(first[i].err) || (s.read.byARN && arn != st.Repository.ARN))
	}
	late := r.readSettings(ctx, repoRef{name: spec.Name, registryID: st.Repository.RegistryID, arn: st.Repository.ARN}, again, true)
	st.merge(first, early, late, again)
	return st, nil
}

// diff compares the declared spec with the state read and returns one
// change per managed setting, in the order of allSettings. It is pure:
// creation is a diff against a state that does not exist. partition is the
// repository's (r.partition()): ECR stores an account principal as its
// root ARN.
func diff(spec Spec, st state, partition string) []Change {
	var changes []Change
	for _, s := range allSettings {
		if s.managedIn(spec) {
			changes = append(changes, s.diff(spec, st, partition))
		}
	}
	return changes
}

// apply carries out the changes: CreateRepository first when the repository
// does not exist (it sets everything ECR accepts at creation), then one
// named write per remaining setting, in parallel. Losing a creation race to
// another job is not an error: the winner's repository is read and the
// remaining differences applied. The error is fatal (the repository could
// not be created or read); failed settings are in the result's changes.
func (r *Reconciler) apply(ctx context.Context, spec Spec, st state, changes []Change) (*Result, error) {
	res := &Result{Repository: st.Repository, Changes: changes}
	if !st.Exists && spec.Absent {
		res.Repository = Repository{Name: spec.Name}
	}
	if !st.Exists && !spec.Absent {
		repo, err := r.createRepository(ctx, spec)
		if isAlreadyExists(err) {
			won, err := r.readWinner(ctx, spec)
			if err != nil {
				return nil, err
			}
			return r.apply(ctx, spec, won, diff(spec, won, r.partition()))
		}
		if err != nil {
			return nil, err
		}
		res.Repository, res.Created = repo, true
	}
	var wg sync.WaitGroup
	for i := range res.Changes {
		c := &res.Changes[i]
		s := settingNamed(c.Setting)
		if !c.Changed() || s == nil || s.write == nil || (res.Created && s.create != nil) {
			continue
		}
		wg.Go(func() {
			if err := safely(func() error { return s.write(r, ctx, spec, res.Repository, *c) }); err != nil {
				c.Action, c.Error = ActionFailed, err.Error()
			}
			if p, ok := c.plan.(reporter); ok {
				p.report(c)
			}
		})
	}
	wg.Wait()
	for _, c := range res.Changes {
		if n, ok := c.plan.(noter); ok && c.Action != ActionFailed {
			res.Notes = append(res.Notes, n.notes(c.Setting)...)
		}
	}
	res.Deleted = deletes(res.Changes)
	return res, nil
}

// readWinner reads the repository a racing job just created, waiting while
// it is not visible yet.
func (r *Reconciler) readWinner(ctx context.Context, spec Spec) (state, error) {
	var st state
	_, err := r.visibility().retryWhile(ctx, isNotFound, func() error {
		var err error
		if st, err = r.read(ctx, spec); err == nil && !st.Exists {
			return errNotVisible
		}
		return err
	})
	if isNotFound(err) {
		return state{}, fmt.Errorf("ecr:CreateRepository said the repository exists, but ecr:DescribeRepositories still does not find it: %w", err)
	}
	return st, err
}
