package reconcile

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// describeBatchSize is the most names DescribeRepositories accepts at once.
const describeBatchSize = 100

// listPageSize is the largest page DescribeRepositories returns when listing.
const listPageSize = 1000

// Item is the outcome for one repository of a batch.
type Item struct {
	Name   string
	Result *Result // nil when the repository could not be reconciled at all
	Err    error
}

// ReconcileBatch reconciles every named repository with the same declared
// settings, at most concurrency at a time. One repository's failure does not
// stop the others. Items come back in the order of names.
func (r *Reconciler) ReconcileBatch(ctx context.Context, spec Spec, names []string, concurrency int) []Item {
	found, errs := r.describeAll(ctx, spec.RegistryID, names, concurrency)
	items := make([]Item, len(names))
	sem := make(chan struct{}, max(concurrency, 1))
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
			if repo, ok := found[name]; ok {
				items[i].Result, items[i].Err = r.ReconcileExisting(ctx, s, repo)
			} else if r.Options.DryRun {
				items[i].Result = r.planCreate(ctx, s)
			} else {
				items[i].Result, items[i].Err = r.Create(ctx, s)
			}
		})
	}
	wg.Wait()
	return items
}

// describeAll finds which of names exist with one DescribeRepositories call
// per 100 names. ECR fails a whole call when any name is missing; the first
// such failure switches to listing the registry, which answers for every
// name at once (up to 1,000 repositories a page).
func (r *Reconciler) describeAll(ctx context.Context, registryID string, names []string, concurrency int) (map[string]types.Repository, map[string]error) {
	var mu sync.Mutex
	found := map[string]types.Repository{}
	errs := map[string]error{}
	var missing [][]string
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for start := 0; start < len(names); start += describeBatchSize {
		chunk := names[start:min(start+describeBatchSize, len(names))]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := r.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: chunk, RegistryId: optional(registryID)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case isNotFound(err):
				missing = append(missing, chunk)
			case err != nil:
				for _, n := range chunk {
					errs[n] = awsError("DescribeRepositories", err)
				}
			default:
				for _, repo := range out.Repositories {
					found[aws.ToString(repo.RepositoryName)] = repo
				}
			}
		})
	}
	wg.Wait()
	if len(missing) == 0 {
		return found, errs
	}
	all, err := r.listRegistry(ctx, registryID)
	for _, chunk := range missing {
		for _, n := range chunk {
			if err != nil {
				errs[n] = awsError("DescribeRepositories", err)
			} else if repo, ok := all[n]; ok {
				found[n] = repo
			}
		}
	}
	return found, errs
}

func (r *Reconciler) listRegistry(ctx context.Context, registryID string) (map[string]types.Repository, error) {
	all := map[string]types.Repository{}
	p := ecr.NewDescribeRepositoriesPaginator(r.ECR, &ecr.DescribeRepositoriesInput{RegistryId: optional(registryID), MaxResults: aws.Int32(listPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, repo := range page.Repositories {
			all[aws.ToString(repo.RepositoryName)] = repo
		}
	}
	return all, nil
}
