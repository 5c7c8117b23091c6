package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// ECR is the registry API the engine calls, in the engine's own plain
// types: internal/reconcile/ecrsdk adapts ECR's SDK client to it, and
// internal/publicecr ECR Public's. An adapter answers the service's
// exceptions the engine reacts to as the errors below (Classify), keeping
// the SDK's error chain (retries, deadlines, the service's message).
type ECR interface {
	// DescribeRepositories describes the named repositories of the
	// registry ("" for the caller's). A missing name fails the call with
	// ErrRepositoryNotFound, as ECR does.
	DescribeRepositories(ctx context.Context, registryID string, names []string) ([]RepositoryInfo, error)
	// CreateRepository creates a repository with the settings the request
	// sets (ErrRepositoryExists when it exists).
	CreateRepository(ctx context.Context, req CreateRequest) (RepositoryInfo, error)
	// DeleteRepository deletes a repository, with its images under force
	// (ErrRepositoryNotEmpty without force when it holds some).
	DeleteRepository(ctx context.Context, ref RepositoryRef, force bool) error
	// DescribeImages counts one page of a repository's images, in any
	// status, and returns the next page's token ("" after the last).
	DescribeImages(ctx context.Context, ref RepositoryRef, nextToken string) (images int, next string, err error)

	// GetRepositoryPolicy reads the repository policy: nil when none exists.
	GetRepositoryPolicy(ctx context.Context, ref RepositoryRef) (*string, error)
	SetRepositoryPolicy(ctx context.Context, ref RepositoryRef, text string) error
	// DeleteRepositoryPolicy deletes the policy; none is not an error.
	DeleteRepositoryPolicy(ctx context.Context, ref RepositoryRef) error

	// GetLifecyclePolicy reads the lifecycle policy: nil when none exists.
	GetLifecyclePolicy(ctx context.Context, ref RepositoryRef) (*string, error)
	PutLifecyclePolicy(ctx context.Context, ref RepositoryRef, text string) error
	// DeleteLifecyclePolicy deletes the policy; none is not an error.
	DeleteLifecyclePolicy(ctx context.Context, ref RepositoryRef) error

	ListTagsForResource(ctx context.Context, arn string) (map[string]string, error)
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	UntagResource(ctx context.Context, arn string, keys []string) error

	PutImageTagMutability(ctx context.Context, ref RepositoryRef, m Mutability) error
	PutImageScanningConfiguration(ctx context.Context, ref RepositoryRef, scanOnPush bool) error

	// The lifecycle policy preview (setting_lifecycle_policy_preview.go): reads, it changes no
	// setting. A preview not found (yet) is ErrPreviewNotFound, one still
	// running ErrPreviewInProgress.
	StartLifecyclePolicyPreview(ctx context.Context, ref RepositoryRef, text string) error
	GetLifecyclePolicyPreview(ctx context.Context, ref RepositoryRef, nextToken string) (PreviewPage, error)
}

// RepositoryRef names a repository for a call; RegistryID "" is the
// caller's registry.
type RepositoryRef struct {
	Name, RegistryID string
}

func refOf(repo Repository) RepositoryRef {
	return RepositoryRef{Name: repo.Name, RegistryID: repo.RegistryID}
}

// RepositoryInfo is a repository as DescribeRepositories and
// CreateRepository answer it: its identity and the settings they return.
type RepositoryInfo struct {
	Repository
	// Mutability is as the service returns it ("" read as MUTABLE).
	Mutability       string
	ExclusionFilters []string
	ScanOnPush       bool
	// EncryptionType "" is read as AES256; KMSKey is the key's ARN.
	EncryptionType, KMSKey string
}

// CreateRequest is a repository creation with the settings the creation
// call takes (setting.create); nil members are left to the service.
type CreateRequest struct {
	Ref        RepositoryRef
	Tags       map[string]string
	Mutability *Mutability
	ScanOnPush *bool
	Encryption *Encryption
	// Catalog is ECR Public's catalog data, sent in the same call.
	Catalog *CatalogData
}

// PreviewPage is one answer of GetLifecyclePolicyPreview.
type PreviewPage struct {
	// Status is the service's status of the preview ("" when it sent none).
	Status string
	// PolicyText is the lifecycle policy the preview is of ("" when the
	// answer does not say).
	PolicyText string
	// HasSummary says whether the answer carried the totals.
	HasSummary              bool
	Expiring, Transitioning int
	Results                 []PreviewResult
	NextToken               string
}

// PreviewResult is one image a rule of the previewed policy acts on.
type PreviewResult struct {
	RulePriority int32
	// HasAction says whether the result names an action; ActionType is
	// the service's action type.
	HasAction  bool
	ActionType string
	Digest     string
	Tags       []string
	PushedAt   time.Time
}

// CatalogAPI is implemented by a client that manages ECR Public
// repositories: their catalog data, which private ECR does not have. It is
// optional; Spec.Catalog is only valid with a client that implements it.
type CatalogAPI interface {
	// GetRepositoryCatalogData reads the catalog data; a repository without
	// any is the zero CatalogData. A missing repository is
	// ErrRepositoryNotFound.
	GetRepositoryCatalogData(ctx context.Context, registryID, name string) (CatalogData, error)
	// PutRepositoryCatalogData writes the whole catalog data.
	PutRepositoryCatalogData(ctx context.Context, registryID, name string, data CatalogData) error
}

// RegistryAPI is the registry-level reads. ECR's adapter has them; a client
// without them (ECR Public's, which has neither registry scanning nor
// creation templates) makes the checks not apply, and none is read.
type RegistryAPI interface {
	// GetRegistryScanningConfiguration returns the registry's ID and its
	// scanning configuration.
	GetRegistryScanningConfiguration(ctx context.Context) (string, registry.ScanningConfiguration, error)
	// DescribeRepositoryCreationTemplates returns one page of templates,
	// the registry's ID and the next page's token ("" after the last).
	DescribeRepositoryCreationTemplates(ctx context.Context, nextToken string) (registryID string, templates []registry.Template, next string, err error)
}

// The service's answers the engine reacts to, as an adapter classifies
// them (Classify).
var (
	ErrRepositoryNotFound = errors.New("repository not found")
	ErrRepositoryExists   = errors.New("repository already exists")
	ErrRepositoryNotEmpty = errors.New("repository not empty")
	// ErrPrincipalPending is the refusal of a repository policy that names
	// a principal IAM has not made visible yet (or that the service cannot
	// accept for another reason it does not tell apart).
	ErrPrincipalPending = errors.New("policy principal not resolved")
	// ErrKMS is the service's failure to use the encryption's KMS key.
	ErrKMS               = errors.New("KMS key not usable")
	ErrPreviewNotFound   = errors.New("lifecycle policy preview not found")
	ErrPreviewInProgress = errors.New("lifecycle policy preview in progress")
)

// Classify marks err, the service's error, as kind (one of the Err values
// above): errors.Is(err, kind) then holds, while the message and the error
// chain stay the service's.
func Classify(err, kind error) error {
	if err == nil || kind == nil {
		return err
	}
	return &classified{err: err, kind: kind}
}

type classified struct{ err, kind error }

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() []error { return []error{c.err, c.kind} }

// Naming is implemented by a client whose repositories are not named as
// ECR's private ones (ECR Public: a global ARN, a URI under the registry's
// alias). It is optional.
type Naming interface {
	// RepositoryARN is the ARN of account's repository name.
	RepositoryARN(account, name string) string
	// PlannedURI is the URI a repository that does not exist yet would
	// have (dry-run outputs only); "" when the registry cannot have one
	// yet. An error is a failed call, which fails the dry-run.
	PlannedURI(ctx context.Context, account, name string) (string, error)
	// RepositoryShape names the first field of a repository as the
	// endpoint described it that does not have the service's documented
	// shape, "" when all do (regions.PublicRepository).
	RepositoryShape(repo Repository) string
	// IAMService is the prefix of the service's IAM actions (ecr-public),
	// which errors about its answers name.
	IAMService() string
}
