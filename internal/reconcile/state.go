package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// state is the repository as read: whether it exists and every managed
// setting. Unmanaged settings are left at their zero value. A nil policy
// means none exists; an error means the read failed and the setting cannot
// be reconciled this run.
//
// state is generated (settings_gen.go, by go generate): the fields of
// stateBase, then each setting's part, <setting>State in its setting_*.go
// file, in the order of allSettings.
type stateBase struct {
	Exists     bool
	Repository Repository

	// Registry is the registry-level state read with the repository
	// (registry.go).
	Registry registryState
	// policyCheck waits for IAM Access Analyzer's verdict on the declared
	// repository policy; nil when none was asked (setting_repository_policy_check.go).
	policyCheck func() policyVerdict
}

// errNotVisible stands for a repository that a racing job created but that
// DescribeRepositories does not return yet.
var errNotVisible = Classify(errors.New("the repository is not visible yet"), ErrRepositoryNotFound)

// stateOf is the state of a repository DescribeRepositories returned:
// its identity, and the settings it returns (setting.described).
func stateOf(repo RepositoryInfo) state {
	st := state{Exists: true, Repository: repo.Repository}
	for _, s := range allSettings {
		if s.described != nil {
			s.described(repo, &st)
		}
	}
	return st
}

// describe reads the repository itself. A missing repository is a state
// that does not exist, not an error.
func (r *Reconciler) describe(ctx context.Context, spec Spec) (state, error) {
	repos, err := r.ECR.DescribeRepositories(ctx, spec.RegistryID, []string{spec.Name})
	switch {
	case isNotFound(err):
		return state{}, nil
	case err != nil:
		return state{}, awsError("DescribeRepositories", err)
	}
	for _, repo := range repos {
		if repo.Name == spec.Name {
			if err := r.checkRepository("DescribeRepositories", repo.Repository); err != nil {
				return state{}, err
			}
			st := stateOf(repo)
			st.Repository, err = r.checked("DescribeRepositories", st.Repository)
			if err != nil {
				return state{}, err
			}
			return st, nil
		}
	}
	return state{}, fmt.Errorf("ecr:DescribeRepositories returned no repository named %q", spec.Name)
}

// selection says which settings' own reads (setting.read) are made, by
// index in allSettings.
type selection []bool

func (r *Reconciler) wanted(spec Spec) selection {
	sel := make(selection, len(allSettings))
	for i, s := range allSettings {
		sel[i] = s.readWanted(r, spec)
	}
	return sel
}

// answer is what one setting's read answered.
type answer struct {
	v   any
	err error
}

// readSettings issues the selected reads in parallel: one round trip. With
// waitVisible, a read answering that the repository does not exist is
// repeated for a while: right after a creation reads can lag behind.
func (r *Reconciler) readSettings(ctx context.Context, at repoRef, sel selection, waitVisible bool) []answer {
	answers := make([]answer, len(allSettings))
	var wg sync.WaitGroup
	for i, s := range allSettings {
		if !sel[i] {
			continue
		}
		wg.Go(func() {
			a := &answers[i]
			// A panic fails this read only.
			fn := func() error {
				return safely(func() error {
					var err error
					a.v, err = s.read.call(r, ctx, at)
					return err
				})
			}
			if !waitVisible {
				a.err = fn()
				return
			}
			_, err := r.visibility().retryWhile(ctx, isNotFound, fn)
			a.err = awsError(s.read.op, err)
		})
	}
	wg.Wait()
	return answers
}

// merge fills the settings into st: from the second round where it was
// read again, from the first otherwise. An early read went out without
// waiting; its errors are named here.
func (st *state) merge(first []answer, early selection, late []answer, again selection) {
	for i, s := range allSettings {
		var a answer
		switch {
		case again[i]:
			a = late[i]
		case early[i]:
			a = first[i]
		default:
			continue
		}
		s.read.put(st, a.v, orAWSError(s.read.op, a.err, !again[i]))
	}
}

func orAWSError(op string, err error, raw bool) error {
	if raw {
		return awsError(op, err)
	}
	return err
}

// readExisting reads the settings of a repository already described (batch
// mode), in one round trip.
func (r *Reconciler) readExisting(ctx context.Context, spec Spec, st state) state {
	sel := r.wanted(spec)
	answers := r.readSettings(ctx, atOf(st.Repository), sel, true)
	st.merge(nil, make(selection, len(allSettings)), answers, sel)
	return st
}

// registry is the account of the registry when it is known without a call.
func (r *Reconciler) registry(spec Spec) string {
	if spec.RegistryID != "" {
		return spec.RegistryID
	}
	return r.Options.Account
}

// knownARN is the repository's ARN when it can be computed before ECR
// returns it, "" otherwise.
func (r *Reconciler) knownARN(spec Spec) string {
	account := r.registry(spec)
	if n, ok := r.ECR.(Naming); ok && account != "" {
		return n.RepositoryARN(account, spec.Name)
	}
	if account == "" || r.Options.Region == "" {
		return ""
	}
	return regions.RepositoryARN(account, r.Options.Region, spec.Name)
}

// plannedRepository is what a repository that does not exist yet would be
// called, for a dry-run's outputs. The URI is informative only: an account
// that cannot be resolved leaves it empty. A failed call of the client's
// Naming is an error: it is a permission the dry-run role lacks.
func (r *Reconciler) plannedRepository(ctx context.Context, spec Spec) (Repository, error) {
	account := r.registry(spec)
	if account == "" && r.Options.AccountID != nil {
		account, _ = r.Options.AccountID(ctx)
	}
	repo := Repository{Name: spec.Name, RegistryID: account}
	if n, ok := r.ECR.(Naming); ok {
		uri, err := n.PlannedURI(ctx, account, spec.Name)
		repo.URI = uri
		if account != "" {
			repo.ARN = n.RepositoryARN(account, spec.Name)
		}
		return repo, err
	}
	if account != "" && r.Options.Region != "" {
		repo.URI = regions.RepositoryURI(account, r.Options.Region, spec.Name)
		repo.ARN = regions.RepositoryARN(account, r.Options.Region, spec.Name)
	}
	return repo, nil
}
