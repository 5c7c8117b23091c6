// Package publicecr lets the reconcile engine manage Amazon ECR Public
// repositories: Client implements the engine's ECR interface (with ECR's
// request and response types) on top of the ecrpublic client, so that the
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
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

func repository(r *types.Repository) ecrtypes.Repository {
	if r == nil {
		return ecrtypes.Repository{}
	}
	return ecrtypes.Repository{
		RegistryId: r.RegistryId, RepositoryName: r.RepositoryName,
		RepositoryArn: r.RepositoryArn, RepositoryUri: r.RepositoryUri, CreatedAt: r.CreatedAt,
	}
}

func (c *Client) DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, _ ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	out, err := c.API.DescribeRepositories(ctx, &ecrpublic.DescribeRepositoriesInput{RegistryId: in.RegistryId, RepositoryNames: in.RepositoryNames})
	if err != nil {
		return nil, wrap(err)
	}
	res := &ecr.DescribeRepositoriesOutput{}
	for i := range out.Repositories {
		res.Repositories = append(res.Repositories, repository(&out.Repositories[i]))
	}
	return res, nil
}

// CreateRepository creates the repository with its tags.
func (c *Client) CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, _ ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error) {
	return c.create(ctx, in, nil)
}

// CreateRepositoryWithCatalog creates the repository with its tags and
// catalog data, in one call.
func (c *Client) CreateRepositoryWithCatalog(ctx context.Context, in *ecr.CreateRepositoryInput, d reconcile.CatalogData) (*ecr.CreateRepositoryOutput, error) {
	return c.create(ctx, in, catalogInput(d))
}

func (c *Client) create(ctx context.Context, in *ecr.CreateRepositoryInput, catalog *types.RepositoryCatalogDataInput) (*ecr.CreateRepositoryOutput, error) {
	if in.RegistryId != nil {
		// ECR Public creates repositories in the caller's registry only;
		// the inputs refuse another registry before any call.
		return nil, unsupported("CreateRepository in another account's registry")
	}
	out, err := c.API.CreateRepository(ctx, &ecrpublic.CreateRepositoryInput{RepositoryName: in.RepositoryName, Tags: publicTags(in.Tags), CatalogData: catalog})
	if err != nil {
		return nil, wrap(err)
	}
	if out.Repository == nil {
		// The engine names the answer without a repository.
		return &ecr.CreateRepositoryOutput{}, nil
	}
	repo := repository(out.Repository)
	return &ecr.CreateRepositoryOutput{Repository: &repo}, nil
}

// DeleteRepository deletes the repository (state: absent), with its
// images when Force is set.
func (c *Client) DeleteRepository(ctx context.Context, in *ecr.DeleteRepositoryInput, _ ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error) {
	out, err := c.API.DeleteRepository(ctx, &ecrpublic.DeleteRepositoryInput{RegistryId: in.RegistryId, RepositoryName: in.RepositoryName, Force: in.Force})
	if err != nil {
		return nil, wrap(err)
	}
	repo := repository(out.Repository)
	return &ecr.DeleteRepositoryOutput{Repository: &repo}, nil
}

// DescribeImages lists the repository's images, for the count a deletion
// reports. ECR Public has no image status filter: every image it lists is
// in the repository and goes with it.
func (c *Client) DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	out, err := c.API.DescribeImages(ctx, &ecrpublic.DescribeImagesInput{
		RegistryId: in.RegistryId, RepositoryName: in.RepositoryName, MaxResults: in.MaxResults, NextToken: in.NextToken,
	})
	if err != nil {
		return nil, wrap(err)
	}
	res := &ecr.DescribeImagesOutput{NextToken: out.NextToken}
	for _, d := range out.ImageDetails {
		res.ImageDetails = append(res.ImageDetails, ecrtypes.ImageDetail{ImageDigest: d.ImageDigest, ImageTags: d.ImageTags})
	}
	return res, nil
}

func (c *Client) GetRepositoryPolicy(ctx context.Context, in *ecr.GetRepositoryPolicyInput, _ ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error) {
	out, err := c.API.GetRepositoryPolicy(ctx, &ecrpublic.GetRepositoryPolicyInput{RegistryId: in.RegistryId, RepositoryName: in.RepositoryName})
	if err != nil {
		return nil, wrap(err)
	}
	return &ecr.GetRepositoryPolicyOutput{RegistryId: out.RegistryId, RepositoryName: out.RepositoryName, PolicyText: out.PolicyText}, nil
}

func (c *Client) SetRepositoryPolicy(ctx context.Context, in *ecr.SetRepositoryPolicyInput, _ ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error) {
	out, err := c.API.SetRepositoryPolicy(ctx, &ecrpublic.SetRepositoryPolicyInput{RegistryId: in.RegistryId, RepositoryName: in.RepositoryName, PolicyText: in.PolicyText, Force: in.Force})
	if err != nil {
		return nil, wrap(err)
	}
	return &ecr.SetRepositoryPolicyOutput{RegistryId: out.RegistryId, RepositoryName: out.RepositoryName, PolicyText: out.PolicyText}, nil
}

func (c *Client) DeleteRepositoryPolicy(ctx context.Context, in *ecr.DeleteRepositoryPolicyInput, _ ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error) {
	out, err := c.API.DeleteRepositoryPolicy(ctx, &ecrpublic.DeleteRepositoryPolicyInput{RegistryId: in.RegistryId, RepositoryName: in.RepositoryName})
	if err != nil {
		return nil, wrap(err)
	}
	return &ecr.DeleteRepositoryPolicyOutput{RegistryId: out.RegistryId, RepositoryName: out.RepositoryName, PolicyText: out.PolicyText}, nil
}

func (c *Client) ListTagsForResource(ctx context.Context, in *ecr.ListTagsForResourceInput, _ ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error) {
	out, err := c.API.ListTagsForResource(ctx, &ecrpublic.ListTagsForResourceInput{ResourceArn: in.ResourceArn})
	if err != nil {
		return nil, wrap(err)
	}
	res := &ecr.ListTagsForResourceOutput{}
	for _, t := range out.Tags {
		res.Tags = append(res.Tags, ecrtypes.Tag{Key: t.Key, Value: t.Value})
	}
	return res, nil
}

func (c *Client) TagResource(ctx context.Context, in *ecr.TagResourceInput, _ ...func(*ecr.Options)) (*ecr.TagResourceOutput, error) {
	if _, err := c.API.TagResource(ctx, &ecrpublic.TagResourceInput{ResourceArn: in.ResourceArn, Tags: publicTags(in.Tags)}); err != nil {
		return nil, wrap(err)
	}
	return &ecr.TagResourceOutput{}, nil
}

func (c *Client) UntagResource(ctx context.Context, in *ecr.UntagResourceInput, _ ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error) {
	if _, err := c.API.UntagResource(ctx, &ecrpublic.UntagResourceInput{ResourceArn: in.ResourceArn, TagKeys: in.TagKeys}); err != nil {
		return nil, wrap(err)
	}
	return &ecr.UntagResourceOutput{}, nil
}

func publicTags(tags []ecrtypes.Tag) []types.Tag {
	var out []types.Tag
	for _, t := range tags {
		out = append(out, types.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// The settings ECR Public does not have.

func (c *Client) StartLifecyclePolicyPreview(context.Context, *ecr.StartLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) GetLifecyclePolicyPreview(context.Context, *ecr.GetLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) DeleteLifecyclePolicy(context.Context, *ecr.DeleteLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error) {
	return nil, unsupported("lifecycle policies")
}

func (c *Client) PutImageTagMutability(context.Context, *ecr.PutImageTagMutabilityInput, ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error) {
	return nil, unsupported("image tag mutability")
}

func (c *Client) PutImageScanningConfiguration(context.Context, *ecr.PutImageScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error) {
	return nil, unsupported("image scanning")
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
// service (reconcile.ServiceError) and lets the engine match ECR Public's
// exceptions as the ECR exceptions of the same name and meaning, while
// keeping the SDK's error chain (retries, deadlines) intact.
type Error struct {
	Err error
	// ecr is the ECR exception of the same meaning, nil when none applies.
	ecr error
}

func (e *Error) Error() string      { return e.Err.Error() }
func (e *Error) Unwrap() error      { return e.Err }
func (e *Error) IAMService() string { return "ecr-public" }

// As presents the matching ECR exception to errors.As.
func (e *Error) As(target any) bool {
	return e.ecr != nil && errors.As(e.ecr, target)
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, ecr: ecrException(err)}
}

// ecrException translates the ECR Public exceptions the engine reacts to.
func ecrException(err error) error {
	var (
		notFound   *types.RepositoryNotFoundException
		exists     *types.RepositoryAlreadyExistsException
		noPolicy   *types.RepositoryPolicyNotFoundException
		invalid    *types.InvalidParameterException
		tooMany    *types.TooManyTagsException
		invalidTag *types.InvalidTagParameterException
		limit      *types.LimitExceededException
		notEmpty   *types.RepositoryNotEmptyException
	)
	switch {
	case errors.As(err, &notFound):
		return &ecrtypes.RepositoryNotFoundException{Message: notFound.Message}
	case errors.As(err, &notEmpty):
		return &ecrtypes.RepositoryNotEmptyException{Message: notEmpty.Message}
	case errors.As(err, &exists):
		return &ecrtypes.RepositoryAlreadyExistsException{Message: exists.Message}
	case errors.As(err, &noPolicy):
		return &ecrtypes.RepositoryPolicyNotFoundException{Message: noPolicy.Message}
	case errors.As(err, &invalid):
		return &ecrtypes.InvalidParameterException{Message: invalid.Message}
	case errors.As(err, &tooMany):
		return &ecrtypes.TooManyTagsException{Message: tooMany.Message}
	case errors.As(err, &invalidTag):
		return &ecrtypes.InvalidTagParameterException{Message: invalidTag.Message}
	case errors.As(err, &limit):
		return &ecrtypes.LimitExceededException{Message: limit.Message}
	}
	return nil
}
