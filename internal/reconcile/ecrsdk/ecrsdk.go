// Package ecrsdk adapts ECR's SDK client to the engine's client interface
// (reconcile.ECR and reconcile.RegistryAPI): it builds the SDK's requests,
// reads its answers into the engine's plain types, refuses an answer
// without a field the engine needs, and classifies the service's
// exceptions as the engine's errors.
package ecrsdk

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// API is the part of ECR's API the adapter calls; *ecr.Client satisfies it.
type API interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DeleteRepository(context.Context, *ecr.DeleteRepositoryInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error)
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	GetRepositoryPolicy(context.Context, *ecr.GetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error)
	SetRepositoryPolicy(context.Context, *ecr.SetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(context.Context, *ecr.DeleteRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error)
	GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error)
	DeleteLifecyclePolicy(context.Context, *ecr.DeleteLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error)
	ListTagsForResource(context.Context, *ecr.ListTagsForResourceInput, ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error)
	TagResource(context.Context, *ecr.TagResourceInput, ...func(*ecr.Options)) (*ecr.TagResourceOutput, error)
	UntagResource(context.Context, *ecr.UntagResourceInput, ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error)
	PutImageTagMutability(context.Context, *ecr.PutImageTagMutabilityInput, ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error)
	PutImageScanningConfiguration(context.Context, *ecr.PutImageScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error)
	StartLifecyclePolicyPreview(context.Context, *ecr.StartLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error)
	GetLifecyclePolicyPreview(context.Context, *ecr.GetLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error)
	GetRegistryScanningConfiguration(context.Context, *ecr.GetRegistryScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.GetRegistryScanningConfigurationOutput, error)
	DescribeRepositoryCreationTemplates(context.Context, *ecr.DescribeRepositoryCreationTemplatesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoryCreationTemplatesOutput, error)
}

var _ API = (*ecr.Client)(nil)

// Client is the engine's client for ECR.
type Client struct{ API API }

var (
	_ reconcile.ECR         = (*Client)(nil)
	_ reconcile.RegistryAPI = (*Client)(nil)
)

// New returns the adapter over an ECR SDK client.
func New(api API) *Client { return &Client{API: api} }

// classify marks the exceptions the engine reacts to (reconcile.Classify).
func classify(err error) error {
	var invalid *types.InvalidParameterException
	switch {
	case err == nil:
		return nil
	case is[*types.RepositoryNotFoundException](err):
		return reconcile.Classify(err, reconcile.ErrRepositoryNotFound)
	case is[*types.RepositoryAlreadyExistsException](err):
		return reconcile.Classify(err, reconcile.ErrRepositoryExists)
	case is[*types.RepositoryNotEmptyException](err):
		return reconcile.Classify(err, reconcile.ErrRepositoryNotEmpty)
	case is[*types.KmsException](err):
		return reconcile.Classify(err, reconcile.ErrKMS)
	case is[*types.LifecyclePolicyPreviewNotFoundException](err):
		return reconcile.Classify(err, reconcile.ErrPreviewNotFound)
	case is[*types.LifecyclePolicyPreviewInProgressException](err):
		return reconcile.Classify(err, reconcile.ErrPreviewInProgress)
	case errors.As(err, &invalid) && PrincipalPending(invalid.ErrorMessage()):
		return reconcile.Classify(err, reconcile.ErrPrincipalPending)
	}
	return err
}

// PrincipalPending matches the message of ECR's refusal of a repository
// policy that names a principal IAM has not made visible yet (ECR Public's
// too). ECR has answered it in two forms over time; both are
// InvalidParameterException.
func PrincipalPending(msg string) bool {
	return strings.Contains(msg, "Invalid repository policy provided") || strings.Contains(msg, "Principal not found")
}

// is reports whether err is (or wraps) the SDK's typed exception T.
func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// missing is an answer without a field the engine needs.
func missing(op, field string) error {
	return &reconcile.AnswerError{Service: "ecr", Op: op, Field: field}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func info(repo types.Repository) reconcile.RepositoryInfo {
	in := reconcile.RepositoryInfo{
		Repository: reconcile.Repository{
			Name: aws.ToString(repo.RepositoryName), ARN: aws.ToString(repo.RepositoryArn),
			URI: aws.ToString(repo.RepositoryUri), RegistryID: aws.ToString(repo.RegistryId),
		},
		Mutability: string(repo.ImageTagMutability),
	}
	for _, f := range repo.ImageTagMutabilityExclusionFilters {
		in.ExclusionFilters = append(in.ExclusionFilters, aws.ToString(f.Filter))
	}
	if c := repo.ImageScanningConfiguration; c != nil {
		in.ScanOnPush = c.ScanOnPush
	}
	if e := repo.EncryptionConfiguration; e != nil {
		in.EncryptionType, in.KMSKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
	}
	return in
}

func (c *Client) DescribeRepositories(ctx context.Context, registryID string, names []string) ([]reconcile.RepositoryInfo, error) {
	out, err := c.API.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: names, RegistryId: optional(registryID)})
	if err != nil {
		return nil, classify(err)
	}
	repos := make([]reconcile.RepositoryInfo, 0, len(out.Repositories))
	for _, r := range out.Repositories {
		repos = append(repos, info(r))
	}
	return repos, nil
}

func tags(m map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func exclusionFilters(filters []string) []types.ImageTagMutabilityExclusionFilter {
	var out []types.ImageTagMutabilityExclusionFilter
	for _, f := range filters {
		out = append(out, types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	return out
}

// CreateRepository creates the repository with the settings of req. ECR
// has no catalog data: req.Catalog is ECR Public's.
func (c *Client) CreateRepository(ctx context.Context, req reconcile.CreateRequest) (reconcile.RepositoryInfo, error) {
	in := &ecr.CreateRepositoryInput{RepositoryName: &req.Ref.Name, RegistryId: optional(req.Ref.RegistryID), Tags: tags(req.Tags)}
	if m := req.Mutability; m != nil {
		in.ImageTagMutability = types.ImageTagMutability(m.Value)
		in.ImageTagMutabilityExclusionFilters = exclusionFilters(m.Filters)
	}
	if req.ScanOnPush != nil {
		in.ImageScanningConfiguration = &types.ImageScanningConfiguration{ScanOnPush: *req.ScanOnPush}
	}
	if e := req.Encryption; e != nil {
		in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(e.Type), KmsKey: optional(e.KMSKey)}
	}
	out, err := c.API.CreateRepository(ctx, in)
	switch {
	case err != nil:
		return reconcile.RepositoryInfo{}, classify(err)
	case out.Repository == nil:
		return reconcile.RepositoryInfo{}, missing("CreateRepository", "repository")
	}
	return info(*out.Repository), nil
}

func (c *Client) DeleteRepository(ctx context.Context, ref reconcile.RepositoryRef, force bool) error {
	_, err := c.API.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID), Force: force})
	return classify(err)
}

// DescribeImages counts one page of the images as DescribeImages lists
// them: one per image digest, tagged and untagged, in any status (archived
// images are in the repository too and go with it). Pages of the most ECR
// returns at once.
func (c *Client) DescribeImages(ctx context.Context, ref reconcile.RepositoryRef, nextToken string) (int, string, error) {
	out, err := c.API.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: &ref.Name,
		RegistryId:     optional(ref.RegistryID),
		MaxResults:     aws.Int32(ecrspec.MaxResultsPerPage),
		NextToken:      optional(nextToken),
		Filter:         &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny},
	})
	if err != nil {
		return 0, "", classify(err)
	}
	return len(out.ImageDetails), aws.ToString(out.NextToken), nil
}

func (c *Client) GetRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef) (*string, error) {
	out, err := c.API.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID)})
	switch {
	case is[*types.RepositoryPolicyNotFoundException](err):
		return nil, nil
	case err != nil:
		return nil, classify(err)
	case out.PolicyText == nil:
		// Not "no policy": that is RepositoryPolicyNotFoundException, and
		// a merge with nothing would drop the statements others own.
		return nil, missing("GetRepositoryPolicy", "policyText")
	}
	return out.PolicyText, nil
}

func (c *Client) SetRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef, text string) error {
	_, err := c.API.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID), PolicyText: &text})
	return classify(err)
}

func (c *Client) DeleteRepositoryPolicy(ctx context.Context, ref reconcile.RepositoryRef) error {
	_, err := c.API.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID)})
	if is[*types.RepositoryPolicyNotFoundException](err) {
		return nil
	}
	return classify(err)
}

func (c *Client) GetLifecyclePolicy(ctx context.Context, ref reconcile.RepositoryRef) (*string, error) {
	out, err := c.API.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID)})
	switch {
	case is[*types.LifecyclePolicyNotFoundException](err):
		return nil, nil
	case err != nil:
		return nil, classify(err)
	case out.LifecyclePolicyText == nil:
		return nil, missing("GetLifecyclePolicy", "lifecyclePolicyText")
	}
	return out.LifecyclePolicyText, nil
}

func (c *Client) PutLifecyclePolicy(ctx context.Context, ref reconcile.RepositoryRef, text string) error {
	_, err := c.API.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID), LifecyclePolicyText: &text})
	return classify(err)
}

func (c *Client) DeleteLifecyclePolicy(ctx context.Context, ref reconcile.RepositoryRef) error {
	_, err := c.API.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID)})
	if is[*types.LifecyclePolicyNotFoundException](err) {
		return nil
	}
	return classify(err)
}

func (c *Client) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	out, err := c.API.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil {
		return nil, classify(err)
	}
	m := make(map[string]string, len(out.Tags))
	for _, t := range out.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m, nil
}

func (c *Client) TagResource(ctx context.Context, arn string, m map[string]string) error {
	_, err := c.API.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: &arn, Tags: tags(m)})
	return classify(err)
}

func (c *Client) UntagResource(ctx context.Context, arn string, keys []string) error {
	_, err := c.API.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: &arn, TagKeys: keys})
	return classify(err)
}

func (c *Client) PutImageTagMutability(ctx context.Context, ref reconcile.RepositoryRef, m reconcile.Mutability) error {
	_, err := c.API.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
		RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID),
		ImageTagMutability:                 types.ImageTagMutability(m.Value),
		ImageTagMutabilityExclusionFilters: exclusionFilters(m.Filters),
	})
	return classify(err)
}

func (c *Client) PutImageScanningConfiguration(ctx context.Context, ref reconcile.RepositoryRef, scanOnPush bool) error {
	_, err := c.API.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
		RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: scanOnPush},
	})
	return classify(err)
}

func (c *Client) StartLifecyclePolicyPreview(ctx context.Context, ref reconcile.RepositoryRef, text string) error {
	_, err := c.API.StartLifecyclePolicyPreview(ctx, &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID), LifecyclePolicyText: &text})
	return classify(err)
}

// GetLifecyclePolicyPreview reads one page of the preview's results, of
// the most ECR returns at once.
func (c *Client) GetLifecyclePolicyPreview(ctx context.Context, ref reconcile.RepositoryRef, nextToken string) (reconcile.PreviewPage, error) {
	out, err := c.API.GetLifecyclePolicyPreview(ctx, &ecr.GetLifecyclePolicyPreviewInput{
		RepositoryName: &ref.Name, RegistryId: optional(ref.RegistryID),
		MaxResults: aws.Int32(ecrspec.MaxPreviewResultsPerPage), NextToken: optional(nextToken),
	})
	if err != nil {
		return reconcile.PreviewPage{}, classify(err)
	}
	p := reconcile.PreviewPage{Status: string(out.Status), PolicyText: aws.ToString(out.LifecyclePolicyText), NextToken: aws.ToString(out.NextToken)}
	if s := out.Summary; s != nil {
		p.HasSummary, p.Expiring = true, int(aws.ToInt32(s.ExpiringImageTotalCount))
		for _, t := range s.TransitioningImageTotalCounts {
			p.Transitioning += int(aws.ToInt32(t.ImageTotalCount))
		}
	}
	for _, r := range out.PreviewResults {
		res := reconcile.PreviewResult{
			RulePriority: aws.ToInt32(r.AppliedRulePriority), Digest: aws.ToString(r.ImageDigest),
			Tags: r.ImageTags, PushedAt: aws.ToTime(r.ImagePushedAt),
		}
		if r.Action != nil {
			res.HasAction, res.ActionType = true, string(r.Action.Type)
		}
		p.Results = append(p.Results, res)
	}
	return p, nil
}

func (c *Client) GetRegistryScanningConfiguration(ctx context.Context) (string, registry.ScanningConfiguration, error) {
	var cfg registry.ScanningConfiguration
	out, err := c.API.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		return "", cfg, classify(err)
	}
	sc := out.ScanningConfiguration
	if sc == nil {
		return "", cfg, missing("GetRegistryScanningConfiguration", "scanningConfiguration")
	}
	cfg.ScanType = string(sc.ScanType)
	for _, rule := range sc.Rules {
		sr := registry.ScanningRule{Frequency: string(rule.ScanFrequency)}
		for _, f := range rule.RepositoryFilters {
			sr.Filters = append(sr.Filters, aws.ToString(f.Filter))
		}
		cfg.Rules = append(cfg.Rules, sr)
	}
	return aws.ToString(out.RegistryId), cfg, nil
}

// DescribeRepositoryCreationTemplates reads one page of templates, of the
// most ECR returns at once (one page for nearly any registry).
func (c *Client) DescribeRepositoryCreationTemplates(ctx context.Context, nextToken string) (string, []registry.Template, string, error) {
	out, err := c.API.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{
		MaxResults: aws.Int32(ecrspec.MaxResultsPerPage), NextToken: optional(nextToken),
	})
	if err != nil {
		return "", nil, "", classify(err)
	}
	var list []registry.Template
	for _, t := range out.RepositoryCreationTemplates {
		tmpl := registry.Template{
			Prefix:           aws.ToString(t.Prefix),
			Mutability:       string(t.ImageTagMutability),
			RepositoryPolicy: aws.ToString(t.RepositoryPolicy),
			LifecyclePolicy:  aws.ToString(t.LifecyclePolicy),
		}
		for _, a := range t.AppliedFor {
			tmpl.AppliedFor = append(tmpl.AppliedFor, string(a))
		}
		for _, f := range t.ImageTagMutabilityExclusionFilters {
			tmpl.ExclusionFilters = append(tmpl.ExclusionFilters, aws.ToString(f.Filter))
		}
		if e := t.EncryptionConfiguration; e != nil {
			tmpl.EncryptionType, tmpl.KMSKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
		}
		if len(t.ResourceTags) > 0 {
			tmpl.ResourceTags = map[string]string{}
			for _, tag := range t.ResourceTags {
				tmpl.ResourceTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
		}
		list = append(list, tmpl)
	}
	return aws.ToString(out.RegistryId), list, aws.ToString(out.NextToken), nil
}
