package reconcile

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Options tune a Reconciler.
type Options struct {
	// DryRun computes and reports the plan without any write call.
	DryRun bool
	// Region is used to compute the URI of a repository that does not exist
	// yet (dry-run only).
	Region string
	// Consistency bounds the waits for eventual consistency; zero value means
	// DefaultBackoff.
	Consistency Backoff
	// AccountID resolves the caller's account for the URI of a repository
	// that does not exist yet in dry-run. Optional.
	AccountID func(context.Context) (string, error)
}

// Reconciler reconciles repositories through an ECR client.
type Reconciler struct {
	ECR     ECR
	Options Options
}

func (r *Reconciler) backoff() Backoff {
	if r.Options.Consistency.Attempts == 0 {
		return DefaultBackoff
	}
	return r.Options.Consistency
}

// Reconcile makes the repository exist and brings every managed setting to
// its declared value. A *SettingsError means the repository exists and is
// usable but some settings could not be written; any other error is fatal.
func (r *Reconciler) Reconcile(ctx context.Context, spec Spec) (*Result, error) {
	repo, err := r.describe(ctx, spec)
	if err == nil {
		return r.ReconcileExisting(ctx, spec, repo)
	}
	if !hasCode(err, "RepositoryNotFoundException") {
		return nil, awsError("DescribeRepositories", err)
	}
	if r.Options.DryRun {
		return r.planCreate(ctx, spec), nil
	}
	return r.Create(ctx, spec)
}

func (r *Reconciler) describe(ctx context.Context, spec Spec) (types.Repository, error) {
	out, err := r.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RepositoryNames: []string{spec.Name},
		RegistryId:      optional(spec.RegistryID),
	})
	if err != nil {
		return types.Repository{}, err
	}
	for _, repo := range out.Repositories {
		if aws.ToString(repo.RepositoryName) == spec.Name {
			return repo, nil
		}
	}
	return types.Repository{}, fmt.Errorf("ecr:DescribeRepositories returned no repository named %q", spec.Name)
}

// Create creates the repository with every setting ECR accepts at creation,
// then sets the policies. Losing a creation race to another job is not an
// error: the repository is then reconciled like an existing one.
func (r *Reconciler) Create(ctx context.Context, spec Spec) (*Result, error) {
	out, err := r.ECR.CreateRepository(ctx, createInput(spec))
	if hasCode(err, "RepositoryAlreadyExistsException") {
		var repo types.Repository
		// The winner's repository may not be visible to reads yet.
		_, err := r.backoff().retryWhile(ctx, isNotFound, func() (err error) {
			repo, err = r.describe(ctx, spec)
			return err
		})
		if err != nil {
			return nil, awsError("DescribeRepositories", err)
		}
		return r.ReconcileExisting(ctx, spec, repo)
	}
	if err != nil {
		return nil, awsError("CreateRepository", err)
	}
	res := &Result{Repository: repositoryOf(*out.Repository), Created: true}
	steps := r.creationSteps(spec, res.Repository.Name)
	return r.apply(ctx, res, steps)
}

// ReconcileExisting reconciles a repository already described.
func (r *Reconciler) ReconcileExisting(ctx context.Context, spec Spec, repo types.Repository) (*Result, error) {
	res := &Result{Repository: repositoryOf(repo), DryRun: r.Options.DryRun}
	cur := r.read(ctx, spec, res.Repository)
	steps := []step{{change: Change{Setting: SettingRepository, Action: ActionUnchanged, To: res.Repository.Name}}}
	steps = append(steps, r.plan(spec, repo, cur)...)
	return r.apply(ctx, res, steps)
}

// apply runs the steps' writes in parallel (none in dry-run) and collects
// the outcome.
func (r *Reconciler) apply(ctx context.Context, res *Result, steps []step) (*Result, error) {
	res.DryRun = r.Options.DryRun
	var wg sync.WaitGroup
	for i := range steps {
		s := &steps[i]
		if s.apply == nil || r.Options.DryRun || s.change.Action == ActionFailed {
			continue
		}
		wg.Go(func() {
			if err := s.apply(ctx); err != nil {
				s.change.Action = ActionFailed
				s.change.Error = err.Error()
			}
		})
	}
	wg.Wait()
	var failed []Change
	for _, s := range steps {
		res.Changes = append(res.Changes, s.change)
		if s.change.Action == ActionFailed {
			failed = append(failed, s.change)
		}
	}
	if len(failed) > 0 {
		return res, &SettingsError{Failed: failed}
	}
	return res, nil
}

// planCreate reports, without writing, what creating the repository does.
func (r *Reconciler) planCreate(ctx context.Context, spec Spec) *Result {
	registry := spec.RegistryID
	if registry == "" && r.Options.AccountID != nil {
		// Best effort: the URI is informative only in a dry-run.
		registry, _ = r.Options.AccountID(ctx)
	}
	repo := Repository{Name: spec.Name, RegistryID: registry}
	if registry != "" && r.Options.Region != "" {
		repo.URI = fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", registry, r.Options.Region, dnsSuffix(r.Options.Region), spec.Name)
		repo.ARN = fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", partition(r.Options.Region), r.Options.Region, registry, spec.Name)
	}
	res := &Result{Repository: repo, Created: true, DryRun: true}
	for _, s := range r.creationSteps(spec, spec.Name) {
		res.Changes = append(res.Changes, s.change)
	}
	return res
}

func repositoryOf(repo types.Repository) Repository {
	return Repository{
		Name:       aws.ToString(repo.RepositoryName),
		ARN:        aws.ToString(repo.RepositoryArn),
		URI:        aws.ToString(repo.RepositoryUri),
		RegistryID: aws.ToString(repo.RegistryId),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func isNotFound(err error) bool { return hasCode(err, "RepositoryNotFoundException") }

func partition(region string) string {
	switch {
	case len(region) > 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) > 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}

func dnsSuffix(region string) string {
	if partition(region) == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
