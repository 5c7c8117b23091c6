package emulator

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// Scenarios a repository creation template applies to (RCTAppliedFor).
const (
	AppliedForCreateOnPush     = string(types.RCTAppliedForCreateOnPush)
	AppliedForReplication      = string(types.RCTAppliedForReplication)
	AppliedForPullThroughCache = string(types.RCTAppliedForPullThroughCache)
)

// RootPrefix is the prefix of the template for every repository that no
// other template's prefix matches.
const RootPrefix = "ROOT"

// CreationTemplate is a repository creation template.
type CreationTemplate struct {
	Prefix           string // a namespace such as "prod" or "prod/team/", or RootPrefix
	Description      string
	AppliedFor       []string
	Mutability       string // "" = MUTABLE
	ExclusionFilters []string
	EncryptionType   string // "" = AES256
	KMSKey           string // key ARN
	ResourceTags     map[string]string
	RepositoryPolicy string // "" = none
	LifecyclePolicy  string // "" = none
	CustomRoleARN    string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (t *CreationTemplate) clone() CreationTemplate {
	out := *t
	out.AppliedFor = slices.Clone(t.AppliedFor)
	out.ExclusionFilters = slices.Clone(t.ExclusionFilters)
	out.ResourceTags = maps.Clone(t.ResourceTags)
	return out
}

// PutCreationTemplate creates or replaces a template in the default
// Region, bypassing the API (no validation, no call log); registryID "" means the default account. Empty
// Mutability, EncryptionType and times get ECR's defaults.
func (e *Emulator) PutCreationTemplate(registryID string, t CreationTemplate) {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	t = t.clone()
	if t.Mutability == "" {
		t.Mutability = string(types.ImageTagMutabilityMutable)
	}
	if t.EncryptionType == "" {
		t.EncryptionType = string(types.EncryptionTypeAes256)
	}
	now := e.now()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.templatesOf(registryKey(e.opts.Region, registryID))[t.Prefix] = &t
}

// CreationTemplates returns a registry's templates in the default Region,
// in prefix order;
// registryID "" means the default account.
func (e *Emulator) CreationTemplates(registryID string) []CreationTemplate {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []CreationTemplate
	key := registryKey(e.opts.Region, registryID)
	for _, p := range sortedPrefixes(e.extra.templates[key]) {
		out = append(out, e.extra.templates[key][p].clone())
	}
	return out
}

// templatesOf returns a registry's templates (registryKey: ECR keeps them
// per Region, as every registry setting), creating the map; the caller
// holds e.mu.
func (e *Emulator) templatesOf(key string) map[string]*CreationTemplate {
	if e.extra.templates == nil {
		e.extra.templates = map[string]map[string]*CreationTemplate{}
	}
	m := e.extra.templates[key]
	if m == nil {
		m = map[string]*CreationTemplate{}
		e.extra.templates[key] = m
	}
	return m
}

func sortedPrefixes(m map[string]*CreationTemplate) []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// templateInput is the request of the template operations.
type templateInput struct {
	Prefix             *string         `json:"prefix"`
	Prefixes           []string        `json:"prefixes"`
	Description        *string         `json:"description"`
	Encryption         *wireEncryption `json:"encryptionConfiguration"`
	ResourceTags       []wireTag       `json:"resourceTags"`
	ImageTagMutability *string         `json:"imageTagMutability"`
	ExclusionFilters   []wireFilter    `json:"imageTagMutabilityExclusionFilters"`
	RepositoryPolicy   *string         `json:"repositoryPolicy"`
	LifecyclePolicy    *string         `json:"lifecyclePolicy"`
	AppliedFor         []string        `json:"appliedFor"`
	CustomRoleARN      *string         `json:"customRoleArn"`
	NextToken          *string         `json:"nextToken"`
	MaxResults         *int            `json:"maxResults"`
}

type wireTemplate struct {
	Prefix           string          `json:"prefix"`
	Description      string          `json:"description,omitempty"`
	Encryption       *wireEncryption `json:"encryptionConfiguration,omitempty"`
	ResourceTags     []wireTag       `json:"resourceTags"`
	Mutability       string          `json:"imageTagMutability"`
	ExclusionFilters []wireFilter    `json:"imageTagMutabilityExclusionFilters,omitempty"`
	RepositoryPolicy string          `json:"repositoryPolicy,omitempty"`
	LifecyclePolicy  string          `json:"lifecyclePolicy,omitempty"`
	AppliedFor       []string        `json:"appliedFor"`
	CustomRoleARN    string          `json:"customRoleArn,omitempty"`
	CreatedAt        float64         `json:"createdAt"`
	UpdatedAt        float64         `json:"updatedAt"`
}

func templateToWire(t *CreationTemplate) wireTemplate {
	w := wireTemplate{
		Prefix:           t.Prefix,
		Description:      t.Description,
		Encryption:       &wireEncryption{EncryptionType: t.EncryptionType, KMSKey: t.KMSKey},
		ResourceTags:     []wireTag{},
		Mutability:       t.Mutability,
		RepositoryPolicy: t.RepositoryPolicy,
		LifecyclePolicy:  t.LifecyclePolicy,
		AppliedFor:       slices.Clone(t.AppliedFor),
		CustomRoleARN:    t.CustomRoleARN,
		CreatedAt:        epoch(t.CreatedAt),
		UpdatedAt:        epoch(t.UpdatedAt),
	}
	for _, k := range slices.Sorted(maps.Keys(t.ResourceTags)) {
		w.ResourceTags = append(w.ResourceTags, wireTag{Key: k, Value: t.ResourceTags[k]})
	}
	for _, f := range t.ExclusionFilters {
		w.ExclusionFilters = append(w.ExclusionFilters, wireFilter{FilterType: string(types.ImageTagMutabilityExclusionFilterTypeWildcard), Filter: f})
	}
	return w
}

// prefixRE is ECR's Prefix pattern.
var prefixRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*/?|ROOT)$`)

var (
	templateKMSRE = regexp.MustCompile(`^$|^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$`)
)

func validatePrefix(p *string) (string, *apiError) {
	if p == nil {
		return "", invalidParam("prefix", "Member must not be null")
	}
	if len(*p) < 1 || len(*p) > 256 || !prefixRE.MatchString(*p) {
		return "", invalidParam("prefix", "Member must satisfy regular expression pattern: ^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$")
	}
	return *p, nil
}

func templateNotFound(prefix, account string) *apiError {
	return errf(http.StatusBadRequest, "TemplateNotFoundException", fmt.Sprintf(
		"The repository creation template with prefix '%s' does not exist in the registry with id '%s'", prefix, account))
}

// applyTemplateInput validates the settings of a create or update request
// and writes them into t; only the members present change.
func applyTemplateInput(t *CreationTemplate, in *templateInput) *apiError {
	if in.Description != nil {
		if len(*in.Description) > 256 {
			return invalidParam("description", "Member must have length less than or equal to 256")
		}
		t.Description = *in.Description
	}
	if in.AppliedFor != nil {
		if len(in.AppliedFor) == 0 {
			return invalidParam("appliedFor", "Member must have at least 1 value")
		}
		var applied []string
		for _, a := range in.AppliedFor {
			switch a {
			case AppliedForCreateOnPush, AppliedForReplication, AppliedForPullThroughCache:
			default:
				return invalidParam("appliedFor", "Member must satisfy enum value set: [REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH]")
			}
			if !slices.Contains(applied, a) {
				applied = append(applied, a)
			}
		}
		t.AppliedFor = applied
	}
	if in.ImageTagMutability != nil || in.ExclusionFilters != nil {
		value := t.Mutability
		if in.ImageTagMutability != nil {
			value = *in.ImageTagMutability
		}
		filters, fail := validateMutability(value, in.ExclusionFilters)
		if fail != nil {
			return fail
		}
		t.Mutability, t.ExclusionFilters = value, filters
	}
	if enc := in.Encryption; enc != nil {
		switch enc.EncryptionType {
		case string(types.EncryptionTypeAes256):
			if enc.KMSKey != "" {
				return invalidParam("encryptionConfiguration.kmsKey", "kmsKey can only be specified when encryptionType is KMS or KMS_DSSE")
			}
		case string(types.EncryptionTypeKms), string(types.EncryptionTypeKmsDsse):
			if !templateKMSRE.MatchString(enc.KMSKey) {
				return invalidParam("encryptionConfiguration.kmsKey", "Member must satisfy regular expression pattern: ^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\\/[a-z0-9-]+")
			}
		default:
			return invalidParam("encryptionConfiguration.encryptionType", "Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]")
		}
		t.EncryptionType, t.KMSKey = enc.EncryptionType, enc.KMSKey
	}
	if in.ResourceTags != nil {
		tags, fail := validateTags(in.ResourceTags)
		if fail != nil {
			return fail
		}
		if len(tags) > ecrspec.MaxTags {
			return tooManyTags()
		}
		t.ResourceTags = tags
	}
	if in.RepositoryPolicy != nil {
		t.RepositoryPolicy = *in.RepositoryPolicy
		if t.RepositoryPolicy != "" {
			// Only validated (the template keeps the text as sent): the
			// partition does not change whether a policy is valid.
			if _, err := formatRepositoryPolicy(t.RepositoryPolicy, "aws", false); err != nil {
				return invalidParam("repositoryPolicy", "Invalid repository policy provided")
			}
		}
	}
	if in.LifecyclePolicy != nil {
		t.LifecyclePolicy = *in.LifecyclePolicy
		if t.LifecyclePolicy != "" {
			text, err := formatLifecyclePolicy(t.LifecyclePolicy, false)
			if err != nil {
				return invalidParam("lifecyclePolicy", "Lifecycle policy validation failure: "+err.Error())
			}
			t.LifecyclePolicy = text
		}
	}
	if in.CustomRoleARN != nil {
		if *in.CustomRoleARN != "" && !roleARNRE.MatchString(*in.CustomRoleARN) {
			return invalidParam("customRoleArn", "Invalid role ARN")
		}
		t.CustomRoleARN = *in.CustomRoleARN
	}
	return nil
}

func templateOutput(account string, t *CreationTemplate) map[string]any {
	return map[string]any{"registryId": account, "repositoryCreationTemplate": templateToWire(t)}
}

// templateRequest decodes the request of an operation on one template and
// validates its prefix.
func templateRequest(c *ecrCall) (templateInput, string, *apiError) {
	var in templateInput
	if fail := decodeInput(c.in.raw, &in); fail != nil {
		return in, "", fail
	}
	prefix, fail := validatePrefix(in.Prefix)
	return in, prefix, fail
}

func (e *Emulator) createRepositoryCreationTemplate(c *ecrCall) (any, *apiError) {
	in, prefix, fail := templateRequest(c)
	if fail != nil {
		return nil, fail
	}
	if in.AppliedFor == nil {
		return nil, invalidParam("appliedFor", "Member must not be null")
	}
	t := &CreationTemplate{Prefix: prefix, Mutability: string(types.ImageTagMutabilityMutable), EncryptionType: string(types.EncryptionTypeAes256)}
	if fail := applyTemplateInput(t, &in); fail != nil {
		return nil, fail
	}
	now := e.now()
	t.CreatedAt, t.UpdatedAt = now, now
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.templatesOf(registryKey(c.region, c.account))
	if _, exists := m[prefix]; exists {
		return nil, errf(http.StatusBadRequest, "TemplateAlreadyExistsException", fmt.Sprintf(
			"The repository creation template with prefix '%s' already exists in the registry with id '%s'", prefix, c.account))
	}
	m[prefix] = t
	return templateOutput(c.account, t), nil
}

func (e *Emulator) updateRepositoryCreationTemplate(c *ecrCall) (any, *apiError) {
	in, prefix, fail := templateRequest(c)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	old, ok := e.extra.templates[registryKey(c.region, c.account)][prefix]
	if !ok {
		return nil, templateNotFound(prefix, c.account)
	}
	t := old.clone()
	if fail := applyTemplateInput(&t, &in); fail != nil {
		return nil, fail
	}
	t.UpdatedAt = e.now()
	e.templatesOf(registryKey(c.region, c.account))[prefix] = &t
	return templateOutput(c.account, &t), nil
}

func (e *Emulator) deleteRepositoryCreationTemplate(c *ecrCall) (any, *apiError) {
	_, prefix, fail := templateRequest(c)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.extra.templates[registryKey(c.region, c.account)][prefix]
	if !ok {
		return nil, templateNotFound(prefix, c.account)
	}
	delete(e.extra.templates[registryKey(c.region, c.account)], prefix)
	return templateOutput(c.account, t), nil
}

func (e *Emulator) describeRepositoryCreationTemplates(c *ecrCall) (any, *apiError) {
	var in templateInput
	if fail := decodeInput(c.in.raw, &in); fail != nil {
		return nil, fail
	}
	for i := range in.Prefixes {
		if _, fail := validatePrefix(&in.Prefixes[i]); fail != nil {
			return nil, fail
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.extra.templates[registryKey(c.region, c.account)]
	var list []*CreationTemplate
	for _, p := range sortedPrefixes(m) {
		if len(in.Prefixes) == 0 || slices.Contains(in.Prefixes, p) {
			list = append(list, m[p])
		}
	}
	got, next, fail := page(list, in.NextToken, in.MaxResults, 100, ecrspec.MaxResultsPerPage)
	if fail != nil {
		return nil, fail
	}
	wire := make([]wireTemplate, len(got))
	for i, t := range got {
		wire[i] = templateToWire(t)
	}
	out := map[string]any{"registryId": c.account, "repositoryCreationTemplates": wire}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}
