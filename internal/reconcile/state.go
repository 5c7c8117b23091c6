package reconcile

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// State is the repository as read: whether it exists and every managed
// setting. Unmanaged settings are left at their zero value. A nil policy
// means none exists; an error means the read failed and the setting cannot
// be reconciled this run.
type State struct {
	Exists     bool
	Repository Repository

	Mutability       string // as ECR returns it, "" read as MUTABLE
	ExclusionFilters []string
	ScanOnPush       bool
	EncryptionType   string // "" read as AES256
	KMSKey           string // key ARN

	RepositoryPolicy, LifecyclePolicy       *string
	Tags                                    map[string]string
	RepositoryPolicyErr, LifecyclePolicyErr error
	TagsErr                                 error

	// Catalog is an ECR Public repository's catalog data (nil: not read).
	Catalog    *CatalogData
	CatalogErr error
	// Images is how many images the repository holds, counted only for a
	// deletion that reports it before deleting (dry-run, force-delete);
	// nil when not counted. ImagesErr is a failed count.
	Images    *int
	ImagesErr error
	// Registry is the registry-level state read with the repository
	// (registry.go).
	Registry RegistryState
	// policyCheck waits for IAM Access Analyzer's verdict on the declared
	// repository policy; nil when none was asked (policycheck.go).
	policyCheck func() policyVerdict
}

// errNotVisible stands for a repository that a racing job created but that
// DescribeRepositories does not return yet.
var errNotVisible error = &types.RepositoryNotFoundException{Message: aws.String("the repository is not visible yet")}

func stateOf(repo types.Repository) State {
	st := State{
		Exists: true,
		Repository: Repository{
			Name:       aws.ToString(repo.RepositoryName),
			ARN:        aws.ToString(repo.RepositoryArn),
			URI:        aws.ToString(repo.RepositoryUri),
			RegistryID: aws.ToString(repo.RegistryId),
		},
		Mutability: string(repo.ImageTagMutability),
	}
	for _, f := range repo.ImageTagMutabilityExclusionFilters {
		st.ExclusionFilters = append(st.ExclusionFilters, aws.ToString(f.Filter))
	}
	if c := repo.ImageScanningConfiguration; c != nil {
		st.ScanOnPush = c.ScanOnPush
	}
	if e := repo.EncryptionConfiguration; e != nil {
		st.EncryptionType, st.KMSKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
	}
	return st
}

// describe reads the repository itself. A missing repository is a State
// that does not exist, not an error.
func (r *Reconciler) describe(ctx context.Context, spec Spec) (State, error) {
	out, err := r.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RepositoryNames: []string{spec.Name},
		RegistryId:      optional(spec.RegistryID),
	})
	switch {
	case isNotFound(err):
		return State{}, nil
	case err != nil:
		return State{}, awsError("DescribeRepositories", err)
	}
	for _, repo := range out.Repositories {
		if aws.ToString(repo.RepositoryName) == spec.Name {
			if err := r.checkRepository("DescribeRepositories", &repo); err != nil {
				return State{}, err
			}
			st := stateOf(repo)
			st.Repository, err = r.checked("DescribeRepositories", st.Repository)
			if err != nil {
				return State{}, err
			}
			return st, nil
		}
	}
	return State{}, fmt.Errorf("ecr:DescribeRepositories returned no repository named %q", spec.Name)
}

// selection says which of the settings DescribeRepositories does not
// return are read; images is the image count of a deletion.
type selection struct{ policy, lifecycle, tags, catalog, images bool }

func (r *Reconciler) wanted(spec Spec) selection {
	return selection{policy: spec.RepositoryPolicy != nil, lifecycle: spec.LifecyclePolicy != nil, tags: tagsManaged(spec),
		catalog: spec.Catalog != nil, images: r.countsFirst(spec)}
}

// countsFirst reports whether a deletion counts the images before it
// deletes: a dry-run shows the count, and force-delete reports how many
// images it deletes. A plain deletion counts only if ECR refuses it.
func (r *Reconciler) countsFirst(spec Spec) bool {
	return spec.Absent && (spec.ForceDelete || r.Options.DryRun)
}

func tagsManaged(spec Spec) bool { return spec.Tags != nil || spec.PruneTags }

// settings holds the answers of the settings reads.
type settings struct {
	policy, lifecycle       *string
	tags                    map[string]string
	policyErr, lifecycleErr error
	tagsErr                 error
	catalog                 *CatalogData
	catalogErr              error
	images                  *int
	imagesErr               error
}

// readSettings issues the selected reads in parallel: one round trip. With
// waitVisible, a read answering that the repository does not exist is
// repeated for a while: right after a creation reads can lag behind.
func (r *Reconciler) readSettings(ctx context.Context, name, registryID, arn string, sel selection, waitVisible bool) settings {
	var s settings
	var wg sync.WaitGroup
	registry := optional(registryID)
	read := func(op string, call func() error) error {
		// A panic fails this read only.
		fn := func() error { return safely(call) }
		if !waitVisible {
			return fn()
		}
		_, err := r.visibility().retryWhile(ctx, isNotFound, fn)
		return awsError(op, err)
	}
	if sel.policy {
		wg.Go(func() {
			s.policyErr = read("GetRepositoryPolicy", func() error {
				out, err := r.ECR.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &name, RegistryId: registry})
				switch {
				case is[*types.RepositoryPolicyNotFoundException](err):
					s.policy = nil
					return nil
				case err != nil:
					return err
				case out.PolicyText == nil:
					// Not "no policy": that is RepositoryPolicyNotFoundException.
					return r.missing("GetRepositoryPolicy", "policyText")
				}
				s.policy = out.PolicyText
				return nil
			})
		})
	}
	if sel.lifecycle {
		wg.Go(func() {
			s.lifecycleErr = read("GetLifecyclePolicy", func() error {
				out, err := r.ECR.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: &name, RegistryId: registry})
				switch {
				case is[*types.LifecyclePolicyNotFoundException](err):
					s.lifecycle = nil
					return nil
				case err != nil:
					return err
				case out.LifecyclePolicyText == nil:
					return missing("GetLifecyclePolicy", "lifecyclePolicyText")
				}
				s.lifecycle = out.LifecyclePolicyText
				return nil
			})
		})
	}
	if sel.tags {
		wg.Go(func() {
			s.tagsErr = read("ListTagsForResource", func() error {
				out, err := r.ECR.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: &arn})
				if err != nil {
					return err
				}
				s.tags = make(map[string]string, len(out.Tags))
				for _, t := range out.Tags {
					s.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				return nil
			})
		})
	}
	if sel.catalog {
		wg.Go(func() {
			s.catalogErr = read("GetRepositoryCatalogData", func() error {
				var err error
				s.catalog, err = r.readCatalog(ctx, registryID, name)
				return err
			})
		})
	}
	if sel.images {
		wg.Go(func() {
			s.imagesErr = read("DescribeImages", func() error {
				n, err := r.countImages(ctx, name, registryID)
				s.images = &n
				return err
			})
		})
	}
	wg.Wait()
	return s
}

// countImages counts the images of a repository as ECR's DescribeImages
// lists them: one per image digest, tagged and untagged, in any status
// (archived images are in the repository too and go with it), so the
// manifests of a multi-architecture image count one each. Pages of 1000,
// the most ECR returns at once.
func (r *Reconciler) countImages(ctx context.Context, name, registryID string) (int, error) {
	p := ecr.NewDescribeImagesPaginator(r.ECR, &ecr.DescribeImagesInput{
		RepositoryName: &name,
		RegistryId:     optional(registryID),
		MaxResults:     aws.Int32(describeImagesPageSize),
		Filter:         &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny},
	})
	n := 0
	var seen pageTokens
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n += len(out.ImageDetails)
		if seen.repeated(out.NextToken) {
			return n, seen.endless("ecr:DescribeImages")
		}
	}
	return n, nil
}

// describeImagesPageSize is the most images DescribeImages returns a call.
const describeImagesPageSize = ecrspec.MaxResultsPerPage

// merge fills the settings into st: from the second round where it was
// read again, from the first otherwise.
func (st *State) merge(first settings, early selection, late settings, again selection) {
	pick := func(use bool, a, b settings) settings {
		if use {
			return b
		}
		return a
	}
	if early.policy || again.policy {
		s := pick(again.policy, first, late)
		// An early read went out without waiting; its errors are named here.
		st.RepositoryPolicy, st.RepositoryPolicyErr = s.policy, orAWSError("GetRepositoryPolicy", s.policyErr, !again.policy)
	}
	if early.lifecycle || again.lifecycle {
		s := pick(again.lifecycle, first, late)
		st.LifecyclePolicy, st.LifecyclePolicyErr = s.lifecycle, orAWSError("GetLifecyclePolicy", s.lifecycleErr, !again.lifecycle)
	}
	if early.tags || again.tags {
		s := pick(again.tags, first, late)
		st.Tags, st.TagsErr = s.tags, orAWSError("ListTagsForResource", s.tagsErr, !again.tags)
	}
	if early.catalog || again.catalog {
		s := pick(again.catalog, first, late)
		st.Catalog, st.CatalogErr = s.catalog, orAWSError("GetRepositoryCatalogData", s.catalogErr, !again.catalog)
	}
	if early.images || again.images {
		s := pick(again.images, first, late)
		st.Images, st.ImagesErr = s.images, orAWSError("DescribeImages", s.imagesErr, !again.images)
		if st.ImagesErr != nil {
			st.Images = nil
		}
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
func (r *Reconciler) readExisting(ctx context.Context, spec Spec, st State) State {
	sel := r.wanted(spec)
	s := r.readSettings(ctx, st.Repository.Name, st.Repository.RegistryID, st.Repository.ARN, sel, true)
	st.merge(settings{}, selection{}, s, sel)
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

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
