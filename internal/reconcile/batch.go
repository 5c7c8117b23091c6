package reconcile

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// describeBatchSize is the most names DescribeRepositories accepts at once.
const describeBatchSize = ecrspec.MaxNamesPerDescribe

// Item is the outcome for one repository of a batch.
type Item struct {
	Name   string
	Result *Result // nil when the repository could not be reconciled at all
	Err    error
}

// ReconcileBatch reconciles every named repository with the same declared
// settings, at most concurrency at a time (Options.Slots, when set, is the
// bound instead). One repository's failure does not
// stop the others. Items come back in the order of names. Each repository
// goes through the same diff and apply as in single mode; only the
// describe is shared, 100 names a call.
func (r *Reconciler) ReconcileBatch(ctx context.Context, spec Spec, names []string, concurrency int) []Item {
	sem := r.Options.Slots
	if sem == nil {
		sem = make(chan struct{}, max(concurrency, 1))
	}
	// The registry-level reads are the same for every repository: once,
	// with the describes.
	registry := r.startRegistry(ctx, spec)
	// One policy check for the batch: every repository declares the same
	// policy.
	check, cancel := r.startPolicyCheck(ctx, spec)
	defer cancel()
	found, errs := r.describeAll(ctx, spec.RegistryID, names, sem)
	reg := registry()
	items := make([]Item, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		items[i].Name = name
		if err := errs[name]; err != nil {
			items[i].Err = err
			continue
		}
		s := spec
		s.Name = name
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// A panic fails this repository only.
			items[i].Err = safely(func() error {
				st, ok := found[name]
				if ok {
					st = r.readExisting(ctx, s, st)
				}
				st.Registry, st.policyCheck = reg, check
				var err error
				items[i].Result, err = r.converge(ctx, s, st)
				return err
			})
		})
	}
	wg.Wait()
	return items
}

// describeAll finds which of names exist with one DescribeRepositories call
// per 100 names. ECR fails a whole call when any name is missing and names
// the first missing one in its message: that name is set aside and the rest
// described again, in two halves so that many missing names cost a few
// rounds rather than one each. A chunk that IAM refuses is halved the same
// way, so that only the names outside the policy's scope fail. The registry
// is never listed: a policy scoped to some repositories does not allow that.
func (r *Reconciler) describeAll(ctx context.Context, registryID string, names []string, sem chan struct{}) (map[string]state, map[string]error) {
	var mu sync.Mutex
	found := map[string]state{}
	errs := map[string]error{}
	var wg sync.WaitGroup
	var describe func(chunk []string)
	describe = func(chunk []string) {
		sem <- struct{}{}
		var repos []RepositoryInfo
		err := safely(func() error {
			var err error
			repos, err = r.ECR.DescribeRepositories(ctx, registryID, chunk)
			return err
		})
		<-sem
		var rest []string
		switch {
		case isNotFound(err):
			missing := missingName(err)
			if i := slices.Index(chunk, missing); i >= 0 {
				rest = slices.Delete(slices.Clone(chunk), i, i+1)
			} else if len(chunk) > 1 {
				rest = chunk // the message did not say which: halve the chunk
			}
		case isAccessDenied(err) && len(chunk) > 1:
			// IAM refuses the whole call for one name outside the policy's
			// scope: halve the chunk until the denial names only those.
			rest = chunk
		case err != nil:
			mu.Lock()
			for _, n := range chunk {
				errs[n] = awsError("DescribeRepositories", err)
			}
			mu.Unlock()
		default:
			mu.Lock()
			for _, repo := range repos {
				name := repo.Name
				if !slices.Contains(chunk, name) {
					continue // not asked for: no key of found or errs
				}
				if err := r.checkRepository("DescribeRepositories", repo.Repository); err != nil {
					errs[name] = err
					continue
				}
				st := stateOf(repo)
				if st.Repository, err = r.checked("DescribeRepositories", st.Repository); err != nil {
					errs[name] = err
					continue
				}
				found[name] = st
			}
			// ECR answers for every name or fails the call: a name left
			// out is not a repository that does not exist.
			for _, n := range chunk {
				if _, ok := found[n]; !ok && errs[n] == nil {
					errs[n] = r.missing("DescribeRepositories", "repository "+strconv.Quote(n))
				}
			}
			mu.Unlock()
		}
		if len(rest) == 0 {
			return
		}
		half := (len(rest) + 1) / 2
		for _, part := range [][]string{rest[:half], rest[half:]} {
			if len(part) > 0 {
				wg.Go(func() { describe(part) })
			}
		}
	}
	for chunk := range slices.Chunk(names, describeBatchSize) {
		wg.Go(func() { describe(chunk) })
	}
	wg.Wait()
	return found, errs
}
