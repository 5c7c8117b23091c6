package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// ECR Public's catalog data limits (RepositoryCatalogDataInput in the API
// model). Architectures and operating systems are free text to the API: the
// gallery shows badges for a few values and keeps any other value of the
// right length without showing it.
const (
	maxDescriptionChars = ecrspec.MaxCatalogDescriptionChars
	maxMarkdownChars    = ecrspec.MaxCatalogMarkdownChars
	maxCatalogListItems = ecrspec.MaxCatalogListItems
	maxCatalogItemChars = ecrspec.MaxCatalogItemChars
	maxLogoBytes        = ecrspec.MaxCatalogLogoBytes
)

// validateCatalog checks catalog data input and returns it as stored.
func validateCatalog(in *wireCatalogInput) (CatalogData, *apiError) {
	var out CatalogData
	if in == nil {
		return out, nil
	}
	text := func(member string, v *string, limit int) (string, *apiError) {
		if v == nil {
			return "", nil
		}
		if utf8.RuneCountInString(*v) > limit {
			return "", invalidParam("catalogData."+member, fmt.Sprintf("Member must have length less than or equal to %d", limit))
		}
		return *v, nil
	}
	list := func(member string, v []string) ([]string, *apiError) {
		if len(v) > maxCatalogListItems {
			return nil, invalidParam("catalogData."+member, fmt.Sprintf("Member must have length less than or equal to %d", maxCatalogListItems))
		}
		for _, s := range v {
			if n := utf8.RuneCountInString(s); n < 1 || n > maxCatalogItemChars {
				return nil, invalidParam("catalogData."+member, fmt.Sprintf("Member must have length between 1 and %d", maxCatalogItemChars))
			}
		}
		return slices.Clone(v), nil
	}
	var fail *apiError
	if out.Description, fail = text("description", in.Description, maxDescriptionChars); fail != nil {
		return out, fail
	}
	if out.AboutText, fail = text("aboutText", in.AboutText, maxMarkdownChars); fail != nil {
		return out, fail
	}
	if out.UsageText, fail = text("usageText", in.UsageText, maxMarkdownChars); fail != nil {
		return out, fail
	}
	if out.Architectures, fail = list("architectures", in.Architectures); fail != nil {
		return out, fail
	}
	if out.OperatingSystems, fail = list("operatingSystems", in.OperatingSystems); fail != nil {
		return out, fail
	}
	if len(in.LogoImageBlob) > maxLogoBytes {
		return out, invalidParam("catalogData.logoImageBlob", fmt.Sprintf("Member must have length less than or equal to %d", maxLogoBytes))
	}
	out.Logo = slices.Clone(in.LogoImageBlob)
	return out, nil
}

func (e *Emulator) publicCreateRepository(c *publicCall) (any, *apiError) {
	in := c.in
	if fail := validatePublicName(in.RepositoryName); fail != nil {
		return nil, fail
	}
	tags, fail := validateTags(in.Tags)
	if fail != nil {
		return nil, fail
	}
	if len(tags) > ecrspec.MaxTags {
		return nil, tooManyTags()
	}
	catalog, fail := validateCatalog(in.CatalogData)
	if fail != nil {
		return nil, fail
	}
	r := &PublicRepository{RegistryID: c.account, Name: in.RepositoryName, Catalog: catalog, Tags: tags, CreatedAt: e.now()}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.public.lookup(c.account, r.Name) != nil {
		return nil, errf(http.StatusBadRequest, "RepositoryAlreadyExistsException", fmt.Sprintf(
			"The repository with name '%s' already exists in the registry with id '%s'", r.Name, c.account))
	}
	e.public.ensureDefaultAlias(c.account)
	e.public.store(r)
	return map[string]any{"repository": e.publicWire(r), "catalogData": catalogWire(r)}, nil
}

func (e *Emulator) publicDescribeRepositories(c *publicCall) (any, *apiError) {
	in := c.in
	if len(in.RepositoryNames) == 0 {
		return e.publicListRepositories(c)
	}
	if fail := checkNamedDescribe(in.RepositoryNames, in.MaxResults, in.NextToken, validatePublicName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var repos []wirePublicRepository
	seen := map[string]bool{}
	for _, name := range in.RepositoryNames {
		if seen[name] {
			continue
		}
		seen[name] = true
		r := e.public.lookup(c.account, name)
		if r == nil {
			return nil, publicNotFound(c.account, name)
		}
		repos = append(repos, e.publicWire(r))
	}
	return map[string]any{"repositories": repos}, nil
}

func (e *Emulator) publicListRepositories(c *publicCall) (any, *apiError) {
	limit, after, fail := pageParams(c.in.MaxResults, c.in.NextToken)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	reg := e.public.repos[c.account]
	names, out := pageOfNames(reg, after, limit)
	repos := make([]wirePublicRepository, len(names))
	for i, name := range names {
		repos[i] = e.publicWire(reg[name])
	}
	out["repositories"] = repos
	return out, nil
}

// pageOfNames returns the names of reg after the last one returned, in
// name order, at most limit of them, and the answer with the nextToken that
// holds the last name when more remain.
func pageOfNames[T any](reg map[string]T, after string, limit int) ([]string, map[string]any) {
	names := make([]string, 0, len(reg))
	for name := range reg {
		if name > after {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		out["nextToken"] = base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
	}
	return names, out
}

// pageParams reads maxResults (1 to 1000, default 100) and a nextToken that
// holds the last name returned.
func pageParams(maxResults *int, token *string) (int, string, *apiError) {
	limit := 100
	if maxResults != nil {
		limit = *maxResults
		if limit < 1 || limit > ecrspec.MaxResultsPerPage {
			return 0, "", invalidParam("maxResults", fmt.Sprintf("Member must have value between 1 and %d", ecrspec.MaxResultsPerPage))
		}
	}
	after := ""
	if token != nil {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil || len(b) == 0 {
			return 0, "", invalidParam("nextToken", "Invalid pagination token")
		}
		after = string(b)
	}
	return limit, after, nil
}

func (e *Emulator) publicDeleteRepository(c *publicCall) (any, *apiError) {
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		if r.ImageCount > 0 && !c.in.Force {
			return nil, repositoryNotEmpty(r.Name, r.RegistryID)
		}
		out := map[string]any{"repository": e.publicWire(r)}
		delete(e.public.repos[r.RegistryID], r.Name)
		return out, nil
	})
}

func (e *Emulator) publicGetCatalogData(c *publicCall) (any, *apiError) {
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		return map[string]any{"catalogData": catalogWire(r)}, nil
	})
}

// publicPutCatalogData replaces the whole catalog data: a member left out
// is cleared. Whether ECR Public merges instead is not documented; replacing
// is the reading under which a caller that sends every member it wants kept
// is right either way.
func (e *Emulator) publicPutCatalogData(c *publicCall) (any, *apiError) {
	if c.in.CatalogData == nil {
		return nil, invalidParam("catalogData", "Member must not be null")
	}
	catalog, fail := validateCatalog(c.in.CatalogData)
	if fail != nil {
		return nil, fail
	}
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		r.Catalog = catalog
		return map[string]any{"catalogData": catalogWire(r)}, nil
	})
}

func publicPolicyNotFound(r *PublicRepository) *apiError {
	return errf(http.StatusBadRequest, "RepositoryPolicyNotFoundException", fmt.Sprintf(
		"Repository policy does not exist for the repository with name '%s' in the registry with id '%s'", r.Name, r.RegistryID))
}

func publicPolicyOutput(r *PublicRepository) map[string]any {
	return map[string]any{"registryId": r.RegistryID, "repositoryName": r.Name, "policyText": r.Policy}
}

func (e *Emulator) publicGetRepositoryPolicy(c *publicCall) (any, *apiError) {
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		if r.Policy == "" {
			return nil, publicPolicyNotFound(r)
		}
		return publicPolicyOutput(r), nil
	})
}

func (e *Emulator) publicDeleteRepositoryPolicy(c *publicCall) (any, *apiError) {
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		if r.Policy == "" {
			return nil, publicPolicyNotFound(r)
		}
		out := publicPolicyOutput(r)
		r.Policy = ""
		return out, nil
	})
}

// publicSetRepositoryPolicy validates and re-formats the policy as private
// ECR does (the same IAM policy grammar, the repository as the resource).
func (e *Emulator) publicSetRepositoryPolicy(c *publicCall) (any, *apiError) {
	if c.in.PolicyText == nil {
		return nil, invalidParam("policyText", "Member must not be null")
	}
	if fail := validatePublicName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	p, err := formatRepositoryPolicy(*c.in.PolicyText, publicPartition, e.opts.FillPolicyDefaults)
	if err != nil {
		return nil, invalidPolicy()
	}
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		if fail := e.principalPending(p.principals); fail != nil {
			return nil, fail
		}
		r.Policy = p.text
		return publicPolicyOutput(r), nil
	})
}

// taggedPublicRepo resolves a tag call's resourceArn; the caller holds e.mu.
func (e *Emulator) taggedPublicRepo(c *publicCall) (*PublicRepository, *apiError) {
	if c.in.ResourceArn == "" {
		return nil, invalidParam("resourceArn", "Member must not be null")
	}
	m := publicARNRE.FindStringSubmatch(c.in.ResourceArn)
	if m == nil {
		return nil, invalidParam("resourceArn", "Invalid ARN")
	}
	r := e.public.lookup(m[1], m[2])
	if r == nil {
		return nil, publicNotFound(m[1], m[2])
	}
	return r, nil
}

func (e *Emulator) publicListTagsForResource(c *publicCall) (any, *apiError) {
	return e.listTags(func() (*map[string]string, *apiError) { return publicTagsOf(e.taggedPublicRepo(c)) })
}

func (e *Emulator) publicTagResource(c *publicCall) (any, *apiError) {
	return e.addTags(c.in.Tags, func() (*map[string]string, *apiError) { return publicTagsOf(e.taggedPublicRepo(c)) })
}

func (e *Emulator) publicUntagResource(c *publicCall) (any, *apiError) {
	return e.removeTags(c.in.TagKeys, func() (*map[string]string, *apiError) { return publicTagsOf(e.taggedPublicRepo(c)) })
}

func publicTagsOf(r *PublicRepository, fail *apiError) (*map[string]string, *apiError) {
	if fail != nil {
		return nil, fail
	}
	return &r.Tags, nil
}

type wireAlias struct {
	Name                 string `json:"name"`
	Status               string `json:"status"`
	PrimaryRegistryAlias bool   `json:"primaryRegistryAlias"`
	DefaultRegistryAlias bool   `json:"defaultRegistryAlias"`
}

type wireRegistry struct {
	RegistryID  string      `json:"registryId"`
	RegistryArn string      `json:"registryArn"`
	RegistryURI string      `json:"registryUri"`
	Verified    bool        `json:"verified"`
	Aliases     []wireAlias `json:"aliases"`
}

// publicDescribeRegistries lists the caller's public registry. Before the
// account's first public repository the registry has no alias yet, and so
// no URI: ECR Public assigns the default alias on that first creation.
func (e *Emulator) publicDescribeRegistries(c *publicCall) (any, *apiError) {
	if c.in.MaxResults != nil && (*c.in.MaxResults < 1 || *c.in.MaxResults > ecrspec.MaxResultsPerPage) {
		return nil, invalidParam("maxResults", fmt.Sprintf("Member must have value between 1 and %d", ecrspec.MaxResultsPerPage))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	reg := wireRegistry{
		RegistryID:  c.account,
		RegistryArn: fmt.Sprintf("arn:aws:ecr-public::%s:registry/%s", c.account, c.account),
		Aliases:     []wireAlias{},
	}
	if alias := e.public.primaryAlias(c.account); alias != "" {
		reg.RegistryURI = "public.ecr.aws/" + alias
	}
	for _, a := range e.public.aliases[c.account] {
		reg.Aliases = append(reg.Aliases, wireAlias{a.Name, a.Status, a.Primary, a.Default})
	}
	return map[string]any{"registries": []wireRegistry{reg}}, nil
}

func (e *Emulator) publicGetRegistryCatalogData(*publicCall) (any, *apiError) {
	return map[string]any{"registryCatalogData": map[string]any{}}, nil
}
