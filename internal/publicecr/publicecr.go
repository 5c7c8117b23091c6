// Package publicecr lets the reconcile engine manage Amazon ECR Public
// repositories: Client implements the engine's client interface
// (reconcile.ECR, in the engine's plain types) on top of the ecrpublic
// client, as internal/reconcile/ecrsdk does on top of ECR's, so that the
// same read, diff and apply, and the same owned-policy merge, serve both
// kinds of repository; it adds the catalog data (reconcile.CatalogAPI) and
// ECR Public's naming (reconcile.Naming).
//
// ECR Public has no lifecycle policy, tag mutability or scanning settings:
// the inputs refuse them with public: true before any call, so their
// methods here only answer UnsupportedCommandException should anything
// call them.
package publicecr

import (
	"context"
	"errors"
	"fmt"

	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// API is the part of the ECR Public API the adapter uses; *ecrpublic.Client
// satisfies it.
type API interface {
	DescribeRepositories(context.Context, *ecrpublic.DescribeRepositoriesInput, ...func(*ecrpublic.Options)) (*ecrpublic.DescribeRepositoriesOutput, error)
	CreateRepository(context.Context, *ecrpublic.CreateRepositoryInput, ...func(*ecrpublic.Options)) (*ecrpublic.CreateRepositoryOutput, error)
	GetRepositoryPolicy(context.Context, *ecrpublic.GetRepositoryPolicyInput, ...func(*ecrpublic.Options)) (*ecrpublic.GetRepositoryPolicyOutput, error)
	SetRepositoryPolicy(context.Context, *ecrpublic.SetRepositoryPolicyInput, ...func(*ecrpublic.Options)) (*ecrpublic.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(context.Context, *ecrpublic.DeleteRepositoryPolicyInput, ...func(*ecrpublic.Options)) (*ecrpublic.DeleteRepositoryPolicyOutput, error)
	ListTagsForResource(context.Context, *ecrpublic.ListTagsForResourceInput, ...func(*ecrpublic.Options)) (*ecrpublic.ListTagsForResourceOutput, error)
	TagResource(context.Context, *ecrpublic.TagResourceInput, ...func(*ecrpublic.Options)) (*ecrpublic.TagResourceOutput, error)
	UntagResource(context.Context, *ecrpublic.UntagResourceInput, ...func(*ecrpublic.Options)) (*ecrpublic.UntagResourceOutput, error)
	GetRepositoryCatalogData(context.Context, *ecrpublic.GetRepositoryCatalogDataInput, ...func(*ecrpublic.Options)) (*ecrpublic.GetRepositoryCatalogDataOutput, error)
	PutRepositoryCatalogData(context.Context, *ecrpublic.PutRepositoryCatalogDataInput, ...func(*ecrpublic.Options)) (*ecrpublic.PutRepositoryCatalogDataOutput, error)
	DescribeRegistries(context.Context, *ecrpublic.DescribeRegistriesInput, ...func(*ecrpublic.Options)) (*ecrpublic.DescribeRegistriesOutput, error)
	DeleteRepository(context.Context, *ecrpublic.DeleteRepositoryInput, ...func(*ecrpublic.Options)) (*ecrpublic.DeleteRepositoryOutput, error)
	DescribeImages(context.Context, *ecrpublic.DescribeImagesInput, ...func(*ecrpublic.Options)) (*ecrpublic.DescribeImagesOutput, error)
}

var _ API = (*ecrpublic.Client)(nil)

// Client is the engine's ECR client for ECR Public.
type Client struct{ API API }

var (
	_ reconcile.ECR        = (*Client)(nil)
	_ reconcile.CatalogAPI = (*Client)(nil)
	_ reconcile.Naming     = (*Client)(nil)
)

// New returns the adapter over an ecrpublic client built from cfg, pinned
// to ECR Public's only control-plane Region whatever cfg's Region is.
func New(cfg aws.Config, optFns ...func(*ecrpublic.Options)) *Client {
	pin := func(o *ecrpublic.Options) { o.Region = regions.ECRPublicRegion }
	return &Client{API: ecrpublic.NewFromConfig(cfg, append([]func(*ecrpublic.Options){pin}, optFns...)...)}
}

func info(r types.Repository) reconcile.RepositoryInfo {
	return reconcile.RepositoryInfo{Repository: reconcile.Repository{
		Name: aws.ToString(r.RepositoryName), ARN: aws.ToString(r.RepositoryArn),
		URI: aws.ToString(r.RepositoryUri), RegistryID: aws.ToString(r.RegistryId),
	}}
}

func (c *Client) DescribeRepositories(ctx context.Context, registryID string, names []string) ([]reconcile.RepositoryInfo, error) {
	out, err := c.API.DescribeRepositories(ctx, &ecrpublic.DescribeRepositoriesInput{RegistryId: optional(registryID), RepositoryNames: names})
	if err != nil {
		return nil, wrap(err)
	}
	repos := make([]reconcile.RepositoryInfo, 0, len(out.Repositories))
	for _, r := range out.Repositories {
		repos = append(repos, info(r))
	}
	return repos, nil
}

// CreateRepository creates the repository with its tags and catalog data,
// in one call; ECR Public has no other setting to create with.
func (c *Client) CreateRepository(ctx context.Context, req reconcile.CreateRequest) (reconcile.RepositoryInfo, error) {
	if req.Ref.RegistryID != "" {
		// ECR Public creates repositories in the caller's registry only;
		// the inputs refuse another registry before any call.
		return reconcile.RepositoryInfo{}, unsupported("CreateRepository in another account's registry")
	}
	in := &ecrpublic.CreateRepositoryInput{RepositoryName: &req.Ref.Name, Tags: publicTags(req.Tags)}
	if req.Catalog != nil {
		in.CatalogData = catalogInput(*req.Catalog)
	}
	out, err := c.API.CreateRepository(ctx, in)
	switch {
	case err != nil:
		return reconcile.RepositoryInfo{}, wrap(err)
	case out.Repository == nil:
		return reconcile.RepositoryInfo{}, &reconcile.AnswerError{Service: iamService, Op: "CreateRepository", Field: "repository"}
	}
	return info(*out.Repository), nil
}

// DeleteRepository deletes the repository (state: absent), with its
// images under force.
func (c *Client) DeleteRepository(ctx context.Context, ref reconcile.RepositoryRef, force bool) error {
	_, err := c.API.DeleteRepository(ctx, &ecrpublic.DeleteRepositoryInput{RegistryId: optional(ref.RegistryID), RepositoryName: &ref.Name, Force: force})
	return wrap(err)
}

// DescribeImages counts one page of the repository's images, for the
// count a deletion reports. ECR Public has no image status filter: every
// image it lists is in the repository and goes with it.
func (c *Client) DescribeImages(ctx context.Context, ref reconcile.RepositoryRef, nextToken string) (int, string, error) {
	out, err := c.API.DescribeImages(ctx, &ecrpublic.DescribeImagesInput{
		RegistryId: optional(ref.RegistryID), RepositoryName: &ref.Name,
		MaxResults: aws.Int32(ecrspec.MaxResultsPerPage), NextToken: optional(nextToken),
	})
	if err != nil {
		return 0, "", wrap(err)
	}
	return len(out.ImageDetails), aws.ToString(out.NextToken), nil
}

// GetRepositoryPolicy reads the policy; nil when none exists.
func (c *Client) GetRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef) (*string, error) {
	out, err := c.API.GetRepositoryPolicy(ctx, &ecrpublic.GetRepositoryPolicyInput{RegistryId: optional(ref.RegistryID), RepositoryName: &ref.Name})
	var none *types.RepositoryPolicyNotFoundException
	switch {
	case errors.As(err, &none):
		return nil, nil
	case err != nil:
		return nil, wrap(err)
	case out.PolicyText == nil:
		return nil, &reconcile.AnswerError{Service: iamService, Op: "GetRepositoryPolicy", Field: "policyText"}
	}
	return out.PolicyText, nil
}

func (c *Client) SetRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef, text string) error {
	_, err := c.API.SetRepositoryPolicy(ctx, &ecrpublic.SetRepositoryPolicyInput{RegistryId: optional(ref.RegistryID), RepositoryName: &ref.Name, PolicyText: &text})
	return wrap(err)
}

// DeleteRepositoryPolicy deletes the policy; none is not an error.
func (c *Client) DeleteRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef) error {
	_, err := c.API.DeleteRepositoryPolicy(ctx, &ecrpublic.DeleteRepositoryPolicyInput{RegistryId: optional(ref.RegistryID), RepositoryName: &ref.Name})
	var none *types.RepositoryPolicyNotFoundException
	if errors.As(err, &none) {
		return nil
	}
	return wrap(err)
}

func (c *Client) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	out, err := c.API.ListTagsForResource(ctx, &ecrpublic.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil {
		return nil, wrap(err)
	}
	m := make(map[string]string, len(out.Tags))
	for _, t := range out.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m, nil
}

func (c *Client) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	_, err := c.API.TagResource(ctx, &ecrpublic.TagResourceInput{ResourceArn: &arn, Tags: publicTags(tags)})
	return wrap(err)
}

func (c *Client) UntagResource(ctx context.Context, arn string, keys []string) error {
	_, err := c.API.UntagResource(ctx, &ecrpublic.UntagResourceInput{ResourceArn: &arn, TagKeys: keys})
	return wrap(err)
}

func publicTags(m map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// The settings ECR Public does not have.

func (c *Client) StartLifecyclePolicyPreview(context.Context, reconcile.RepositoryRef, string) error {
	return unsupported("lifecycle policies")
}

func (c *Client) GetLifecyclePolicyPreview(context.Context, reconcile.RepositoryRef, string) (reconcile.PreviewPage, error) {
	return reconcile.PreviewPage{}, unsupported("lifecycle policies")
}

func (c *Client) GetLifecyclePolicy(context.Context, reconcile.RepositoryRef) (*string, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) PutLifecyclePolicy(context.Context, reconcile.RepositoryRef, string) error {
	return unsupported("lifecycle policies")
}

func (c *Client) DeleteLifecyclePolicy(context.Context, reconcile.RepositoryRef) error {
	return unsupported("lifecycle policies")
}

func (c *Client) PutImageTagMutability(context.Context, reconcile.RepositoryRef, reconcile.Mutability) error {
	return unsupported("image tag mutability")
}

func (c *Client) PutImageScanningConfiguration(context.Context, reconcile.RepositoryRef, bool) error {
	return unsupported("image scanning")
}

func unsupported(what string) error {
	return &Error{Err: &types.UnsupportedCommandException{Message: aws.String("ECR Public does not support " + what)}}
}

// GetRepositoryCatalogData reads the catalog data; a repository without
// any (RepositoryCatalogDataNotFoundException) has empty catalog data.
func (c *Client) GetRepositoryCatalogData(ctx context.Context, registryID, name string) (reconcile.CatalogData, error) {
	out, err := c.API.GetRepositoryCatalogData(ctx, &ecrpublic.GetRepositoryCatalogDataInput{RegistryId: optional(registryID), RepositoryName: &name})
	var none *types.RepositoryCatalogDataNotFoundException
	switch {
	case errors.As(err, &none):
		return reconcile.CatalogData{}, nil
	case err != nil:
		return reconcile.CatalogData{}, wrap(err)
	case out.CatalogData == nil:
		return reconcile.CatalogData{}, nil
	}
	d := out.CatalogData
	return reconcile.CatalogData{
		Description: aws.ToString(d.Description), AboutText: aws.ToString(d.AboutText), UsageText: aws.ToString(d.UsageText),
		Architectures: d.Architectures, OperatingSystems: d.OperatingSystems,
		HasLogo: aws.ToString(d.LogoUrl) != "",
	}, nil
}

// PutRepositoryCatalogData writes the whole catalog data. Empty members
// are left out, as a caller of the API does for what it has not got.
func (c *Client) PutRepositoryCatalogData(ctx context.Context, registryID, name string, d reconcile.CatalogData) error {
	_, err := c.API.PutRepositoryCatalogData(ctx, &ecrpublic.PutRepositoryCatalogDataInput{RegistryId: optional(registryID), RepositoryName: &name, CatalogData: catalogInput(d)})
	return wrap(err)
}

func catalogInput(d reconcile.CatalogData) *types.RepositoryCatalogDataInput {
	return &types.RepositoryCatalogDataInput{
		Description: optional(d.Description), AboutText: optional(d.AboutText), UsageText: optional(d.UsageText),
		Architectures: d.Architectures, OperatingSystems: d.OperatingSystems, LogoImageBlob: d.Logo,
	}
}

// RepositoryARN is ECR Public's global repository ARN.
func (c *Client) RepositoryARN(account, name string) string {
	return regions.PublicRepositoryARN(account, name)
}

// iamService is the prefix of ECR Public's IAM actions.
const iamService = "ecr-public"

// IAMService is ECR Public's IAM prefix (reconcile.Naming).
func (c *Client) IAMService() string { return iamService }

// RepositoryShape checks a repository's names as ECR Public gives them.
func (c *Client) RepositoryShape(repo reconcile.Repository) string {
	return regions.PublicRepository(repo.RegistryID, repo.Name, repo.URI, repo.ARN)
}

// PlannedURI reads the registry's primary alias with DescribeRegistries.
// A registry before its first repository has no alias yet (ECR Public
// assigns the default one at that first creation): the URI is then "".
func (c *Client) PlannedURI(ctx context.Context, _, name string) (string, error) {
	alias, err := c.PrimaryAlias(ctx)
	if err != nil || alias == "" {
		return "", err
	}
	return regions.PublicRepositoryURI(alias, name), nil
}

// PrimaryAlias is the caller's registry's primary alias ("" when it has
// none yet).
func (c *Client) PrimaryAlias(ctx context.Context) (string, error) {
	out, err := c.API.DescribeRegistries(ctx, &ecrpublic.DescribeRegistriesInput{})
	if err != nil {
		return "", fmt.Errorf("reading the registry alias for the URI of the repository to create: %w", reconcile.AWSError("DescribeRegistries", wrap(err)))
	}
	for _, reg := range out.Registries {
		for _, a := range reg.Aliases {
			if a.PrimaryRegistryAlias {
				return aws.ToString(a.Name), nil
			}
		}
	}
	return "", nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Error is an error of an ECR Public call. It names ecr-public as the IAM
// service (reconcile.ServiceError) and keeps the SDK's error chain
// (retries, deadlines) intact; wrap classifies the exceptions the engine
// reacts to (reconcile.Classify).
type Error struct {
	Err error
}

func (e *Error) Error() string      { return e.Err.Error() }
func (e *Error) Unwrap() error      { return e.Err }
func (e *Error) IAMService() string { return iamService }

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return reconcile.Classify(&Error{Err: err}, kind(err))
}

// kind is the engine's error an ECR Public exception means, nil for none.
func kind(err error) error {
	var (
		notFound *types.RepositoryNotFoundException
		exists   *types.RepositoryAlreadyExistsException
		notEmpty *types.RepositoryNotEmptyException
		invalid  *types.InvalidParameterException
	)
	switch {
	case errors.As(err, &notFound):
		return reconcile.ErrRepositoryNotFound
	case errors.As(err, &exists):
		return reconcile.ErrRepositoryExists
	case errors.As(err, &notEmpty):
		return reconcile.ErrRepositoryNotEmpty
	case errors.As(err, &invalid) && ecrsdk.PrincipalPending(invalid.ErrorMessage()):
		return reconcile.ErrPrincipalPending
	}
	return nil
}
